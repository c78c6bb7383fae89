// The migration runner on PostgreSQL: the same version numbers as on SQLite, the baseline standing for versions 1
// to POSTGRES_BASELINE_VERSION, later migrations from postgres/migrations applied once each, in a transaction that
// leaves nothing behind when it fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rowLevelSecurityOfMigration, rowLevelSecurityStatements } from '../src/auth/rowLevelSecurity';
import { currentVersion, loadMigrations, type Migration, migrate } from '../src/db/migrate';
import { POSTGRES_BASELINE_VERSION } from '../src/db/postgres/schema';
import { createScratchSchema, type ScratchSchema } from '../src/db/postgres/scratch';
import { PostgresStore } from '../src/db/postgres/store';
import { describeOnPostgres } from './helpers/postgres';

describeOnPostgres('the migration runner on PostgreSQL', (url) => {
  let scratch: ScratchSchema;
  let db: PostgresStore;
  const wall = rowLevelSecurityStatements();
  const later: Migration[] = [
    { version: POSTGRES_BASELINE_VERSION + 1, name: 'agent_notes', sql: 'ALTER TABLE agents ADD COLUMN notes text' },
    { version: POSTGRES_BASELINE_VERSION + 2, name: 'agent_notes_index', sql: 'CREATE INDEX agents_notes ON agents (notes)' },
  ];
  const notesColumn = () =>
    db.all<{ name: string }>(
      "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'agents' AND column_name = 'notes'",
    );

  beforeAll(async () => {
    scratch = await createScratchSchema(url, 'foundry_migrate');
    db = new PostgresStore(scratch.databaseUrl);
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('refuses to make a new schema without its row-level security', async () => {
    await expect(migrate(db, [], [])).rejects.toThrow(/row-level security/);
    // Not even the version table: the refusal rolled back the transaction that would have made it.
    expect(await db.all('SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()')).toEqual([]);
  });

  it('records versions 1 to the baseline under the names SQLite gives them, and reads the version back', async () => {
    const result = await migrate(db, [], wall);
    expect(result.created).toBe(true);
    const sqliteNames = [
      { version: 1, name: 'baseline' },
      ...loadMigrations('sqlite').map(({ version, name }) => ({ version, name })),
    ].filter((m) => m.version <= POSTGRES_BASELINE_VERSION);
    expect(result.applied).toEqual(sqliteNames);
    expect(await db.all('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual(sqliteNames);
    expect(await currentVersion(db)).toBe(POSTGRES_BASELINE_VERSION);
  });

  it('applies only the migrations newer than the recorded version, each once', async () => {
    expect((await migrate(db, later.slice(0, 1), wall)).applied.map((m) => m.name)).toEqual(['agent_notes']);
    expect((await migrate(db, later, wall)).applied.map((m) => m.name)).toEqual(['agent_notes_index']);
    expect((await migrate(db, later, wall)).applied).toEqual([]);
    expect(await notesColumn()).toEqual([{ name: 'notes' }]);
    expect(await currentVersion(db)).toBe(POSTGRES_BASELINE_VERSION + 2);
  });

  it('leaves the schema and the version as they were when a migration fails', async () => {
    const broken: Migration[] = [
      { version: POSTGRES_BASELINE_VERSION + 3, name: 'broken', sql: 'ALTER TABLE agents ADD COLUMN x text; SELECT * FROM nowhere' },
    ];
    await expect(migrate(db, broken, wall)).rejects.toThrow();
    expect(await currentVersion(db)).toBe(POSTGRES_BASELINE_VERSION + 2);
    expect(
      await db.all(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'agents' AND column_name = 'x'",
      ),
    ).toEqual([]);
  });

  it('lets gateways that start together migrate one after another', async () => {
    const other = await createScratchSchema(url, 'foundry_migrate');
    const stores = [new PostgresStore(other.databaseUrl), new PostgresStore(other.databaseUrl), new PostgresStore(other.databaseUrl)];
    try {
      const results = await Promise.all(stores.map((store) => migrate(store, [], wall)));
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(await currentVersion(stores[0] as PostgresStore)).toBe(POSTGRES_BASELINE_VERSION);
    } finally {
      for (const store of stores) await store.close();
      await other.drop();
    }
  });

  it('makes the monthly quotas of a schema at the baseline organization MONTH budgets, behind the wall, and drops their table', async () => {
    const other = await createScratchSchema(url, 'foundry_migrate');
    const store = new PostgresStore(other.databaseUrl);
    try {
      await migrate(store, [], wall);
      await store.transaction(async (tx) => {
        await tx.get(`SELECT set_config('foundry.principal', '{"organizationIds":[],"platform":true}', true)`);
        await tx.run(
          `INSERT INTO organizations (id, slug, name, created_at, updated_at)
           VALUES ('o1', 'org-one', 'One', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
        );
        await tx.run(
          `INSERT INTO llm_quotas (organization_id, monthly_token_limit, monthly_cost_limit_nano_usd, updated_at)
           VALUES ('o1', 5000000, 9007199254740993, '2026-01-02T03:04:05.006Z')`,
        );
      });
      expect((await migrate(store, loadMigrations('postgres'), wall, rowLevelSecurityOfMigration)).applied.map((m) => m.name)).toEqual(
        loadMigrations('postgres').map((m) => m.name),
      );
      const read = (claim: string) =>
        store.transaction(async (tx) => {
          await tx.get("SELECT set_config('foundry.principal', :claim, true)", { claim });
          return await tx.all<Record<string, unknown>>(
            `SELECT organization_id, level, subject_id, period, token_limit, cost_limit_nano_usd::text AS cost, updated_at FROM budgets`,
          );
        });
      expect(await read('{"organizationIds":["o1"],"platform":false}')).toEqual([
        {
          organization_id: 'o1',
          level: 'ORGANIZATION',
          subject_id: 'o1',
          period: 'MONTH',
          token_limit: 5000000,
          cost: '9007199254740993',
          updated_at: '2026-01-02T03:04:05.006Z',
        },
      ]);
      // Row-level security holds the new table: another organization's principal sees nothing.
      expect(await read('{"organizationIds":["o2"],"platform":false}')).toEqual([]);
      expect(
        await store.all(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'llm_quotas'",
        ),
      ).toEqual([]);
    } finally {
      await store.close();
      await other.drop();
    }
  });

  /** A row's values in column order, joined by '|': rows compared as lines. */
  const asLine = (row: unknown) =>
    Object.values(row as object)
      .map(String)
      .join('|');

  it('moves a populated baseline schema to the token kinds and price periods, keeping every cost and sum', async () => {
    const other = await createScratchSchema(url, 'foundry_migrate');
    const store = new PostgresStore(other.databaseUrl);
    const T = '2026-03-04T05:06:07.089Z';
    try {
      await migrate(store, [], wall);
      await store.transaction(async (tx) => {
        await tx.run("INSERT INTO organizations (id, slug, name, tier, created_at, updated_at) VALUES ('o1', 'o1', 'O', 'pro', :t, :t)", {
          t: T,
        });
        await tx.run(
          `INSERT INTO model_prices (provider, model, prompt_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, updated_at)
           VALUES ('openai', 'gpt-4o', 2500000, 10000000, :t)`,
          { t: T },
        );
        await tx.run(
          `INSERT INTO llm_usage (id, organization_id, provider, model, prompt_tokens, completion_tokens, cost_nano_usd, created_at)
           VALUES ('u1', 'o1', 'openai', 'gpt-4o', 1000, 200, 4500000, :t), ('u2', 'o1', 'openai', 'gpt-4o', 10, 20, 225000, :t)`,
          { t: T },
        );
        const sums = 'requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd';
        await tx.run(
          `INSERT INTO llm_usage_daily (organization_id, day, provider, model, agent_id, user_id, api_key_id, ${sums})
           VALUES ('o1', '2026-03-04', 'openai', 'gpt-4o', '', '', '', 2, 1010, 220, 1230, 4725000)`,
        );
        await tx.run(
          `INSERT INTO llm_usage_model_daily (organization_id, day, provider, model, ${sums})
           VALUES ('o1', '2026-03-04', 'openai', 'gpt-4o', 2, 1010, 220, 1230, 4725000)`,
        );
      });
      const pending = loadMigrations('postgres');
      const result = await migrate(store, pending, wall, rowLevelSecurityOfMigration);
      expect(result.applied.map((m) => m.version)).toEqual(pending.map((m) => m.version));
      expect(pending.map((m) => m.name)).toContain('token_kinds_prices');
      const periods = await store.all(
        `SELECT provider, model, effective_from, prompt_nano_usd_per_1k_tokens AS prompt, cached_prompt_nano_usd_per_1k_tokens AS cached,
                completion_nano_usd_per_1k_tokens AS completion, reasoning_nano_usd_per_1k_tokens AS reasoning FROM model_price_periods`,
      );
      // In effect since before any usage; cached prompt tokens at the prompt rate, reasoning tokens at the completion rate.
      expect(periods.map(asLine)).toEqual(['openai|gpt-4o|1970-01-01T00:00:00.000Z|2500000|2500000|10000000|10000000']);
      expect(
        await store.all(
          "SELECT table_name FROM information_schema.tables WHERE table_name = 'model_prices' AND table_schema = current_schema()",
        ),
      ).toEqual([]);
      const records =
        'SELECT id, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd, cost_source FROM llm_usage ORDER BY id';
      expect((await store.all(records)).map(asLine)).toEqual(['u1|1000|0|200|0|1200|4500000|computed', 'u2|10|0|20|0|30|225000|computed']);
      const rollup = `SELECT requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd
        FROM TABLE_NAME`;
      for (const table of ['llm_usage_daily', 'llm_usage_model_daily']) {
        expect((await store.all(rollup.replace('TABLE_NAME', table))).map(asLine)).toEqual(['2|1010|0|220|0|1230|4725000']);
      }
      // The trigger functions move the new kinds too.
      await store.transaction((tx) => tx.run("UPDATE llm_usage SET cached_prompt_tokens = 7, reasoning_tokens = 3 WHERE id = 'u2'"));
      for (const table of ['llm_usage_daily', 'llm_usage_model_daily']) {
        expect((await store.all(rollup.replace('TABLE_NAME', table))).map(asLine)).toEqual(['2|1010|7|220|3|1240|4725000']);
      }
    } finally {
      await store.close();
      await other.drop();
    }
  });
});
