// The access policy: the single authority on which rows a principal may see.
// It replaces PostgreSQL's row-level security. Repos ask it for a SQL
// predicate (lists, counts, lookups, aggregates); scope-auth asks it about one
// loaded object. Both forms come from the same rules table below.
import type { SqlValue } from '../db/connection';
import { armsCondition } from '../db/keyset';
import type { Permission } from './permissions';
import type { Principal } from './principal';

export type Resource =
  | 'organization'
  | 'domain'
  | 'instance'
  | 'agent'
  | 'agentVersion'
  | 'session'
  | 'auditLogEntry'
  | 'llmUsage'
  | 'integrationConfig'
  | 'apiKey'
  | 'user';

/** A loaded row, by its SQL column names, for the object-level check. */
export type PolicyRow = Record<string, unknown>;

/** Users belong to organizations through role grants; the user rule needs their memberships. */
export type UserPolicyRow = { id: string; organizationIds: readonly string[] };

type Rule = {
  permission: Permission;
  /**
   * For `:self` rules: the columns that name the row's owner (creator,
   * starter, actor, user). A row is the principal's own when one of the user
   * columns holds its user id or one of the key columns its API key id.
   */
  own?: { userColumns: string[]; apiKeyColumns: string[] };
};

type ResourcePolicy = {
  table: string;
  alias: string;
  organizationColumn: string;
  rules: Rule[];
  /** Visible exactly when the parent row is (agent versions follow their agent). */
  parent?: { resource: Exclude<Resource, 'user'>; column: string };
};

const POLICIES: Record<Exclude<Resource, 'user'>, ResourcePolicy> = {
  organization: {
    table: 'organizations',
    alias: 'o',
    organizationColumn: 'id',
    rules: [{ permission: 'org:read' }, { permission: 'org:read:platform' }],
  },
  domain: { table: 'domains', alias: 'd', organizationColumn: 'organization_id', rules: [{ permission: 'domain:read' }] },
  instance: { table: 'instances', alias: 'i', organizationColumn: 'organization_id', rules: [{ permission: 'instance:read' }] },
  agent: {
    table: 'agents',
    alias: 'a',
    organizationColumn: 'organization_id',
    rules: [
      { permission: 'agent:read:org' },
      { permission: 'agent:read:self', own: { userColumns: ['created_by_user_id'], apiKeyColumns: ['created_by_api_key_id'] } },
    ],
  },
  agentVersion: {
    table: 'agent_versions',
    alias: 'v',
    organizationColumn: 'organization_id',
    rules: [],
    parent: { resource: 'agent', column: 'agent_id' },
  },
  session: {
    table: 'sessions',
    alias: 's',
    organizationColumn: 'organization_id',
    rules: [
      { permission: 'session:read:org' },
      { permission: 'session:read:self', own: { userColumns: ['started_by_user_id'], apiKeyColumns: ['started_by_api_key_id'] } },
    ],
  },
  auditLogEntry: {
    table: 'audit_log',
    alias: 'l',
    organizationColumn: 'organization_id',
    rules: [
      { permission: 'audit:read:org' },
      { permission: 'audit:read:platform' },
      { permission: 'audit:read:self', own: { userColumns: ['actor_user_id'], apiKeyColumns: ['actor_api_key_id'] } },
    ],
  },
  llmUsage: {
    table: 'llm_usage',
    alias: 'lu',
    organizationColumn: 'organization_id',
    rules: [
      { permission: 'llm:quota:read:org' },
      { permission: 'llm:quota:read:self', own: { userColumns: ['user_id'], apiKeyColumns: ['api_key_id'] } },
    ],
  },
  integrationConfig: {
    table: 'integration_configs',
    alias: 'c',
    organizationColumn: 'organization_id',
    rules: [{ permission: 'integration:read' }],
  },
  apiKey: {
    table: 'api_keys',
    alias: 'k',
    organizationColumn: 'organization_id',
    rules: [
      { permission: 'api_key:create:org' },
      { permission: 'api_key:revoke:org' },
      {
        permission: 'api_key:read:self',
        own: { userColumns: ['user_id', 'created_by_user_id'], apiKeyColumns: ['id', 'created_by_api_key_id'] },
      },
    ],
  },
};

/** The table and alias a resource is read from. */
export function tableOf(resource: Exclude<Resource, 'user'>): { table: string; alias: string } {
  const { table, alias } = POLICIES[resource];
  return { table, alias };
}

const USER_READ: readonly Permission[] = ['user:read', 'user:read:platform'];

/** A user is visible to itself, and where the principal may read members of an organization the user belongs to. */
function userPredicate(principal: Principal, alias: string): Predicate {
  const params: Record<string, SqlValue> = {};
  const parts: string[] = [];
  if (principal.userId !== null) {
    params[`${alias}_self_user`] = principal.userId;
    parts.push(`${alias}.id = :${alias}_self_user`);
  }
  if (principal.grants.scopeOf('user:read:platform').all) return { sql: '1', params: {} };
  const organizationIds = new Set<string>();
  let everywhere = false;
  for (const permission of USER_READ) {
    const scope = principal.grants.scopeOf(permission);
    if (scope.all) everywhere = true;
    else for (const id of scope.organizationIds) organizationIds.add(id);
  }
  const membership = `EXISTS (SELECT 1 FROM user_roles m WHERE m.user_id = ${alias}.id AND m.organization_id`;
  if (everywhere) parts.push(`${membership} IS NOT NULL)`);
  else if (organizationIds.size > 0) {
    params[`${alias}_member_orgs`] = JSON.stringify([...organizationIds]);
    parts.push(`${membership} IN (SELECT value FROM json_each(:${alias}_member_orgs)))`);
  }
  return { sql: parts.length === 0 ? '0' : `(${parts.join(' OR ')})`, params };
}

export function canSeeUser(principal: Principal | null, row: UserPolicyRow): boolean {
  if (!principal) return false;
  if (principal.userId === row.id || principal.grants.scopeOf('user:read:platform').all) return true;
  return row.organizationIds.some((organizationId) =>
    USER_READ.some((permission) => principal.grants.holds(permission, organizationId)),
  );
}

export type Predicate = { sql: string; params: Record<string, SqlValue> };

/** Past this many organizations, their arms become one `IN` arm (see visibleArms). */
const MAX_ORGANIZATION_ARMS = 32;

/**
 * The visible rows of a resource as disjoint arms, each a condition that an
 * index can serve in the order a page asks for: one arm per organization
 * where a rule applies org-wide (`org = ?`), one per owner column for `:self`
 * rules (`owner = ?`). A page reads every arm in index order and merges them;
 * `null` arms: every row is visible; no arms: none is.
 */
export type Access = { arms: string[] | null; params: Record<string, SqlValue> };

export function visibleArms(principal: Principal, resource: Resource, alias: string): Access {
  if (resource === 'user') {
    const predicate = userPredicate(principal, alias);
    return predicate.sql === '1' ? { arms: null, params: {} } : { arms: predicate.sql === '0' ? [] : [predicate.sql], params: predicate.params };
  }
  const policy = POLICIES[resource];
  if (policy.parent) return parentArms(principal, policy.parent, alias);
  const column = `${alias}.${policy.organizationColumn}`;
  const params: Record<string, SqlValue> = {};
  const orgWide = new Set<string>();
  for (const rule of policy.rules) {
    if (rule.own) continue;
    const scope = principal.grants.scopeOf(rule.permission);
    if (scope.all) return { arms: null, params: {} };
    for (const id of scope.organizationIds) orgWide.add(id);
  }
  const organizations = [...orgWide].sort();
  // One arm per organization keeps every arm in index order; past a few dozen
  // the statement grows too long, and one IN arm (sorted once) is the lesser cost.
  const arms =
    organizations.length > MAX_ORGANIZATION_ARMS
      ? [`${column} IN (${listParams(alias, 'org', organizations, params)})`]
      : organizations.map((organizationId, index) => {
          params[`${alias}_org${index}`] = organizationId;
          return `${column} = :${alias}_org${index}`;
        });
  const ownRule = policy.rules.find((rule) => rule.own);
  if (ownRule?.own) arms.push(...ownerArms(principal, ownRule, alias, column, orgWide, params));
  return { arms, params };
}

/** Arms for a `:self` rule: one per owner column, each excluding the rows earlier arms (and org-wide ones) cover. */
function ownerArms(
  principal: Principal,
  rule: Rule,
  alias: string,
  organizationColumn: string,
  orgWide: ReadonlySet<string>,
  params: Record<string, SqlValue>,
): string[] {
  const own = rule.own as NonNullable<Rule['own']>;
  const scope = principal.grants.scopeOf(rule.permission);
  const selfOrgs = scope.all ? [] : scope.organizationIds.filter((id) => !orgWide.has(id));
  if (!scope.all && selfOrgs.length === 0) return [];
  const where: string[] = [];
  if (scope.all && orgWide.size > 0) {
    where.push(`${organizationColumn} NOT IN (${listParams(alias, 'wide', [...orgWide].sort(), params)})`);
  } else if (!scope.all) {
    where.push(`${organizationColumn} IN (${listParams(alias, 'self_org', selfOrgs.sort(), params)})`);
  }
  const owners: { column: string; param: string }[] = [];
  if (principal.userId !== null) {
    params[`${alias}_self_user`] = principal.userId;
    for (const column of own.userColumns) owners.push({ column: `${alias}.${column}`, param: `:${alias}_self_user` });
  }
  if (principal.apiKeyId !== null) {
    params[`${alias}_self_key`] = principal.apiKeyId;
    for (const column of own.apiKeyColumns) owners.push({ column: `${alias}.${column}`, param: `:${alias}_self_key` });
  }
  return owners.map((owner, index) =>
    [`${owner.column} = ${owner.param}`, ...owners.slice(0, index).map((earlier) => `${earlier.column} IS NOT ${earlier.param}`), ...where].join(' AND '),
  );
}

function listParams(alias: string, name: string, values: readonly string[], params: Record<string, SqlValue>): string {
  return values
    .map((value, index) => {
      params[`${alias}_${name}${index}`] = value;
      return `:${alias}_${name}${index}`;
    })
    .join(', ');
}

/** A resource visible exactly when its parent is (agent versions follow their agent). */
function parentArms(principal: Principal, parent: NonNullable<ResourcePolicy['parent']>, alias: string): Access {
  const parentPolicy = POLICIES[parent.resource];
  const parentAlias = `${alias}_${parentPolicy.alias}`;
  const inner = visibleRows(principal, parent.resource, parentAlias);
  if (inner.sql === '1') return { arms: null, params: {} };
  if (inner.sql === '0') return { arms: [], params: {} };
  return {
    arms: [`EXISTS (SELECT 1 FROM ${parentPolicy.table} ${parentAlias} WHERE ${parentAlias}.id = ${alias}.${parent.column} AND ${inner.sql})`],
    params: inner.params,
  };
}

/**
 * The SQL condition, on table alias `alias`, true exactly for the rows of
 * `resource` the principal may see. Values are bound, never spliced; the
 * parameter names are prefixed with the alias so that predicates combine.
 */
export function visibleRows(principal: Principal, resource: Resource, alias: string): Predicate {
  const access = visibleArms(principal, resource, alias);
  return { sql: armsCondition(access.arms), params: access.params };
}

/**
 * A query base of the visible rows of a resource: `FROM <table> <alias>`, the
 * access arms, and conditions that narrow them (filters, parents).
 */
export type VisibleQuery = {
  table: string;
  alias: string;
  from: string;
  arms: string[] | null;
  where: string[];
  params: Record<string, SqlValue>;
};

export function visibleQuery(principal: Principal, resource: Resource): VisibleQuery {
  const { table, alias } = resource === 'user' ? { table: 'users', alias: 'u' } : POLICIES[resource];
  const access = visibleArms(principal, resource, alias);
  return { table, alias, from: `${table} ${alias}`, arms: access.arms, where: [], params: access.params };
}

/** Every condition of a query base, the access arms as one: for counts, lookups and aggregates. */
export function conditionsOf(query: Pick<VisibleQuery, 'arms' | 'where'>): string {
  return [armsCondition(query.arms), ...query.where].join(' AND ');
}

/** Adds conditions (fixed SQL fragments with bound values) to a query base. */
export function narrowed(query: VisibleQuery, where: string[], params: Record<string, SqlValue> = {}): VisibleQuery {
  return { ...query, where: [...query.where, ...where], params: { ...query.params, ...params } };
}

/**
 * The same rules, applied to one loaded row (defence in depth for scope-auth).
 * For a resource that follows its parent, `parentRow` is the parent's row.
 */
export function canSee(principal: Principal | null, resource: Exclude<Resource, 'user'>, row: PolicyRow): boolean {
  if (!principal) return false;
  const policy = POLICIES[resource];
  if (policy.parent) {
    // The row carries its parent's owner columns under `parent_<column>`.
    const parentRow: PolicyRow = {};
    for (const [key, value] of Object.entries(row)) if (key.startsWith('parent_')) parentRow[key.slice(7)] = value;
    return canSee(principal, policy.parent.resource, parentRow);
  }
  const organizationId = row[policy.organizationColumn];
  return policy.rules.some((rule) => {
    if (principal.grants.scopeOf(rule.permission).all) return !rule.own || isOwn(principal, rule.own, row);
    if (typeof organizationId !== 'string' || !principal.grants.holds(rule.permission, organizationId)) return false;
    return !rule.own || isOwn(principal, rule.own, row);
  });
}

/**
 * Whether the row is the principal's own by the owner columns of the
 * resource's `:self` rule (creator, starter, actor, user): the one ownership
 * rule, for reads and for writes (requireOnRow in src/schema/write.ts).
 * A resource without a `:self` rule has no owners.
 */
export function ownsRow(principal: Principal, resource: Exclude<Resource, 'user'>, row: PolicyRow): boolean {
  const own = POLICIES[resource].rules.find((rule) => rule.own)?.own;
  return own !== undefined && isOwn(principal, own, row);
}

function isOwn(principal: Principal, own: NonNullable<Rule['own']>, row: PolicyRow): boolean {
  return (
    (principal.userId !== null && own.userColumns.some((column) => row[column] === principal.userId)) ||
    (principal.apiKeyId !== null && own.apiKeyColumns.some((column) => row[column] === principal.apiKeyId))
  );
}
