// The migration runner on real files: a new database gets the baseline and a
// recorded version; a later start applies only what is newer and keeps every row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { Database } from '../src/db/connection';
import { currentVersion, migrate, type Migration } from '../src/db/migrate';
import { apiKeyFor, userWith } from './helpers/principals';
import { startServer } from './helpers/server';

const dirs: string[] = [];
function tempDatabasePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-migrate-'));
  dirs.push(dir);
  return join(dir, 'foundry.db');
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Every user table with its row count, so that two snapshots can be compared whole. */
function rowCounts(db: Database): Record<string, number> {
  const tables = db.all<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' ORDER BY name",
  );
  return Object.fromEntries(tables.map(({ name }) => [name, db.get<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`)?.n ?? 0]));
}

describe('starting twice on the same file', () => {
  it('applies no migration the second time, prints no new key and keeps every row', async () => {
    const server = await startServer();
    // Rows a user made, besides the seeds.
    await userWith(server, { grants: [{ org: 'cibc', role: 'org_admin' }] });
    const key = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    const before = rowCounts(server.services.db);
    const snapshot = server.services.db.all('SELECT id, key_id, secret_hash, revoked_at FROM api_keys ORDER BY id');
    const databasePath = server.databasePath;
    server.services.db.close();

    const config = loadConfig({ DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' });
    const again = await bootstrap(config);
    try {
      expect(again.migration).toEqual({ created: false, applied: [] });
      expect(again.firstApiKey).toBeNull();
      expect(rowCounts(again.services.db)).toEqual(before);
      expect(again.services.db.all('SELECT id, key_id, secret_hash, revoked_at FROM api_keys ORDER BY id')).toEqual(snapshot);
      expect(before.organizations).toBe(2);
      expect(before.permissions).toBe(55);
      expect(before.roles).toBe(10);
      expect(key.token).toMatch(/^afk_/);
    } finally {
      again.services.db.close();
      await server.close().catch(() => undefined);
    }
  });
});

describe('the runner', () => {
  const later: Migration[] = [
    { version: 2, name: 'agent_notes', sql: 'ALTER TABLE agents ADD COLUMN notes TEXT' },
    { version: 3, name: 'agent_notes_index', sql: 'CREATE INDEX agents_notes ON agents (notes)' },
  ];

  it('records the baseline and every known migration on a new file without running them', () => {
    const db = new Database(tempDatabasePath());
    try {
      const result = migrate(db, later);
      expect(result.created).toBe(true);
      expect(result.applied.map((m) => m.version)).toEqual([1, 2, 3]);
      expect(currentVersion(db)).toBe(3);
      const tables = db.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'agents'");
      expect(tables).toHaveLength(1);
    } finally {
      db.close();
    }
  });

  it('applies only the migrations newer than the recorded version, each once', () => {
    const db = new Database(tempDatabasePath());
    try {
      expect(migrate(db, []).applied.map((m) => m.version)).toEqual([1]);
      expect(migrate(db, later.slice(0, 1)).applied.map((m) => m.name)).toEqual(['agent_notes']);
      expect(migrate(db, later).applied.map((m) => m.name)).toEqual(['agent_notes_index']);
      expect(migrate(db, later).applied).toEqual([]);
      const columns = db.all<{ name: string }>("SELECT name FROM pragma_table_info('agents') WHERE name = 'notes'");
      expect(columns).toEqual([{ name: 'notes' }]);
      expect(db.all('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([
        { version: 1, name: 'baseline' },
        { version: 2, name: 'agent_notes' },
        { version: 3, name: 'agent_notes_index' },
      ]);
    } finally {
      db.close();
    }
  });

  it('leaves the version unchanged when a migration fails', () => {
    const db = new Database(tempDatabasePath());
    try {
      migrate(db, []);
      const broken: Migration[] = [{ version: 2, name: 'broken', sql: 'ALTER TABLE agents ADD COLUMN x TEXT; SELECT * FROM nowhere' }];
      expect(() => migrate(db, broken)).toThrow();
      expect(currentVersion(db)).toBe(1);
      expect(db.all("SELECT name FROM pragma_table_info('agents') WHERE name = 'x'")).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('turns on WAL, foreign keys and a busy timeout for every connection', () => {
    const db = new Database(tempDatabasePath());
    try {
      expect(db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
      expect(db.get<{ timeout: number }>('PRAGMA busy_timeout')?.timeout).toBeGreaterThan(0);
      expect(db.get('PRAGMA synchronous')).toEqual({ synchronous: 1 });
    } finally {
      db.close();
    }
  });
});
