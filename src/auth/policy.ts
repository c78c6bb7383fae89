// The access policy: the single authority on which rows a principal may see.
// It replaces PostgreSQL's row-level security. Repos ask it for a SQL
// predicate (lists, counts, lookups, aggregates); scope-auth asks it about one
// loaded object. Both forms come from the same rules table below.

import { type Identifier, identifier } from '../db/identifiers';
import { AND, armsCondition } from '../db/keyset';
import { type Sql, sql } from '../db/sql';
import type { SqlValue } from '../db/store';
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
  | 'webhook'
  | 'webhookDelivery'
  | 'budget'
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
  /** The migration that made the table, when it came after PostgreSQL's baseline: its wall comes with that migration. */
  since?: number;
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
  webhook: { table: 'webhooks', alias: 'wh', organizationColumn: 'organization_id', rules: [{ permission: 'settings:read' }], since: 9 },
  webhookDelivery: {
    table: 'webhook_deliveries',
    alias: 'wd',
    organizationColumn: 'organization_id',
    rules: [{ permission: 'settings:read' }],
    since: 9,
  },
  // Budgets are read as usage is: org-wide with llm:quota:read:org; with llm:quota:read:self only the caller's own
  // user and API key budgets (never an organization's or an agent's, which sum other principals' usage).
  budget: {
    table: 'budgets',
    alias: 'b',
    organizationColumn: 'organization_id',
    rules: [
      { permission: 'llm:quota:read:org' },
      { permission: 'llm:quota:read:self', own: { userColumns: ['user_id'], apiKeyColumns: ['api_key_id'] } },
    ],
    since: 7,
  },
};

const USER_READ: readonly Permission[] = ['user:read', 'user:read:platform'];

const OR = sql` OR `;

/**
 * `alias.name` as a fragment. The rules table names tables and columns in
 * strings: each passes the list of known identifiers on its way into SQL.
 */
function column(alias: string, name: string): Sql {
  return sql.ident(identifier(alias), identifier(name));
}

/** A user is visible to itself, and where the principal may read members of an organization the user belongs to. */
function userArms(principal: Principal, alias: string): Arms {
  if (principal.grants.scopeOf('user:read:platform').all) return null;
  const id = column(alias, 'id');
  const parts: Sql[] = [];
  if (principal.userId !== null) parts.push(sql`${id} = ${principal.userId}`);
  const organizationIds = new Set<string>();
  let everywhere = false;
  for (const permission of USER_READ) {
    const scope = principal.grants.scopeOf(permission);
    if (scope.all) everywhere = true;
    else for (const organizationId of scope.organizationIds) organizationIds.add(organizationId);
  }
  const membership = sql`EXISTS (SELECT 1 FROM user_roles m WHERE m.user_id = ${id} AND m.organization_id`;
  if (everywhere) parts.push(sql`${membership} IS NOT NULL)`);
  else if (organizationIds.size > 0)
    parts.push(sql`${membership} IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify([...organizationIds])})))`);
  return parts.length === 0 ? [] : [sql`(${sql.join(parts, OR)})`];
}

export function canSeeUser(principal: Principal | null, row: UserPolicyRow): boolean {
  if (!principal) return false;
  if (principal.userId === row.id || principal.grants.scopeOf('user:read:platform').all) return true;
  return row.organizationIds.some((organizationId) => USER_READ.some((permission) => principal.grants.holds(permission, organizationId)));
}

/** Past this many organizations, their arms become one `IN` arm (see visibleArms). */
const MAX_ORGANIZATION_ARMS = 32;

/**
 * The visible rows of a resource as disjoint arms, each a condition that an
 * index can serve in the order a page asks for: one arm per organization
 * where a rule applies org-wide (`org = ?`), one per owner column for `:self`
 * rules (`owner = ?`). A page reads every arm in index order and merges them;
 * `null`: every row is visible; no arms: none is. Each arm carries its values.
 */
export type Arms = readonly Sql[] | null;

/** The arms of `resource` read under table alias `alias`. */
export function visibleArms(principal: Principal, resource: Resource, alias: string): Arms {
  if (resource === 'user') return userArms(principal, alias);
  const policy = POLICIES[resource];
  if (policy.parent) return parentArms(principal, policy.parent, alias);
  const organizationColumn = column(alias, policy.organizationColumn);
  const orgWide = new Set<string>();
  for (const rule of policy.rules) {
    if (rule.own) continue;
    const scope = principal.grants.scopeOf(rule.permission);
    if (scope.all) return null;
    for (const id of scope.organizationIds) orgWide.add(id);
  }
  const organizations = [...orgWide].sort();
  // One arm per organization keeps every arm in index order; past a few dozen
  // the statement grows too long, and one IN arm (sorted once) is the lesser cost.
  const arms =
    organizations.length > MAX_ORGANIZATION_ARMS
      ? [sql`${organizationColumn} IN (${sql.join(organizations)})`]
      : organizations.map((organizationId) => sql`${organizationColumn} = ${organizationId}`);
  const ownRule = policy.rules.find((rule) => rule.own);
  if (ownRule?.own) arms.push(...ownerArms(principal, ownRule, alias, organizationColumn, orgWide));
  return arms;
}

/** Arms for a `:self` rule: one per owner column, each excluding the rows earlier arms (and org-wide ones) cover. */
function ownerArms(principal: Principal, rule: Rule, alias: string, organizationColumn: Sql, orgWide: ReadonlySet<string>): Sql[] {
  const own = rule.own as NonNullable<Rule['own']>;
  const scope = principal.grants.scopeOf(rule.permission);
  const selfOrgs = scope.all ? [] : scope.organizationIds.filter((id) => !orgWide.has(id));
  if (!scope.all && selfOrgs.length === 0) return [];
  const where: Sql[] = [];
  if (scope.all && orgWide.size > 0) {
    where.push(sql`${organizationColumn} NOT IN (${sql.join([...orgWide].sort())})`);
  } else if (!scope.all) {
    where.push(sql`${organizationColumn} IN (${sql.join(selfOrgs.sort())})`);
  }
  const owners: { column: Sql; value: SqlValue }[] = [];
  if (principal.userId !== null) {
    for (const name of own.userColumns) owners.push({ column: column(alias, name), value: principal.userId });
  }
  if (principal.apiKeyId !== null) {
    for (const name of own.apiKeyColumns) owners.push({ column: column(alias, name), value: principal.apiKeyId });
  }
  return owners.map((owner, index) =>
    sql.join(
      [
        sql`${owner.column} = ${owner.value}`,
        ...owners.slice(0, index).map((earlier) => sql`${earlier.column} ${sql.word('isDifferent')} ${earlier.value}`),
        ...where,
      ],
      AND,
    ),
  );
}

/** A resource visible exactly when its parent is (agent versions follow their agent). */
function parentArms(principal: Principal, parent: NonNullable<ResourcePolicy['parent']>, alias: string): Arms {
  const parentPolicy = POLICIES[parent.resource];
  const parentAlias = `${alias}_${parentPolicy.alias}`;
  const inner = visibleArms(principal, parent.resource, parentAlias);
  if (inner === null || inner.length === 0) return inner;
  const table = sql`${sql.ident(identifier(parentPolicy.table))} ${sql.ident(identifier(parentAlias))}`;
  return [
    sql`EXISTS (SELECT 1 FROM ${table} WHERE ${column(parentAlias, 'id')} = ${column(alias, parent.column)} AND ${armsCondition(inner)})`,
  ];
}

/**
 * The SQL condition, on table alias `alias`, true exactly for the rows of
 * `resource` the principal may see. Values are bound, never spliced: the
 * fragment carries them, so that conditions combine without naming them.
 */
export function visibleRows(principal: Principal, resource: Resource, alias: string): Sql {
  return armsCondition(visibleArms(principal, resource, alias));
}

/**
 * A query base of the visible rows of a resource: `FROM <table> <alias>`, the
 * access arms, and conditions that narrow them (filters, parents).
 */
export type VisibleQuery = {
  table: Sql;
  alias: Sql;
  from: Sql;
  arms: Arms;
  where: readonly Sql[];
};

// Every name the rules table puts into SQL is checked once, when this module loads, rather than on some request.
for (const policy of Object.values(POLICIES)) {
  const own = policy.rules.flatMap((rule) => [...(rule.own?.userColumns ?? []), ...(rule.own?.apiKeyColumns ?? [])]);
  for (const name of [policy.table, policy.alias, policy.organizationColumn, ...(policy.parent ? [policy.parent.column] : []), ...own])
    identifier(name);
}

/** The table and alias of each resource as fragments, made once. */
type Source = Pick<VisibleQuery, 'table' | 'alias' | 'from'> & { aliasName: string };
const SOURCES = new Map<Resource, Source>();

function sourceOf(resource: Resource): Source {
  let source = SOURCES.get(resource);
  if (!source) {
    const { table: tableName, alias: aliasName } = resource === 'user' ? { table: 'users', alias: 'u' } : POLICIES[resource];
    const table = sql.ident(identifier(tableName));
    const alias = sql.ident(identifier(aliasName));
    source = { table, alias, from: sql`${table} ${alias}`, aliasName };
    SOURCES.set(resource, source);
  }
  return source;
}

/** A column of a resource on the alias its rows are read under, e.g. `a.id`. */
export function columnOf(resource: Resource, name: Identifier): Sql {
  return sql.ident(identifier(sourceOf(resource).aliasName), name);
}

export function visibleQuery(principal: Principal, resource: Resource): VisibleQuery {
  const { table, alias, from, aliasName } = sourceOf(resource);
  return { table, alias, from, arms: visibleArms(principal, resource, aliasName), where: [] };
}

/** Every condition of a query base, the access arms as one: for counts, lookups and aggregates. */
export function conditionsOf(query: Pick<VisibleQuery, 'arms' | 'where'>): Sql {
  return sql.join([armsCondition(query.arms), ...query.where], AND);
}

/** Adds conditions (fixed SQL with the values they carry) to a query base. */
export function narrowed(query: VisibleQuery, where: readonly Sql[]): VisibleQuery {
  return { ...query, where: [...query.where, ...where] };
}

/** The columns the object-level check of a resource reads: its organization column and owner columns. */
const CHECKED_COLUMNS = new Map<Exclude<Resource, 'user'>, readonly string[]>();

function checkedColumns(resource: Exclude<Resource, 'user'>): readonly string[] {
  let columns = CHECKED_COLUMNS.get(resource);
  if (!columns) {
    const policy = POLICIES[resource];
    const own = policy.rules.flatMap((rule) => (rule.own ? [...rule.own.userColumns, ...rule.own.apiKeyColumns] : []));
    columns = [...new Set([policy.organizationColumn, ...own])];
    CHECKED_COLUMNS.set(resource, columns);
  }
  return columns;
}

/**
 * For a resource that follows its parent (agent versions), the select-list
 * entry `parent_row`: the parent's checked columns as one JSON array, read
 * back by canSee, so that a loaded row can be checked on its own.
 */
export function parentRowColumn(resource: Exclude<Resource, 'user'>): Sql {
  const policy = POLICIES[resource];
  if (!policy.parent) throw new Error(`${resource} does not follow a parent`);
  const parentTable = sql.ident(identifier(POLICIES[policy.parent.resource].table));
  const columns = checkedColumns(policy.parent.resource).map((name) => sql.ident(identifier(name)));
  return sql`(SELECT ${sql.word('jsonArray')}(${sql.join(columns)}) FROM ${parentTable} WHERE id = ${column(policy.alias, policy.parent.column)}) AS parent_row`;
}

/** The parent's row of a row that carries `parent_row` (see parentRowColumn). */
function parentRowOf(parent: Exclude<Resource, 'user'>, row: PolicyRow): PolicyRow {
  const values: unknown[] = typeof row.parent_row === 'string' ? JSON.parse(row.parent_row) : [];
  return Object.fromEntries(checkedColumns(parent).map((name, index) => [name, values[index]]));
}

/**
 * The same rules, applied to one loaded row (defence in depth for scope-auth).
 * For a resource that follows its parent, `parentRow` is the parent's row.
 */
export function canSee(principal: Principal | null, resource: Exclude<Resource, 'user'>, row: PolicyRow): boolean {
  if (!principal) return false;
  const policy = POLICIES[resource];
  if (policy.parent) return canSee(principal, policy.parent.resource, parentRowOf(policy.parent.resource, row));
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

/**
 * The tables the rules govern and the column naming each row's organization: PostgreSQL's row-level security
 * (src/auth/rowLevelSecurity.ts) keys its organization wall on them, so that the two walls list the same tables.
 */
export const POLICY_TABLES: readonly { table: string; organizationColumn: string; since?: number }[] = Object.values(POLICIES).map(
  ({ table, organizationColumn, since }) => (since === undefined ? { table, organizationColumn } : { table, organizationColumn, since }),
);
