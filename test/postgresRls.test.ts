// Row-level security, the second wall: the gateway's role, with the principal of organization A handed over by
// set_config, reads, updates and deletes only A's rows of every tenant table; with no principal, none.
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Grants } from '../src/auth/grants';
import { NOBODY, type Principal } from '../src/auth/principal';
import { principalClaim, principalStatement, TENANT_TABLES, type TenantTable } from '../src/auth/rowLevelSecurity';
import { quoteName } from '../src/db/postgres/schema';
import { DATA_SET, insertStatement, TIME } from './helpers/engineRows';
import { createTestSchema, describeOnPostgres, type TestSchema } from './helpers/postgres';

function principalIn(grants: { organizationId: string | null; code: string }[]): Principal {
  return { ...NOBODY, kind: 'USER', id: 'u-A', userId: 'u-A', grants: Grants.from(grants) };
}
const MEMBER_OF_A = principalIn([{ organizationId: 'A', code: 'agent:read:self' }]);
const PLATFORM = principalIn([{ organizationId: null, code: 'org:read:platform' }]);

/** A's rows of each tenant table, as the data set has them: one each. */
const OWN_ROWS = 1;

/** The table's rows by the organization they belong to (a parent's, for a table that follows one). */
function organizationOf(tenant: TenantTable): string {
  const table = quoteName(tenant.table);
  if ('parent' in tenant) {
    return `SELECT p.organization_id AS organization FROM ${table} t JOIN ${quoteName(tenant.parent.table)} p ON p.id = t.${quoteName(tenant.parent.column)}`;
  }
  return `SELECT ${quoteName(tenant.organizationColumn)} AS organization FROM ${table}`;
}

/** A change that touches every visible row and keeps it as it was. */
function noOpUpdate(tenant: TenantTable): string {
  const column = 'parent' in tenant ? tenant.parent.column : tenant.organizationColumn;
  return `UPDATE ${quoteName(tenant.table)} SET ${quoteName(column)} = ${quoteName(column)}`;
}

describeOnPostgres('row-level security on PostgreSQL', (url) => {
  let db: TestSchema;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestSchema(url);
    client = db.client;
    // Written by the server's superuser, which the wall does not hold.
    for (const [table, row] of DATA_SET) {
      const { text, values } = insertStatement(table, row, 'postgres');
      await client.query(text, values);
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Runs `body` in a transaction as `role` with `principal` set (none: no setting), then rolls everything back. */
  async function as<T>(role: string, principal: Principal | null, body: () => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL ROLE ${quoteName(role)}`);
      if (principal) {
        const { text, values } = principalStatement(principal);
        await client.query(text, values);
      }
      return await body();
    } finally {
      await client.query('ROLLBACK');
    }
  }

  async function organizations(tenant: TenantTable): Promise<string[]> {
    const { rows } = await client.query<{ organization: string | null }>(organizationOf(tenant));
    return rows.map((row) => String(row.organization)).sort();
  }

  /** Each tenant table's visible rows by organization, as `role` with `principal` sees them. */
  function visible(role: string, principal: Principal | null): Promise<Record<string, string[]>> {
    return as(role, principal, async () => {
      const result: Record<string, string[]> = {};
      for (const tenant of TENANT_TABLES) result[tenant.table] = await organizations(tenant);
      return result;
    });
  }

  it('runs the gateway as a role the wall holds: no superuser, no BYPASSRLS, owning no table', async () => {
    const { rows } = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; owned: string }>(
      `SELECT rolsuper, rolbypassrls, (SELECT count(*) FROM pg_class WHERE relowner = r.oid) AS owned FROM pg_roles r WHERE rolname = $1`,
      [db.appRole],
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: '0' }]);
  });

  it('enables and forces row-level security on every table that has an organization', async () => {
    const { rows } = await client.query<{ name: string; enabled: boolean; forced: boolean }>(
      `SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced FROM pg_class c
       WHERE c.relnamespace = to_regnamespace($1) AND c.relkind = 'r'
         AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id'))`,
      [db.schema],
    );
    const expected = TENANT_TABLES.map((tenant) => ({ name: tenant.table, enabled: true, forced: true }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(rows.sort(byName)).toEqual(expected.sort(byName));
  });

  it("shows A's principal only A's rows of every tenant table", async () => {
    expect(principalClaim(MEMBER_OF_A)).toEqual({ organizationIds: ['A'], platform: false });
    expect(await visible(db.appRole, MEMBER_OF_A)).toEqual(Object.fromEntries(TENANT_TABLES.map((tenant) => [tenant.table, ['A']])));
  });

  it("lets A's principal update and delete only A's rows (the audit log not at all)", async () => {
    const touched: Record<string, { updated: number | null; deleted: number | null }> = {};
    for (const tenant of TENANT_TABLES) {
      if (tenant.table === 'audit_log') continue;
      touched[tenant.table] = await as(db.appRole, MEMBER_OF_A, async () => {
        const updated = (await client.query(noOpUpdate(tenant))).rowCount;
        const deleted = (await client.query(`DELETE FROM ${quoteName(tenant.table)}`)).rowCount;
        return { updated, deleted };
      });
    }
    const expected = Object.fromEntries(
      TENANT_TABLES.filter((t) => t.table !== 'audit_log').map((t) => [t.table, { updated: OWN_ROWS, deleted: OWN_ROWS }]),
    );
    expect(touched).toEqual(expected);
    for (const statement of ["UPDATE audit_log SET result = 'error'", 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await expect(as(db.appRole, MEMBER_OF_A, () => client.query(statement))).rejects.toMatchObject({ code: '42501' });
    }
  });

  it("refuses A's principal a row written into B, or a row of A moved to B", async () => {
    const { text, values } = insertStatement(
      'domains',
      { id: 'd-B-2', organization_id: 'B', name: 'x', display_name: 'X', created_at: TIME, updated_at: TIME },
      'postgres',
    );
    await expect(as(db.appRole, MEMBER_OF_A, () => client.query(text, values))).rejects.toMatchObject({ code: '42501' });
    await expect(
      as(db.appRole, MEMBER_OF_A, () => client.query("UPDATE domains SET organization_id = 'B' WHERE id = 'd-A'")),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('shows nothing without a principal, to the gateway and to the tables owner alike', async () => {
    const none = Object.fromEntries(TENANT_TABLES.map((tenant) => [tenant.table, []]));
    for (const role of [db.appRole, db.ownerRole]) expect(await visible(role, null)).toEqual(none);
  });

  it('forgets the principal when its transaction ends', async () => {
    await as(db.appRole, MEMBER_OF_A, async () => expect(await organizations(TENANT_TABLES[0] as TenantTable)).toEqual(['A']));
    await client.query(`SET ROLE ${quoteName(db.appRole)}`);
    try {
      expect(await organizations(TENANT_TABLES[0] as TenantTable)).toEqual([]);
    } finally {
      await client.query('RESET ROLE');
    }
  });

  it("shows a platform principal every organization's rows and the platform's own", async () => {
    expect(principalClaim(PLATFORM)).toEqual({ organizationIds: [], platform: true });
    const seen = await visible(db.appRole, PLATFORM);
    const withPlatformRows = ['audit_log', 'api_keys', 'user_roles'];
    expect(seen).toEqual(
      Object.fromEntries(
        TENANT_TABLES.map((tenant) => [tenant.table, withPlatformRows.includes(tenant.table) ? ['A', 'B', 'null'] : ['A', 'B']]),
      ),
    );
  });

  it('reads the principal once per statement, not once per row', async () => {
    const plan = await as(db.appRole, MEMBER_OF_A, async () => {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT * FROM llm_usage');
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan.match(/InitPlan/g)).toHaveLength(2);
  });

  it('shows nothing to the principal who holds nothing', async () => {
    expect(principalClaim(NOBODY)).toEqual({ organizationIds: [], platform: false });
    expect(await visible(db.appRole, NOBODY)).toEqual(Object.fromEntries(TENANT_TABLES.map((tenant) => [tenant.table, []])));
  });
});
