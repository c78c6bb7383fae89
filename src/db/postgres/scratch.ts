// A throwaway schema on a PostgreSQL server, for tests and benchmarks: owned by a role of its own that is neither a
// superuser nor BYPASSRLS (so FORCE ROW LEVEL SECURITY holds it, as it holds a deployment's role), which the
// gateway takes on connecting and then migrates the schema as its owner.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteName } from './schema';

export type ScratchSchema = {
  /** DATABASE_URL for the gateway: the server of `adminUrl`, taking the schema's role, on that schema. */
  databaseUrl: string;
  schema: string;
  drop(): Promise<void>;
};

/**
 * `adminUrl` connects as a role that may create roles and schemas (the server's superuser, in tests). `durable:
 * false` lets the gateway's commits return before their WAL reaches the disk (synchronous_commit off, for its
 * sessions only): for tests, where a crash of the server loses nothing of value; benchmarks keep the default.
 */
export async function createScratchSchema(adminUrl: string, prefix: string, { durable = true } = {}): Promise<ScratchSchema> {
  const schema = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${quoteName(schema)} NOLOGIN NOSUPERUSER NOBYPASSRLS`);
    await admin.query(`CREATE SCHEMA ${quoteName(schema)} AUTHORIZATION ${quoteName(schema)}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = new URL(adminUrl);
  // The admin's user connects and takes the schema's role at once: no password or login for that role.
  const commits = durable ? '' : ' -c synchronous_commit=off';
  databaseUrl.searchParams.set('options', `-c role=${schema} -c search_path=${schema}${commits}`);
  return {
    databaseUrl: databaseUrl.toString(),
    schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${quoteName(schema)} CASCADE`);
        await client.query(`DROP ROLE IF EXISTS ${quoteName(schema)}`);
      } finally {
        await client.end();
      }
    },
  };
}
