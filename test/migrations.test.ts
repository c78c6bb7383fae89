// The migration runner on real files: a new database gets the baseline and a
// recorded version; a later start applies only what is newer and keeps every row;
// a database made at version 1 moves to the per-batch usage rollups exactly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../seeds/catalogue';
import { SAMPLE_MODEL_PRICES, seedSampleData } from '../seeds/sample-data';
import { bootstrap } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { SqliteStore } from '../src/db/connection';
import { countRows } from '../src/db/copy';
import { currentVersion, loadMigrations, type Migration, migrate } from '../src/db/migrate';
import { isoNow, type Store } from '../src/db/store';
import { describeTables } from '../src/db/tables';
import { quotaLimits } from '../src/modules/budgets/quota';
import { createGraphQLHandler } from '../src/server';
import { apiKeyFor, userWith } from './helpers/principals';
import { startServer, type TestServer } from './helpers/server';

const dirs: string[] = [];
function tempDatabasePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-migrate-'));
  dirs.push(dir);
  return join(dir, 'foundry.db');
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every user table with its row count, so that two snapshots can be compared whole. */
async function rowCounts(db: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { name } of await describeTables(db)) counts[name] = await countRows(db, name);
  return counts;
}

describe('starting twice on the same file', () => {
  it('applies no migration the second time, prints no new key and keeps every row', async () => {
    const server = await startServer();
    // Rows a user made, besides the seeds.
    await userWith(server, { grants: [{ org: 'cibc', role: 'org_admin' }] });
    const key = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    const before = await rowCounts(server.services.db);
    const snapshot = await server.services.db.all('SELECT id, key_id, secret_hash, revoked_at FROM api_keys ORDER BY id');
    await server.services.db.close();

    // The same database again (the file, or on PostgreSQL the same schema), without the test server's extras.
    const config = loadConfig({ ...server.env, FOUNDRY_SQL_STATS: '0' });
    const again = await bootstrap(config);
    try {
      expect(again.migration).toEqual({ created: false, applied: [] });
      expect(again.firstApiKey).toBeNull();
      expect(await rowCounts(again.services.db)).toEqual(before);
      expect(await again.services.db.all('SELECT id, key_id, secret_hash, revoked_at FROM api_keys ORDER BY id')).toEqual(snapshot);
      expect(before.organizations).toBe(2);
      expect(before.permissions).toBe(55);
      expect(before.roles).toBe(10);
      expect(key.token).toMatch(/^afk_/);
    } finally {
      await again.services.db.close();
      await server.close().catch(() => undefined);
    }
  });
});

describe('the runner', () => {
  const later: Migration[] = [
    { version: 2, name: 'agent_notes', sql: 'ALTER TABLE agents ADD COLUMN notes TEXT' },
    { version: 3, name: 'agent_notes_index', sql: 'CREATE INDEX agents_notes ON agents (notes)' },
  ];

  it('records the baseline and every known migration on a new file without running them', async () => {
    const db = new SqliteStore(tempDatabasePath());
    try {
      const result = await migrate(db, later);
      expect(result.created).toBe(true);
      expect(result.applied.map((m) => m.version)).toEqual([1, 2, 3]);
      expect(await currentVersion(db)).toBe(3);
      const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'agents'");
      expect(tables).toHaveLength(1);
    } finally {
      await db.close();
    }
  });

  it('applies only the migrations newer than the recorded version, each once', async () => {
    const db = new SqliteStore(tempDatabasePath());
    try {
      expect((await migrate(db, [])).applied.map((m) => m.version)).toEqual([1]);
      expect((await migrate(db, later.slice(0, 1))).applied.map((m) => m.name)).toEqual(['agent_notes']);
      expect((await migrate(db, later)).applied.map((m) => m.name)).toEqual(['agent_notes_index']);
      expect((await migrate(db, later)).applied).toEqual([]);
      const columns = await db.all<{ name: string }>("SELECT name FROM pragma_table_info('agents') WHERE name = 'notes'");
      expect(columns).toEqual([{ name: 'notes' }]);
      expect(await db.all('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([
        { version: 1, name: 'baseline' },
        { version: 2, name: 'agent_notes' },
        { version: 3, name: 'agent_notes_index' },
      ]);
    } finally {
      await db.close();
    }
  });

  it('leaves the version unchanged when a migration fails', async () => {
    const db = new SqliteStore(tempDatabasePath());
    try {
      await migrate(db, []);
      const broken: Migration[] = [{ version: 2, name: 'broken', sql: 'ALTER TABLE agents ADD COLUMN x TEXT; SELECT * FROM nowhere' }];
      await expect(migrate(db, broken)).rejects.toThrow();
      expect(await currentVersion(db)).toBe(1);
      expect(await db.all("SELECT name FROM pragma_table_info('agents') WHERE name = 'x'")).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('turns on WAL, foreign keys and a busy timeout for every connection', async () => {
    const db = new SqliteStore(tempDatabasePath());
    try {
      expect(await db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
      expect((await db.get<{ timeout: number }>('PRAGMA busy_timeout'))?.timeout).toBeGreaterThan(0);
      // FULL (2): an acknowledged commit survives power loss, not only a killed process.
      expect(await db.get('PRAGMA synchronous')).toEqual({ synchronous: 2 });
    } finally {
      await db.close();
    }
  });

  it('commits with synchronous NORMAL only when FOUNDRY_SYNCHRONOUS asks for the trade', async () => {
    const db = new SqliteStore(tempDatabasePath(), { synchronous: loadConfig({ FOUNDRY_SYNCHRONOUS: 'NORMAL' }).synchronous });
    try {
      expect(await db.get('PRAGMA synchronous')).toEqual({ synchronous: 1 });
      expect(loadConfig({}).synchronous).toBe('FULL');
      expect(() => loadConfig({ FOUNDRY_SYNCHRONOUS: 'OFF' })).toThrow(/FOUNDRY_SYNCHRONOUS/);
    } finally {
      await db.close();
    }
  });
});

describe('migration 2 (usage rollups) on a database made at version 1', () => {
  /** The version 1 schema (schema.sql and rbac.sql of commit 0fd8d2c), with its per-record insert trigger. */
  async function versionOneDatabase(path: string): Promise<SqliteStore> {
    const db = new SqliteStore(path);
    await db.transaction((tx) =>
      tx.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT'),
    );
    await db.transaction((tx) => tx.exec(readFileSync(join(__dirname, 'fixtures/v1/schema.sql'), 'utf8')));
    await db.transaction((tx) => tx.exec(readFileSync(join(__dirname, 'fixtures/v1/rbac.sql'), 'utf8')));
    await db.transaction((tx) =>
      tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'baseline', :at)", { at: isoNow() }),
    );
    await seedCatalogue(db);
    await seedSampleData(db, { prices: false });
    // Version 1 kept one price per model: migration 8 makes each the period in effect since 1970.
    for (const p of SAMPLE_MODEL_PRICES) {
      await db.transaction((tx) =>
        tx.run(
          `INSERT INTO model_prices (provider, model, prompt_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, updated_at)
           VALUES (:provider, :model, :prompt, :completion, :at)`,
          { provider: p.provider, model: p.model, prompt: p.prompt, completion: p.completion, at: '2026-01-01T00:00:00.000Z' },
        ),
      );
    }
    return db;
  }

  const MODELS = [
    ['openai', 'gpt-4o'],
    ['openai', 'gpt-4o-mini'],
    ['anthropic', 'claude-sonnet-4'],
    ['google', 'gemini-1.5-flash'],
  ] as const;
  const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));

  it('fills the per-model rollup from the records, drops the insert trigger, and summaries equal raw sums', async () => {
    const path = tempDatabasePath();
    const old = await versionOneDatabase(path);
    await old.transaction(async (tx) => {
      for (let i = 0; i < 400; i++) {
        const [provider, model] = MODELS[i % MODELS.length] as (typeof MODELS)[number];
        // This month (before now) and January, big costs, some records without agent or user.
        const at =
          i % 3 === 0
            ? new Date(Date.UTC(2026, 0, 1 + (i % 28), i % 24, i % 60))
            : new Date(monthStart.getTime() + ((i * 37_000) % Math.max(1, Date.now() - monthStart.getTime())));
        await tx.run(
          `INSERT INTO llm_usage (id, organization_id, agent_id, session_id, user_id, provider, model, prompt_tokens, completion_tokens,
             cost_nano_usd, latency_ms, created_at)
           VALUES (:id, :org, :agent, NULL, :user, :provider, :model, :prompt, :completion, :cost, 100, :at)`,
          {
            id: `v1-use-${i}`,
            org: i % 4 === 3 ? 'cibc' : 'quant',
            agent: i % 4 === 3 || i % 5 === 0 ? null : 'agt-001',
            user: i % 2 === 0 ? 'nwalker85' : null,
            provider,
            model,
            prompt: 1000 + i,
            completion: 200 + i,
            cost: 987_654_321_987 + i,
            at: at.toISOString(),
          },
        );
      }
    });
    const fineBefore = await old.all('SELECT * FROM llm_usage_daily ORDER BY 1, 2, 3, 4, 5, 6, 7');
    await old.close();

    const { services, migration } = await bootstrap(loadConfig({ DATABASE_PATH: path, LOG_LEVEL: 'silent' }));
    const db = services.db;
    const handle = createGraphQLHandler(services);
    const http = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      // Migration 2 and every later one, in order, up to the current version.
      const later = loadMigrations()
        .filter((m) => m.version >= 2)
        .map(({ version, name }) => ({ version, name }));
      expect(migration.applied[0]).toEqual({ version: 2, name: 'usage_rollups' });
      expect(migration.applied).toEqual(later);
      expect(await currentVersion(db)).toBe(later.at(-1)?.version);
      expect(await db.all("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name = 'llm_usage_rollup_insert'")).toEqual([]);
      // The migrated usage tables, indexes and triggers are exactly those of a new database (schema.sql).
      const usageSchema = async (of: Store) =>
        await of.all("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name LIKE 'llm_usage%' ORDER BY type, name");
      const fresh = new SqliteStore(tempDatabasePath());
      try {
        await migrate(fresh);
        expect(await usageSchema(db)).toEqual(await usageSchema(fresh));
      } finally {
        await fresh.close();
      }
      // Migration 8: each old price is the period in effect since 1970, cached prompt tokens at the prompt rate and
      // reasoning tokens at the completion rate; the old records keep their tokens and costs, computed.
      expect(
        await db.all(
          `SELECT provider, model, effective_from, prompt_nano_usd_per_1k_tokens AS prompt, cached_prompt_nano_usd_per_1k_tokens AS cached,
                  completion_nano_usd_per_1k_tokens AS completion, reasoning_nano_usd_per_1k_tokens AS reasoning
             FROM model_price_periods ORDER BY model`,
        ),
      ).toEqual(
        [...SAMPLE_MODEL_PRICES]
          .sort((a, b) => (a.model < b.model ? -1 : 1))
          .map((p) => ({
            provider: p.provider,
            model: p.model,
            effective_from: '1970-01-01T00:00:00.000Z',
            prompt: p.prompt,
            cached: p.prompt,
            completion: p.completion,
            reasoning: p.completion,
          })),
      );
      expect(
        await db.get(
          `SELECT count(*) AS records, sum(total_tokens) AS tokens, printf('%d', sum(cost_nano_usd)) AS cost,
                  count(*) FILTER (WHERE cost_source = 'computed' AND cached_prompt_tokens = 0 AND reasoning_tokens = 0) AS plain
             FROM llm_usage WHERE id LIKE 'v1-use-%'`,
        ),
      ).toEqual({
        records: 400,
        tokens: 400 * 1200 + 2 * ((399 * 400) / 2),
        cost: (400n * 987_654_321_987n + BigInt((399 * 400) / 2)).toString(),
        plain: 400,
      });
      // Seeding after the migration went through the batch path; the fine rollup still equals the raw records.
      const fine = await db.all(
        `SELECT organization_id, day, provider, model, agent_id, user_id, api_key_id, requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd
           FROM llm_usage_daily ORDER BY 1, 2, 3, 4, 5, 6, 7`,
      );
      expect(fine).toEqual(
        await db.all(
          `SELECT organization_id, substr(created_at, 1, 10) AS day, provider, model, ifnull(agent_id, '') AS agent_id, ifnull(user_id, '') AS user_id,
                  ifnull(api_key_id, '') AS api_key_id, count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                  sum(total_tokens) AS total_tokens, sum(cost_nano_usd) AS cost_nano_usd
             FROM llm_usage GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
        ),
      );
      expect(fine.length).toBeGreaterThanOrEqual(fineBefore.length);
      expect(await db.all('SELECT * FROM llm_usage_model_daily ORDER BY 1, 2, 3, 4')).toEqual(
        await db.all(
          `SELECT organization_id, substr(created_at, 1, 10) AS day, provider, model, count(*) AS requests, sum(prompt_tokens) AS prompt_tokens,
                  sum(cached_prompt_tokens) AS cached_prompt_tokens, sum(completion_tokens) AS completion_tokens,
                  sum(reasoning_tokens) AS reasoning_tokens, sum(total_tokens) AS total_tokens, sum(cost_nano_usd) AS cost_nano_usd
             FROM llm_usage GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        ),
      );

      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
      const key = await apiKeyFor({ services } as TestServer, { org: 'quant', role: 'org_admin' });
      const gql = async <T>(query: string, variables: Record<string, unknown>) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key.token}` },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as { data?: T; errors?: unknown };
      };
      const usd = (nano: string) => `${BigInt(nano) / 1_000_000_000n}.${(BigInt(nano) % 1_000_000_000n).toString().padStart(9, '0')}`;
      for (const [from, to] of [
        ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
        [monthStart.toISOString(), new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1)).toISOString()],
        ['2026-01-03T05:30:00.000Z', '2026-01-20T17:45:00.000Z'],
      ] as const) {
        const response = await gql<{
          organization: {
            usageSummary: {
              total: { requests: number; costUsd: string };
              edges: { node: { model: string; requests: number; totalTokens: number; costUsd: string } }[];
            };
          };
        }>(
          `query ($from: DateTime!, $to: DateTime!) { organization(slug: "quant") { usageSummary(from: $from, to: $to, groupBy: [MODEL], first: 100) {
             total { requests costUsd } edges { node { model requests totalTokens costUsd } } } } }`,
          { from, to },
        );
        expect(response.errors).toBeUndefined();
        const raw = await db.all<{ model: string; requests: number; tokens: number; cost: string }>(
          `SELECT model, count(*) AS requests, sum(total_tokens) AS tokens, printf('%d', sum(cost_nano_usd)) AS cost FROM llm_usage
            WHERE organization_id = 'quant' AND created_at >= :from AND created_at < :to GROUP BY model ORDER BY model`,
          { from, to },
        );
        expect(raw.length).toBeGreaterThan(0);
        const nodes = (response.data?.organization.usageSummary.edges ?? [])
          .map((edge) => edge.node)
          .sort((a, b) => a.model.localeCompare(b.model));
        expect(nodes).toEqual(
          raw.map((row) => ({ model: row.model, requests: row.requests, totalTokens: row.tokens, costUsd: usd(row.cost) })),
        );
        const total = raw.reduce((sum, row) => sum + BigInt(row.cost), 0n);
        expect(response.data?.organization.usageSummary.total).toEqual({
          requests: raw.reduce((n, row) => n + row.requests, 0),
          costUsd: usd(total.toString()),
        });
      }
      const quota = await gql<{ organization: { quota: { tokensUsed: number; costUsedUsd: string } } }>(
        '{ organization(slug: "quant") { quota { tokensUsed costUsedUsd } } }',
        {},
      );
      const month = await db.get<{ tokens: number; cost: string }>(
        "SELECT sum(total_tokens) AS tokens, printf('%d', sum(cost_nano_usd)) AS cost FROM llm_usage WHERE organization_id = 'quant' AND created_at >= :start",
        { start: monthStart.toISOString() },
      );
      expect(quota.data?.organization.quota).toEqual({ tokensUsed: month?.tokens, costUsedUsd: usd(month?.cost ?? '0') });
    } finally {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await db.close();
    }
  });

  it('migration 7 makes the monthly quotas organization MONTH budgets with the same limits, and drops their table', async () => {
    const path = tempDatabasePath();
    const old = await versionOneDatabase(path);
    try {
      await migrate(
        old,
        loadMigrations().filter((m) => m.version <= 6),
      );
      expect(await currentVersion(old)).toBe(6);
      await old.transaction(async (tx) => {
        await tx.run('DELETE FROM llm_quotas');
        await tx.run(
          `INSERT INTO llm_quotas (organization_id, monthly_token_limit, monthly_cost_limit_nano_usd, updated_at)
           VALUES ('quant', 5000000, 250000000000, '2026-01-02T03:04:05.006Z'), ('cibc', NULL, 9007199254740993, '2026-01-03T00:00:00.000Z')`,
        );
      });
      expect((await migrate(old)).applied.map((m) => m.name)).toContain('budgets');
      expect(await old.all("SELECT name FROM sqlite_schema WHERE name = 'llm_quotas'")).toEqual([]);
      const budgets = await old.all<Record<string, unknown>>(
        `SELECT id, organization_id, level, subject_id, agent_id, api_key_id, user_id, period, token_limit, CAST(cost_limit_nano_usd AS TEXT) AS cost,
                alert_at_percent, created_at, updated_at FROM budgets ORDER BY organization_id`,
      );
      expect(budgets.map(({ id, ...rest }) => rest)).toEqual([
        {
          organization_id: 'cibc',
          level: 'ORGANIZATION',
          subject_id: 'cibc',
          agent_id: null,
          api_key_id: null,
          user_id: null,
          period: 'MONTH',
          token_limit: null,
          cost: '9007199254740993',
          alert_at_percent: null,
          created_at: '2026-01-03T00:00:00.000Z',
          updated_at: '2026-01-03T00:00:00.000Z',
        },
        {
          organization_id: 'quant',
          level: 'ORGANIZATION',
          subject_id: 'quant',
          agent_id: null,
          api_key_id: null,
          user_id: null,
          period: 'MONTH',
          token_limit: 5000000,
          cost: '250000000000',
          alert_at_percent: null,
          created_at: '2026-01-02T03:04:05.006Z',
          updated_at: '2026-01-02T03:04:05.006Z',
        },
      ]);
      for (const { id } of budgets) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // The quota reads them back as it read the quota rows.
      expect(await quotaLimits(old, 'quant')).toEqual({ monthly_token_limit: 5000000, monthly_cost_limit_nano_usd: 250000000000 });
      // The table is exactly a new database's.
      const budgetSchema = async (of: Store) =>
        await of.all("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'budgets' ORDER BY type, name");
      const fresh = new SqliteStore(tempDatabasePath());
      try {
        await migrate(fresh);
        expect(await budgetSchema(old)).toEqual(await budgetSchema(fresh));
      } finally {
        await fresh.close();
      }
    } finally {
      await old.close();
    }
  });
});
