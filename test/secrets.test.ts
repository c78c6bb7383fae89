// Integration secrets at rest: sealed with AES-256-GCM under the key from FOUNDRY_SECRET_KEY or the key file, so
// that the database file (WAL included) holds none in clear; the API still answers them as before; clear text left
// by an older gateway is sealed at start; `foundry secrets rotate-key` seals them all again under a new key.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../src/bootstrap';
import { type Config, loadConfig } from '../src/config';
import { SqliteStore } from '../src/db/connection';
import { holdShared } from '../src/db/hold';
import { PostgresStore } from '../src/db/postgres/store';
import { insertWebhook } from '../src/modules/webhooks/repo';
import { SecretBox, SecretUnreadableError } from '../src/secrets/box';
import { keyFilePath } from '../src/secrets/key';
import { runFoundry } from './helpers/gateway';
import { createGatewayDatabase, type GatewayDatabase, onPostgres } from './helpers/postgres';
import { apiKeyFor } from './helpers/principals';
import { startServer } from './helpers/server';

const dirs: string[] = [];
const databases: GatewayDatabase[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const database of databases) await database.drop();
});

function tempDatabasePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-secrets-'));
  dirs.push(dir);
  return join(dir, 'foundry.db');
}

/** The bytes of the database and of its WAL and shared-memory files, as a backup or a thief would copy them. */
function fileBytes(databasePath: string): Buffer {
  return Buffer.concat(
    ['', '-wal', '-shm'].map((suffix) => `${databasePath}${suffix}`).flatMap((path) => (existsSync(path) ? [readFileSync(path)] : [])),
  );
}

/**
 * What a backup of the database holds: on SQLite the bytes of its files; on PostgreSQL, whose files are the database
 * server's and not the gateway's to read, every row of every table of the gateway's schema as text, as a dump copies
 * them (rows an update left behind stay in the server's files until VACUUM, which its operators run).
 */
async function storedBytes(config: Config): Promise<Buffer> {
  if (config.databaseUrl === null) return fileBytes(config.databasePath);
  const db = new PostgresStore(config.databaseUrl);
  try {
    const tables = await db.all<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    const rows: string[] = [];
    for (const { name } of tables) {
      for (const row of await db.all<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`)) rows.push(row.row);
    }
    return Buffer.from(rows.join('\n'));
  } finally {
    await db.close();
  }
}

/** The settings of a new database on the project's engine: on the postgres project, a schema of its own. */
async function databaseEnv(databasePath: string): Promise<Record<string, string>> {
  if (!onPostgres) return { DATABASE_PATH: databasePath };
  const database = await createGatewayDatabase();
  databases.push(database);
  return { DATABASE_PATH: databasePath, DATABASE_URL: database.databaseUrl };
}

const UPSERT = `mutation ($input: UpsertIntegrationConfigInput!) {
  upsertIntegrationConfig(input: $input) { integrationConfig { id secrets } } }`;
const READ = 'query ($id: ID!) { node(id: $id) { ... on IntegrationConfig { secrets } } }';

describe('integration secrets at rest', () => {
  it('never reach the database file in clear, and the API answers them as before (masked without integration:secret:read)', async () => {
    const server = await startServer();
    try {
      const secret = `sk-live-${randomBytes(12).toString('hex')}`;
      const created = await server.gql(UPSERT, {
        input: {
          domainId: encodeGlobalID('Domain', 'demo'),
          environment: 'PROD',
          integration: 'stripe',
          config: { account: 'acct_1' },
          secrets: { apiKey: secret, nested: { webhook: `${secret}-hook` } },
        },
      });
      const id = created.data.upsertIntegrationConfig.integrationConfig.id as string;
      expect(created.data.upsertIntegrationConfig.integrationConfig.secrets).toEqual({
        apiKey: secret,
        nested: { webhook: `${secret}-hook` },
      });
      const viewer = await apiKeyFor(server, { org: 'quant', role: 'org_developer' });
      expect((await server.gql(READ, { id }, viewer.token)).data.node).toEqual({
        secrets: { apiKey: '********', nested: { webhook: '********' } },
      });

      const bytes = await storedBytes(server.services.config);
      expect(bytes.length).toBeGreaterThan(0);
      for (const clear of [secret, 'sf-demo-secret-1', 'tw-demo-secret-2']) expect(bytes.includes(clear)).toBe(false);
      expect(statSync(keyFilePath(server.databasePath)).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
    }
  });

  it('seals at start the secrets an older gateway left in clear, and leaves no trace of them in the file', async () => {
    const databasePath = tempDatabasePath();
    const config = loadConfig({ ...(await databaseEnv(databasePath)), LOG_LEVEL: 'silent' });
    const first = await bootstrap(config);
    // The clear text as PostgreSQL's jsonb writes it back (a space after the colon), so that it reads back as written.
    await first.services.db.transaction((tx) =>
      tx.run("UPDATE integration_secrets SET secrets = :clear WHERE integration_config_id = 'int-quant-salesforce'", {
        clear: '{"clientSecret": "legacy-clear-secret-7f3a"}',
      }),
    );
    await first.services.db.close();
    expect((await storedBytes(config)).includes('legacy-clear-secret-7f3a')).toBe(true);

    const again = await bootstrap(config);
    try {
      expect(again.sealedClearSecrets).toBe(1);
      const row = await again.services.db.get<{ secrets: string }>(
        "SELECT secrets FROM integration_secrets WHERE integration_config_id = 'int-quant-salesforce'",
      );
      expect(again.services.secretBox.open(row?.secrets as string, 'int-quant-salesforce')).toBe(
        '{"clientSecret": "legacy-clear-secret-7f3a"}',
      );
      expect((await storedBytes(config)).includes('legacy-clear-secret-7f3a')).toBe(false);
    } finally {
      await again.services.db.close();
    }
  });

  it('uses FOUNDRY_SECRET_KEY instead of a key file, and refuses to start under a key the secrets were not sealed with', async () => {
    const databasePath = tempDatabasePath();
    const database = await databaseEnv(databasePath);
    const key = randomBytes(32);
    const first = await bootstrap(loadConfig({ ...database, LOG_LEVEL: 'silent', FOUNDRY_SECRET_KEY: key.toString('hex') }));
    await first.services.db.close();
    expect(existsSync(keyFilePath(databasePath))).toBe(false);
    const other = loadConfig({ ...database, LOG_LEVEL: 'silent', FOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') });
    await expect(bootstrap(other)).rejects.toThrow(
      /sealed under key [0-9a-f]{16}, but the configured key is [0-9a-f]{16} \(from FOUNDRY_SECRET_KEY\)/,
    );
    expect(() => loadConfig({ FOUNDRY_SECRET_KEY: 'too-short' })).toThrow(/FOUNDRY_SECRET_KEY: must be 32 bytes/);
  });
});

describe('foundry secrets rotate-key', () => {
  // foundry secrets rotate-key works on a SQLite file, which it holds against running gateways (README: Running on
  // PostgreSQL); the postgres project leaves it to the sqlite one.
  it.skipIf(onPostgres)('seals every secret under a new key file in one go; the old key opens none of them', async () => {
    const databasePath = tempDatabasePath();
    const first = await bootstrap(loadConfig({ DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }));
    const oldKey = Buffer.from(readFileSync(keyFilePath(databasePath), 'utf8').trim(), 'base64');
    // A webhook's signing secret is sealed too, and rotates with the rest.
    await first.services.db.transaction((tx) =>
      insertWebhook(tx, new SecretBox(oldKey), {
        id: 'wh-rotate',
        organizationId: 'quant',
        url: 'https://hooks.example.com/x',
        events: ['budget.threshold_crossed'],
        secret: 'whsec_rotate-me',
        userId: null,
        apiKeyId: null,
        now: '2026-01-01T00:00:00.000Z',
      }),
    );
    await first.services.db.close();

    const hold = holdShared(databasePath);
    const refused = await runFoundry(databasePath, ['secrets', 'rotate-key']);
    hold.release();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to rotate the key: a gateway is running on this database/);

    const rotated = await runFoundry(databasePath, ['secrets', 'rotate-key']);
    expect(rotated.stderr).toBe('');
    expect(rotated.stdout).toMatch(/^sealed 3 secret\(s\) under key [0-9a-f]{16}/);
    expect(statSync(keyFilePath(databasePath)).mode & 0o777).toBe(0o600);
    const newKey = Buffer.from(readFileSync(keyFilePath(databasePath), 'utf8').trim(), 'base64');
    expect(newKey.equals(oldKey)).toBe(false);

    const db = new SqliteStore(databasePath);
    try {
      const rows = await db.all<{ integration_config_id: string; secrets: string }>('SELECT * FROM integration_secrets ORDER BY 1');
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(() => new SecretBox(oldKey).open(row.secrets, row.integration_config_id)).toThrow(SecretUnreadableError);
        expect(JSON.parse(new SecretBox(newKey).open(row.secrets, row.integration_config_id))).toBeTypeOf('object');
      }
      const webhook = await db.get<{ secret: string }>("SELECT secret FROM webhooks WHERE id = 'wh-rotate'");
      expect(new SecretBox(newKey).open(webhook?.secret as string, 'wh-rotate')).toBe('whsec_rotate-me');
    } finally {
      await db.close();
    }
    // A start with the new key file serves the secrets as before.
    const again = await bootstrap(loadConfig({ DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }));
    await again.services.db.close();
    expect(again.sealedClearSecrets).toBe(0);
  });
});
