// PostgreSQL for tests: the server TEST_DATABASE_URL names, a fresh schema per test file owned by a role of its
// own, and the gateway's role beside it; everything dropped afterwards. CI never skips these tests.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { rowLevelSecurityOfMigration, rowLevelSecurityStatements } from '../../src/auth/rowLevelSecurity';
import { loadMigrations } from '../../src/db/migrate';
import {
  appRoleGrantStatements,
  createAppRoleStatement,
  POSTGRES_BASELINE_VERSION,
  postgresSchemaFiles,
  quoteName,
} from '../../src/db/postgres/schema';
import { createScratchSchema, type ScratchSchema } from '../../src/db/postgres/scratch';

const url = process.env.TEST_DATABASE_URL;

/**
 * `describe` on PostgreSQL: skipped with a message on a developer's machine without TEST_DATABASE_URL, and a
 * failing test under CI (a run that silently skips PostgreSQL is a failure of CI; .ci/run sets the URL).
 */
export function describeOnPostgres(name: string, body: (url: string) => void): void {
  if (url) {
    describe(name, () => body(url));
  } else if (process.env.CI) {
    describe(name, () => {
      it('runs on PostgreSQL: TEST_DATABASE_URL must be set under CI', () => {
        throw new Error('TEST_DATABASE_URL is not set: CI must run the PostgreSQL tests (.ci/run sets it)');
      });
    });
  } else {
    console.warn(`${name}: skipped, TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)`);
    describe.skip(name, () => body(''));
  }
}

export type TestSchema = {
  /** Connected as the server's user (a superuser in tests), search_path on the schema. */
  client: pg.Client;
  schema: string;
  /** Owns the schema and its tables; not a superuser, so FORCE ROW LEVEL SECURITY holds it. */
  ownerRole: string;
  /** The gateway's role: rows only, held by row-level security. */
  appRole: string;
  drop(): Promise<void>;
};

/** A unique name for this file's schema and roles: test files run in parallel, on one cluster. */
function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A new schema with the PostgreSQL baseline and later migrations applied by its owner role, and the app role granted rows in it. */
export async function createTestSchema(connectionString: string): Promise<TestSchema> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const schema = uniqueName('foundry_test');
  const ownerRole = `${schema}_owner`;
  const appRole = `${schema}_app`;
  const drop = async () => {
    try {
      await client.query('RESET ROLE');
      await client.query(`DROP SCHEMA IF EXISTS ${quoteName(schema)} CASCADE`);
      for (const role of [appRole, ownerRole]) {
        await client.query(`DROP OWNED BY ${quoteName(role)}`).catch(() => undefined);
        await client.query(`DROP ROLE IF EXISTS ${quoteName(role)}`);
      }
    } finally {
      await client.end();
    }
  };
  try {
    await client.query(`CREATE ROLE ${quoteName(ownerRole)} NOLOGIN NOSUPERUSER NOBYPASSRLS`);
    await client.query(createAppRoleStatement(appRole));
    await client.query(`CREATE SCHEMA ${quoteName(schema)} AUTHORIZATION ${quoteName(ownerRole)}`);
    await client.query(`SET search_path TO ${quoteName(schema)}`);
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${quoteName(ownerRole)}`);
    for (const statement of [...postgresSchemaFiles(), ...rowLevelSecurityStatements()]) await client.query(statement);
    // The migrations past the baseline, each with the wall of the tables it makes, as the runner applies them.
    for (const migration of loadMigrations('postgres').filter((m) => m.version > POSTGRES_BASELINE_VERSION)) {
      await client.query(migration.sql);
      for (const statement of rowLevelSecurityOfMigration(migration.version)) await client.query(statement);
    }
    for (const statement of appRoleGrantStatements(schema, appRole)) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    await drop();
    throw error;
  }
  return { client, schema, ownerRole, appRole, drop };
}

/** Set by the `postgres` project of vitest.config.ts: every test server runs on PostgreSQL. */
export const onPostgres = process.env.TEST_ENGINE === 'postgres';

export type GatewayDatabase = ScratchSchema;

/**
 * An empty schema for one gateway, owned by a role of its own (not a superuser: FORCE ROW LEVEL SECURITY holds it),
 * which the gateway connects as and migrates, as a deployment with one role would.
 */
export async function createGatewayDatabase(): Promise<GatewayDatabase> {
  if (!url) throw new Error('TEST_ENGINE=postgres needs TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
  // Commits need not wait for the disk in tests (the SQLite project's files are on tmpfs-like temp dirs alike).
  return await createScratchSchema(url, 'foundry_gw', { durable: false });
}

/**
 * A connection of the cluster's superuser (TEST_DATABASE_URL) on a gateway's schema: past row-level security, as
 * someone with the database itself would be (tests of what holds even then, such as the audit log's triggers).
 */
export async function superuserOn(schema: string): Promise<pg.Client> {
  if (!url) throw new Error('a superuser connection needs TEST_DATABASE_URL');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path TO ${quoteName(schema)}`);
  return client;
}
