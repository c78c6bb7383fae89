// The access policy: the single authority on which rows a principal may see.
// It replaces PostgreSQL's row-level security. Repos ask it for a SQL
// predicate (lists, counts, lookups, aggregates); scope-auth asks it about one
// loaded object. Both forms come from the same rules table below.
import type { SqlValue } from '../db/connection';
import type { Principal } from './principal';

export type Resource = 'organization' | 'user';

/** What the object-level check needs of a row. */
export type PolicyRow = { organizationId: string; ownerUserId?: string | null; ownerApiKeyId?: string | null };

/** Users belong to organizations through role grants; the user rule needs their memberships. */
export type UserPolicyRow = { id: string; organizationIds: readonly string[] };

type Rule = {
  permission: string;
  /** For `:self` rules: the rows the principal owns (created, started, acted). */
  own?: { userColumn: string; apiKeyColumn: string | null };
};

type ResourcePolicy = { table: string; alias: string; organizationColumn: string; rules: Rule[] };

const POLICIES: Record<Resource, ResourcePolicy> = {
  organization: {
    table: 'organizations',
    alias: 'o',
    organizationColumn: 'id',
    rules: [{ permission: 'org:read' }, { permission: 'org:read:platform' }],
  },
  // Users have no organization of their own: see userPredicate and canSeeUser.
  user: { table: 'users', alias: 'u', organizationColumn: '', rules: [] },
};

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
    owners.push(`${alias}.${own.userColumn} = :${alias}_self_user`);
  }
  if (principal.apiKeyId !== null && own.apiKeyColumn !== null) {
    params[`${alias}_self_key`] = principal.apiKeyId;
    owners.push(`${alias}.${own.apiKeyColumn} = :${alias}_self_key`);
  }
  return owners.length === 0 ? null : `(${owners.join(' OR ')})`;
}

/** A query base of the visible rows of a resource: `FROM <table> <alias> WHERE <predicate>`. */
export type VisibleQuery = { alias: string; from: string; where: string[]; params: Record<string, SqlValue> };

export function visibleQuery(principal: Principal, resource: Resource): VisibleQuery {
  const { table, alias } = POLICIES[resource];
  const visible = visibleRows(principal, resource, alias);
  return { alias, from: `${table} ${alias}`, where: [visible.sql], params: visible.params };
}

/** The same rules, applied to one loaded row (defence in depth for scope-auth). */
export function canSee(principal: Principal | null, resource: Exclude<Resource, 'user'>, row: PolicyRow): boolean {
  if (!principal) return false;
  return POLICIES[resource].rules.some((rule) => {
    if (!principal.grants.holds(rule.permission, row.organizationId)) return false;
    if (!rule.own) return true;
    return (
      (principal.userId !== null && row.ownerUserId === principal.userId) ||
      (principal.apiKeyId !== null && row.ownerApiKeyId === principal.apiKeyId)
    );
  });
}
