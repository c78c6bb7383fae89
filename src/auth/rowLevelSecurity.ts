// PostgreSQL row-level security, the second wall behind the access policy: the statements that make every
// tenant table show and take only the rows of the organizations the request's principal belongs to.
import { quoteName } from '../db/postgres/schema';
import { POLICY_TABLES } from './policy';
import type { Principal } from './principal';

/** The setting that carries the request's principal, set per transaction: set_config(name, json, true). */
export const PRINCIPAL_SETTING = 'foundry.principal';

/** What the principal setting holds: the organizations the principal may act in, or everywhere. */
export type PrincipalClaim = {
  /** Every organization where the principal holds some permission (the rules can show it nothing elsewhere). */
  organizationIds: string[];
  /** Holds a platform-wide grant: a permission that applies in every organization. */
  platform: boolean;
};

export function principalClaim(principal: Principal): PrincipalClaim {
  return {
    organizationIds: [...principal.grants.byOrganization.keys()].sort(),
    platform: principal.grants.platform.size > 0,
  };
}

/** The transaction-local statement that hands the principal to the policies, with its one parameter. */
export function principalStatement(principal: Principal): { text: string; values: [string] } {
  return { text: `SELECT set_config('${PRINCIPAL_SETTING}', $1, true)`, values: [JSON.stringify(principalClaim(principal))] };
}

/**
 * A tenant table: its rows belong to the organization in `organizationColumn` (NULL: a platform row, seen by
 * platform principals only), or follow a parent row (visible and writable exactly when the parent is).
 */
export type TenantTable = ({ table: string; organizationColumn: string } | { table: string; parent: { table: string; column: string } }) & {
  /** The migration that made the table, when it came after PostgreSQL's baseline: its wall is raised right after it. */
  since?: number;
};

/**
 * The access policy's tables, and the tables it reaches only through them (rollups, quotas, grants, secrets).
 * test/postgresRls.test.ts checks that every table with an organization_id column is here. Authentication reads
 * api_keys and user_roles before a principal exists: it reads as the gateway (SYSTEM_CLAIM, src/server.ts), and
 * only then does the request take its principal's claim. Login, which runs without a principal, touches no table
 * here but audit_log (append_anywhere): users, login_tokens and login_failures are not tenant tables.
 */
export const TENANT_TABLES: readonly TenantTable[] = [
  ...POLICY_TABLES,
  { table: 'llm_usage_daily', organizationColumn: 'organization_id' },
  { table: 'llm_usage_model_daily', organizationColumn: 'organization_id' },
  { table: 'user_roles', organizationColumn: 'organization_id' },
  { table: 'integration_secrets', parent: { table: 'integration_configs', column: 'integration_config_id' } },
];

/** Tenant tables of the baseline that a later migration drops (the monthly quotas became budgets in 7). */
const DROPPED_TENANT_TABLES: readonly TenantTable[] = [{ table: 'llm_quotas', organizationColumn: 'organization_id' }];

/**
 * Reading the setting: an unset or reset setting (after the transaction, current_setting gives '') is no
 * principal, and no principal reaches nothing. A malformed claim fails the statement: the wall stays shut.
 */
const CLAIM_FUNCTIONS = [
  `CREATE FUNCTION principal_claim() RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE
  RETURN nullif(current_setting('${PRINCIPAL_SETTING}', true), '')::jsonb`,
  `CREATE FUNCTION principal_organizations() RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ARRAY(SELECT jsonb_array_elements_text(principal_claim() -> 'organizationIds'))`,
  `CREATE FUNCTION principal_is_platform() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((principal_claim() ->> 'platform')::boolean, false)`,
];

/**
 * The audit log is written by the gateway for every organization a request touches (a refusal in another
 * organization is recorded in that organization's chain), so anyone may append to it while reading stays walled;
 * appending needs the chain's last hash, which audit_chain_head reads past the wall (the hash alone), under a
 * lock per chain that keeps concurrent writers, in any process, from forking it.
 */
const AUDIT_FUNCTIONS = [
  `CREATE FUNCTION audit_chain_head(organization text, OUT previous_hash text, OUT next_id bigint) LANGUAGE plpgsql AS $$
  DECLARE
    claim text := current_setting('${PRINCIPAL_SETTING}', true);
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('foundry.audit:' || coalesce(organization, ''), 0));
    PERFORM set_config('${PRINCIPAL_SETTING}', '{"organizationIds":[],"platform":true}', true);
    IF organization IS NULL THEN
      SELECT hash INTO previous_hash FROM audit_log WHERE organization_id IS NULL ORDER BY id DESC LIMIT 1;
    ELSE
      SELECT hash INTO previous_hash FROM audit_log WHERE organization_id = organization ORDER BY id DESC LIMIT 1;
    END IF;
    PERFORM set_config('${PRINCIPAL_SETTING}', coalesce(claim, ''), true);
    next_id := nextval(pg_get_serial_sequence('audit_log', 'id'));
  END
  $$`,
];

function condition(tenant: TenantTable): string {
  if ('parent' in tenant) {
    // The parent's own policy filters the subquery: a row follows its parent through the parent's wall.
    return `EXISTS (SELECT 1 FROM ${quoteName(tenant.parent.table)} p WHERE p.id = ${quoteName(tenant.parent.column)})`;
  }
  // Sub-selects: each becomes an InitPlan, the claim read once per statement rather than once per row, and the
  // array a value an index on the organization column can take.
  return `(SELECT principal_is_platform()) OR ${quoteName(tenant.organizationColumn)} = ANY ((SELECT principal_organizations())::text[])`;
}

/**
 * The row-level security of the tenant tables, applied after postgres/schema.sql and postgres/rbac.sql in the
 * same schema (names resolve through search_path). FORCE: the tables' owner is held by the wall too, so a
 * migration that reads or writes rows sets a platform principal like any other writer.
 */
export function rowLevelSecurityStatements(): string[] {
  const baseline = [...TENANT_TABLES.filter((tenant) => tenant.since === undefined), ...DROPPED_TENANT_TABLES];
  return [...CLAIM_FUNCTIONS, ...AUDIT_FUNCTIONS, ...wallsOf(baseline)];
}

/**
 * The wall of the tables a later migration made (TenantTable.since): the migration runner raises it in the same
 * transaction, right after that migration, on a new database and on one brought up to date alike.
 */
export function rowLevelSecurityOfMigration(version: number): string[] {
  return wallsOf(TENANT_TABLES.filter((tenant) => tenant.since === version));
}

function wallsOf(tables: readonly TenantTable[]): string[] {
  const statements: string[] = [];
  for (const tenant of tables) {
    const table = quoteName(tenant.table);
    const check = condition(tenant);
    statements.push(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`, `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    if (tenant.table === 'audit_log') {
      statements.push(
        `CREATE POLICY organization_wall ON ${table} FOR SELECT USING (${check})`,
        `CREATE POLICY append_anywhere ON ${table} FOR INSERT WITH CHECK (true)`,
      );
    } else {
      statements.push(`CREATE POLICY organization_wall ON ${table} USING (${check}) WITH CHECK (${check})`);
    }
  }
  return statements;
}
