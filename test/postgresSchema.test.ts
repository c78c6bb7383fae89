// The PostgreSQL schema against a migrated SQLite file: the same tables, columns, indexes, triggers and foreign
// keys (differences listed below, on purpose), the same CHECKs refusing the same rows, the rollup triggers
// moving the same sums, the append-only audit log and the agents' word-prefix search.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteStore } from '../src/db/connection';
import { Sqlite } from '../src/db/driver';
import { loadMigrations, migrate } from '../src/db/migrate';
import { POSTGRES_BASELINE_VERSION, quoteName } from '../src/db/postgres/schema';
import { tsQuery } from '../src/db/postgres/search';
import { DATA_SET, insertStatement, organizationRows, type Row, TIME } from './helpers/engineRows';
import { createTestSchema, describeOnPostgres, type TestSchema } from './helpers/postgres';

/** What SQLite has and PostgreSQL does not, and the reverse: each on purpose. */
const SQLITE_ONLY = {
  // FTS5's table and its shadow tables; agents.search (a generated tsvector) replaces them.
  tables: ['agents_fts', 'agents_fts_config', 'agents_fts_data', 'agents_fts_docsize', 'agents_fts_idx', 'schema_migrations'],
  triggers: ['agents_fts_delete', 'agents_fts_insert', 'agents_fts_update'],
};
const POSTGRES_ONLY = {
  columns: ['agents.search'],
  // The search's GIN index, the tag filter's GIN index, and the email's case-folded uniqueness (SQLite's
  // sqlite_autoindex_users_1 under COLLATE NOCASE).
  indexes: ['agents_search', 'agents_tags', 'users_email'],
  // TRUNCATE is PostgreSQL's third way to rewrite a table.
  triggers: ['audit_log_no_truncate'],
};
// schema_migrations is made by the migration runner on each engine, not by the schema files.

const ON_DELETE: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

let dir: string;
let sqlite: BetterSqlite3.Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foundry-pg-schema-'));
  const path = join(dir, 'foundry.db');
  const db = new SqliteStore(path);
  await migrate(db);
  await db.close();
  sqlite = new Sqlite(path);
  sqlite.pragma('foreign_keys = ON');
  for (const [table, row] of DATA_SET) {
    const { text, values } = insertStatement(table, row, 'sqlite');
    sqlite.prepare(text).run(...values);
  }
});

afterAll(() => {
  sqlite?.close();
  rmSync(dir, { recursive: true, force: true });
});

function sqliteNames(type: 'table' | 'index' | 'trigger'): string[] {
  return sqlite
    .prepare<[string], { name: string }>("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all(type)
    .map((row) => row.name);
}

/** An index definition in one spelling: lower case, single spaces, no parentheses around a lone name. */
const normalized = (definition: string) =>
  definition
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\((\w+)\)/g, '$1')
    .trim();

const without = (names: string[], dropped: string[]) => names.filter((name) => !dropped.includes(name)).sort();

describeOnPostgres('the PostgreSQL schema', (url) => {
  let pg: TestSchema;
  beforeAll(async () => {
    pg = await createTestSchema(url);
    for (const [table, row] of DATA_SET) {
      const { text, values } = insertStatement(table, row, 'postgres');
      await pg.client.query(text, values);
    }
  });
  afterAll(async () => {
    await pg?.drop();
  });

  async function pgNames(sql: string): Promise<string[]> {
    const { rows } = await pg.client.query<{ name: string }>(sql, [pg.schema]);
    return rows.map((row) => row.name).sort();
  }

  it('with its migrations, stands for every SQLite migration: one PostgreSQL file per SQLite file past the baseline', () => {
    const past = (engine: 'sqlite' | 'postgres') =>
      loadMigrations(engine)
        .filter((m) => m.version > POSTGRES_BASELINE_VERSION)
        .map(({ version, name }) => ({ version, name }));
    expect(past('postgres')).toEqual(past('sqlite'));
    expect(Math.max(POSTGRES_BASELINE_VERSION, ...loadMigrations('postgres').map((m) => m.version))).toBe(
      Math.max(...loadMigrations().map((m) => m.version)),
    );
  });

  it('has every table of the migrated SQLite file, and no other', async () => {
    const tables = await pgNames(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
    );
    expect(tables).toEqual(without(sqliteNames('table'), SQLITE_ONLY.tables));
  });

  it('has every column of every table, with the same nullability', async () => {
    const expected: string[] = [];
    for (const table of without(sqliteNames('table'), SQLITE_ONLY.tables)) {
      const columns = sqlite
        .prepare<[string], { name: string; notnull: number; pk: number }>('SELECT name, "notnull", pk FROM pragma_table_xinfo(?)')
        .all(table);
      for (const c of columns) expected.push(`${table}.${c.name} ${c.notnull || c.pk ? 'NOT NULL' : 'NULL'}`);
    }
    const { rows } = await pg.client.query<{ name: string }>(
      `SELECT table_name || '.' || column_name || CASE WHEN is_nullable = 'YES' THEN ' NULL' ELSE ' NOT NULL' END AS name
       FROM information_schema.columns WHERE table_schema = $1`,
      [pg.schema],
    );
    const actual = rows.map((row) => row.name).filter((name) => !POSTGRES_ONLY.columns.includes(name.split(' ')[0] as string));
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('has every index of the migrated SQLite file, on the same columns and expressions', async () => {
    const { rows } = await pg.client.query<{ name: string; definition: string }>(
      `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = $1
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = to_regnamespace($1) AND contype IN ('p', 'u'))`,
      [pg.schema],
    );
    expect(rows.map((row) => row.name).sort()).toEqual([...sqliteNames('index'), ...POSTGRES_ONLY.indexes].sort());
    // PostgreSQL's spelling brought to SQLite's: no schema, no btree (the default), no casts, no parentheses
    // around a partial index's predicate.
    const postgres = rows
      .filter((row) => !POSTGRES_ONLY.indexes.includes(row.name))
      .map((row) =>
        normalized(
          row.definition
            .replace(` ${pg.schema}.`, ' ')
            .replace(' USING btree', '')
            .replace(/::\w+/g, '')
            .replace(/ WHERE \((.*)\)$/, ' WHERE $1')
            // PostgreSQL keeps `x IN ('a', 'b')` as `x = ANY (ARRAY['a', 'b'])`.
            .replace(/ = ANY \(ARRAY\[(.*?)\]\)/, ' IN ($1)'),
        ),
      );
    const sqliteDefinitions = sqlite
      .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
      .all()
      .map((row) => normalized(row.sql));
    expect(postgres.sort()).toEqual(sqliteDefinitions.sort());
  });

  it('has every trigger of the migrated SQLite file by name', async () => {
    const triggers = await pgNames(
      `SELECT DISTINCT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       WHERE c.relnamespace = to_regnamespace($1) AND NOT t.tgisinternal`,
    );
    expect(triggers).toEqual([...without(sqliteNames('trigger'), SQLITE_ONLY.triggers), ...POSTGRES_ONLY.triggers].sort());
  });

  it('has every foreign key with the same ON DELETE action', async () => {
    const expected: string[] = [];
    for (const table of without(sqliteNames('table'), SQLITE_ONLY.tables)) {
      const keys = sqlite
        .prepare<[string], { table: string; from: string; to: string; on_delete: string }>('SELECT * FROM pragma_foreign_key_list(?)')
        .all(table);
      for (const k of keys) expected.push(`${table}.${k.from} -> ${k.table}.${k.to} ON DELETE ${k.on_delete}`);
    }
    const { rows } = await pg.client.query<{ source: string; target: string; action: string }>(
      `SELECT c.conrelid::regclass || '.' || a.attname AS source, c.confrelid::regclass || '.' || r.attname AS target,
              c.confdeltype AS action
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
       WHERE c.contype = 'f' AND c.connamespace = to_regnamespace($1)`,
      [pg.schema],
    );
    const actual = rows.map((row) => `${row.source} -> ${row.target} ON DELETE ${ON_DELETE[row.action]}`);
    expect(actual.sort()).toEqual(expected.sort());
  });

  /** Whether each engine takes the row, inside a transaction rolled back after. */
  async function accepted(table: string, row: Row): Promise<{ sqlite: boolean; postgres: boolean | string }> {
    const lite = insertStatement(table, row, 'sqlite');
    let sqliteTook = true;
    sqlite.exec('BEGIN');
    try {
      sqlite.prepare(lite.text).run(...lite.values);
    } catch {
      sqliteTook = false;
    } finally {
      sqlite.exec('ROLLBACK');
    }
    const { text, values } = insertStatement(table, row, 'postgres');
    await pg.client.query('BEGIN');
    try {
      await pg.client.query(text, values);
      return { sqlite: sqliteTook, postgres: true };
    } catch (error) {
      // A refusal of the value itself: a constraint (23…) or a value the column's type cannot hold (22…).
      const code = (error as { code?: string }).code ?? '';
      return { sqlite: sqliteTook, postgres: /^2[23]/.test(code) ? false : code };
    } finally {
      await pg.client.query('ROLLBACK');
    }
  }

  /** Values that keep a checked row clear of the data set's keys and unique columns. */
  const FRESH: Record<string, Row> = {
    organizations: { slug: 'org-check' },
    domains: { name: 'd-check' },
    instances: { name: 'i-check' },
    agents: { name: 'agent-check' },
    agent_versions: { version: '0.2.0' },
    integration_configs: { integration: 'check' },
    api_keys: { key_id: 'key-check' },
    llm_usage_daily: { model: 'check' },
    llm_usage_model_daily: { model: 'check' },
    budgets: { period: 'DAY' },
  };
  const base = (table: string): Row => {
    const found = organizationRows('A').find(([name]) => name === table);
    if (!found) throw new Error(`no row of ${table}`);
    const row: Row = { ...found[1], ...FRESH[table] };
    if (typeof row.id === 'string') row.id = `${row.id}-check`;
    return row;
  };
  const standalone: Record<string, Row> = {
    users: { id: 'u-check', email: 'check@example.com', name: 'C', created_at: TIME, updated_at: TIME },
    login_failures: { kind: 'email', subject: 'f'.repeat(64), failures: 1, last_failure_at: 1, locked_until: 0 },
    permissions: { code: 'x:read', resource: 'x', action: 'read', scope: 'org', description: 'x' },
    roles: { id: 'r-check', name: 'check', level: 'org', description: 'x', created_at: TIME },
    model_price_periods: {
      provider: 'p',
      model: 'm',
      effective_from: TIME,
      prompt_nano_usd_per_1k_tokens: 1,
      cached_prompt_nano_usd_per_1k_tokens: 1,
      completion_nano_usd_per_1k_tokens: 1,
      reasoning_nano_usd_per_1k_tokens: 1,
      updated_at: TIME,
    },
  };
  const BAD_ROWS: [string, Row][] = [
    ['organizations', { slug: 'Acme' }],
    ['organizations', { slug: 'a' }],
    ['organizations', { name: '' }],
    ['organizations', { tier: 'gold' }],
    ['organizations', { settings: '[]' }],
    ['organizations', { settings: 'not json' }],
    ['domains', { display_name: 'x'.repeat(201) }],
    ['instances', { status: 'paused' }],
    ['instances', { environment: 'test' }],
    ['agents', { tags: '{}' }],
    ['agents', { config: '"text"' }],
    ['agents', { status: 'deleted' }],
    ['agents', { is_system_agent: 2 }],
    ['agent_versions', { snapshot: '[]' }],
    ['integration_configs', { integration: '' }],
    ['sessions', { status: 'completed' }],
    ['sessions', { status: 'completed', ended_at: '2025-12-31T00:00:00.000Z' }],
    ['sessions', { ended_at: '2026-01-02T00:00:00.000Z' }],
    ['audit_log', { action: 'Agent.create' }],
    ['audit_log', { action: 'agentcreate' }],
    ['audit_log', { actor_kind: 'robot' }],
    ['audit_log', { result: 'ok' }],
    ['audit_log', { metadata: '[]' }],
    ['llm_usage', { prompt_tokens: -1 }],
    ['llm_usage', { cost_nano_usd: -1 }],
    ['llm_usage', { latency_ms: -1 }],
    ['llm_usage_daily', { day: '2026-1-01' }],
    ['llm_usage_model_daily', { requests: -1 }],
    ['api_keys', { name: '' }],
    ['users', { email: 'nobody' }],
    ['users', { name: '' }],
    ['users', { is_active: 2 }],
    ['login_failures', { kind: 'ip' }],
    ['login_failures', { subject: 'f'.repeat(63) }],
    ['login_failures', { failures: 0 }],
    ['permissions', { scope: 'world' }],
    ['roles', { level: 'tenant' }],
    ['model_price_periods', { prompt_nano_usd_per_1k_tokens: -1 }],
    ['model_price_periods', { cached_prompt_nano_usd_per_1k_tokens: -1 }],
    ['model_price_periods', { reasoning_nano_usd_per_1k_tokens: -1 }],
    ['llm_usage', { cached_prompt_tokens: -1 }],
    ['llm_usage', { reasoning_tokens: -1 }],
    ['llm_usage', { cost_source: 'guessed' }],
    ['budgets', { level: 'TEAM' }],
    ['budgets', { period: 'YEAR' }],
    ['budgets', { alert_at_percent: 0 }],
    ['budgets', { alert_at_percent: 101 }],
    ['budgets', { token_limit: -1 }],
    ['budgets', { subject_id: 'k-B' }],
    ['budgets', { level: 'AGENT' }],
  ];

  it('refuses the same bad rows as SQLite, and takes the same good ones', async () => {
    const results: string[] = [];
    const expected: string[] = [];
    for (const [table, bad] of BAD_ROWS) {
      const good = standalone[table] ?? base(table);
      const label = `${table} ${JSON.stringify(bad)}`;
      results.push(`${label} good ${JSON.stringify(await accepted(table, good))}`);
      results.push(`${label} bad ${JSON.stringify(await accepted(table, { ...good, ...bad }))}`);
      expected.push(`${label} good {"sqlite":true,"postgres":true}`, `${label} bad {"sqlite":false,"postgres":false}`);
    }
    expect(results).toEqual(expected);
  });

  it('refuses an email that differs from another only in case, as COLLATE NOCASE does', async () => {
    const row = { ...standalone.users, email: 'A@Example.com' } as Row;
    expect(await accepted('users', row)).toEqual({ sqlite: false, postgres: false });
    expect(await accepted('users', { ...row, email: 'Ä@example.com' })).toEqual({ sqlite: true, postgres: true });
  });

  it('refuses times SQLite would take: another spelling, or an instant that does not exist', async () => {
    const row = base('domains');
    for (const created_at of [
      '2026-01-01T00:00:00Z',
      '2026-01-01 00:00:00.000Z',
      '2026-01-01T00:00:00.000+00:00',
      '2026-02-30T00:00:00.000Z',
    ]) {
      expect(await accepted('domains', { ...row, created_at })).toEqual({ sqlite: true, postgres: false });
    }
  });

  it("moves the usage rollups on an update and a deletion as SQLite's triggers do", async () => {
    const changes = [
      "UPDATE llm_usage SET agent_id = NULL WHERE id = 'lu-A'",
      "UPDATE llm_usage SET prompt_tokens = 25 WHERE id = 'lu-B'",
      "UPDATE llm_usage SET cached_prompt_tokens = 40, reasoning_tokens = 9 WHERE id = 'lu-B'",
      "UPDATE llm_usage SET reasoning_tokens = 3 WHERE id = 'lu-A'",
      "UPDATE llm_usage SET model = 'gpt-2' WHERE id = 'lu-B'",
      "UPDATE llm_usage SET user_id = 'u-B' WHERE id = 'lu-B'",
      "UPDATE llm_usage SET created_at = '2026-01-02T10:00:00.000Z' WHERE id = 'lu-A'",
      "DELETE FROM llm_usage WHERE id = 'lu-B'",
    ];
    // Columns by name: PostgreSQL's migration added the new token sums last, SQLite's made the table again.
    const sums = 'requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd';
    const rollups = `SELECT organization_id, day, provider, model, agent_id, user_id, api_key_id, ${sums} FROM llm_usage_daily ORDER BY 1, 2, 3, 4, 5, 6, 7`;
    const modelRollups = `SELECT organization_id, day, provider, model, ${sums} FROM llm_usage_model_daily ORDER BY 1, 2, 3, 4`;
    // Rows as text, whichever engine read them (pg gives bigint as text).
    const asText = (rows: Record<string, unknown>[]) => rows.map((row) => Object.values(row).map(String).join('|'));
    const afterEach = { sqlite: [] as string[][], postgres: [] as string[][] };
    sqlite.exec('BEGIN');
    await pg.client.query('BEGIN');
    try {
      for (const change of changes) {
        sqlite.exec(change);
        await pg.client.query(change);
        for (const query of [rollups, modelRollups]) {
          afterEach.sqlite.push(asText(sqlite.prepare(query).all() as Record<string, unknown>[]));
          afterEach.postgres.push(asText((await pg.client.query(query)).rows));
        }
      }
    } finally {
      sqlite.exec('ROLLBACK');
      await pg.client.query('ROLLBACK');
    }
    expect(afterEach.postgres).toEqual(afterEach.sqlite);
    // lu-A alone: 10 prompt, 0 cached, 5 completion and 3 reasoning tokens, 18 in all.
    expect(afterEach.sqlite.at(-2)).toEqual(['A|2026-01-02|openai|gpt||||1|10|0|5|3|18|100']);
  });

  it('keeps the audit log append-only, for its owner too', async () => {
    // A superuser passes row-level security: the triggers refuse every change.
    for (const statement of ["UPDATE audit_log SET result = 'error'", 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await expect(pg.client.query(statement)).rejects.toThrow(/audit_log is append-only/);
    }
    // The owner, even as a platform principal, meets the wall first: the audit log has policies to read and to
    // append, none to update or delete, so those reach no row; TRUNCATE, which the wall does not cover, meets the trigger.
    await pg.client.query(`SET ROLE ${quoteName(pg.ownerRole)}`);
    await pg.client.query(`SELECT set_config('foundry.principal', '{"organizationIds":[],"platform":true}', false)`);
    try {
      for (const statement of ["UPDATE audit_log SET result = 'error'", 'DELETE FROM audit_log']) {
        expect((await pg.client.query(statement)).rowCount).toBe(0);
      }
      await expect(pg.client.query('TRUNCATE audit_log')).rejects.toThrow(/audit_log is append-only/);
      const { rows } = await pg.client.query<{ n: string; errors: string }>(
        "SELECT count(*) AS n, count(*) FILTER (WHERE result = 'error') AS errors FROM audit_log",
      );
      expect(rows[0]).toEqual({ n: '3', errors: '0' });
    } finally {
      await pg.client.query(`SELECT set_config('foundry.principal', '', false)`);
      await pg.client.query('RESET ROLE');
    }
  });

  it('finds an agent by word prefixes of its name, display name and description, folding case and accents', async () => {
    await pg.client.query(
      `UPDATE agents SET name = 'it-helpdesk_agent', display_name = 'Résumé Screener', description = 'Resets passwords' WHERE id = 'a-A'`,
    );
    const found = async (text: string) => {
      const { rows } = await pg.client.query<{ id: string }>('SELECT id FROM agents WHERE search @@ $1::tsquery ORDER BY id', [
        tsQuery(text),
      ]);
      return rows.map((row) => row.id);
    };
    expect(await found('resume pass')).toEqual(['a-A']);
    expect(await found('SCREEN helpdesk')).toEqual(['a-A']);
    expect(await found('agent')).toEqual(['a-A', 'a-B']);
    expect(await found('password resetz')).toEqual([]);
    expect(await found('screen" & "*')).toEqual(['a-A']);
    expect(tsQuery('"*" ()')).toBeNull();
  });
});
