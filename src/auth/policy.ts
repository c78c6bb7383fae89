// The access policy: the single authority on which rows a principal may see.
// It replaces PostgreSQL's row-level security. Repos ask it for a SQL
// predicate (lists, counts, lookups, aggregates); scope-auth asks it about one
// loaded object. Both forms come from the same rules table below.
import type { SqlValue } from '../db/connection';
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
  permission: string;
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

const USER_READ = ['user:read', 'user:read:platform'];

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

/**
 * The SQL condition, on table alias `alias`, true exactly for the rows of
 * `resource` the principal may see. Values are bound, never spliced; the
 * parameter names are prefixed with the alias so that predicates combine.
 */
export function visibleRows(principal: Principal, resource: Resource, alias: string): Predicate {
  if (resource === 'user') return userPredicate(principal, alias);
  const policy = POLICIES[resource];
  if (policy.parent) {
    const parent = POLICIES[policy.parent.resource];
    const parentAlias = `${alias}_${parent.alias}`;
    const inner = visibleRows(principal, policy.parent.resource, parentAlias);
    return {
      sql: `EXISTS (SELECT 1 FROM ${parent.table} ${parentAlias} WHERE ${parentAlias}.id = ${alias}.${policy.parent.column} AND ${inner.sql})`,
      params: inner.params,
    };
  }
  const params: Record<string, SqlValue> = {};
  const parts: string[] = [];
  policy.rules.forEach((rule, index) => {
    const scope = principal.grants.scopeOf(rule.permission);
    if (!scope.all && scope.organizationIds.length === 0) return;
    const conditions: string[] = [];
    if (!scope.all) {
      const name = `${alias}_p${index}_orgs`;
      params[name] = JSON.stringify(scope.organizationIds);
      conditions.push(`${alias}.${policy.organizationColumn} IN (SELECT value FROM json_each(:${name}))`);
    }
    if (rule.own) {
      const owner = ownerCondition(principal, alias, rule.own, params);
      if (owner === null) return;
      conditions.push(owner);
    }
    parts.push(conditions.length === 0 ? '1' : `(${conditions.join(' AND ')})`);
  });
  if (parts.includes('1')) return { sql: '1', params: {} };
  return { sql: parts.length === 0 ? '0' : `(${parts.join(' OR ')})`, params };
}

function ownerCondition(
  principal: Principal,
  alias: string,
  own: NonNullable<Rule['own']>,
  params: Record<string, SqlValue>,
): string | null {
  const owners: string[] = [];
  if (principal.userId !== null) {
    params[`${alias}_self_user`] = principal.userId;
    for (const column of own.userColumns) owners.push(`${alias}.${column} = :${alias}_self_user`);
  }
  if (principal.apiKeyId !== null) {
    params[`${alias}_self_key`] = principal.apiKeyId;
    for (const column of own.apiKeyColumns) owners.push(`${alias}.${column} = :${alias}_self_key`);
  }
  return owners.length === 0 ? null : `(${owners.join(' OR ')})`;
}

/** A query base of the visible rows of a resource: `FROM <table> <alias> WHERE <predicate>`. */
export type VisibleQuery = { alias: string; from: string; where: string[]; params: Record<string, SqlValue> };

export function visibleQuery(principal: Principal, resource: Resource): VisibleQuery {
  const { table, alias } = resource === 'user' ? { table: 'users', alias: 'u' } : POLICIES[resource];
  const visible = visibleRows(principal, resource, alias);
  return { alias, from: `${table} ${alias}`, where: [visible.sql], params: visible.params };
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

function isOwn(principal: Principal, own: NonNullable<Rule['own']>, row: PolicyRow): boolean {
  return (
    (principal.userId !== null && own.userColumns.some((column) => row[column] === principal.userId)) ||
    (principal.apiKeyId !== null && own.apiKeyColumns.some((column) => row[column] === principal.apiKeyId))
  );
}
