// Every table's checksum computed inside the database (a row count and a sum of row hashes, so order-free), cheap
// enough to take after each of thousands of writes, where test/helpers/database.ts's snapshot dumps every row.
// SQLite: a hash function of the test's own on a connection of its own; PostgreSQL: md5 of the row's text, summed
// by the server, read through the gateway's store (platform-wide, as the gateway's own reads are).
import { Sqlite } from '../../src/db/driver';
import type { TestServer } from './server';

/** Table name → `count:sum` of its rows' hashes. */
export type Checksums = Record<string, string>;

export type TableChecksums = {
  /** Every table's checksum. */
  all: () => Promise<Checksums>;
  /** The newest audit entry's id. */
  auditMaxId: () => Promise<number>;
  /** The audit log's checksum over entries up to `id` (comparable with `all().audit_log` taken when `id` was the newest). */
  auditUpTo: (id: number) => Promise<string>;
  /** How many audit entries after `id` are not DENIED (a refused write may add DENIED entries only). */
  notDeniedSince: (id: number) => Promise<number>;
  close: () => Promise<void>;
};

// Reads touch an API key's last_used_at (at most once a minute): not a change that a write made.
const IGNORED_COLUMNS = new Set(['last_used_at']);
const HASH_FUNCTION = 'test_row_hash';
const NOT_DENIED_SINCE = "SELECT count(*) AS n FROM audit_log WHERE id > :id AND result <> 'denied'";
const AUDIT_MAX_ID = 'SELECT coalesce(max(id), 0) AS n FROM audit_log';

/** FNV-1a over the row's text; 32 bits, so that a table's sum stays an exact integer. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export async function tableChecksums(server: TestServer): Promise<TableChecksums> {
  return server.services.db.engine === 'postgres' ? await postgresChecksums(server) : sqliteChecksums(server);
}

/**
 * Prepares one aggregate statement over every table (FTS shadow tables left out: their content tables are summed), on
 * a connection of its own that reads the last committed state, as the gateway's read connection does.
 */
function sqliteChecksums(server: TestServer): TableChecksums {
  const raw = new Sqlite(server.databasePath, { fileMustExist: true });
  raw.function(HASH_FUNCTION, { deterministic: true }, (text) => fnv1a(String(text)));
  const tables = raw
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' ORDER BY name")
    .all() as { name: string }[];
  const sumOf = (table: string) => {
    const columns = (raw.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[])
      .map((column) => column.name)
      .filter((column) => !IGNORED_COLUMNS.has(column));
    return `count(*) || ':' || coalesce(sum(${HASH_FUNCTION}(${columns.map((column) => `quote("${column}")`).join(` || '|' || `)})), 0)`;
  };
  const statement = raw.prepare(
    tables.map(({ name }) => `SELECT '${name}' AS name, ${sumOf(name)} AS sum FROM "${name}"`).join(' UNION ALL '),
  );
  const maxId = raw.prepare(AUDIT_MAX_ID);
  const upTo = raw.prepare(`SELECT ${sumOf('audit_log')} AS sum FROM audit_log WHERE id <= :id`);
  const notDenied = raw.prepare(NOT_DENIED_SINCE);
  return {
    all: async () => Object.fromEntries((statement.all() as { name: string; sum: string }[]).map((row) => [row.name, row.sum])),
    auditMaxId: async () => (maxId.get() as { n: number }).n,
    auditUpTo: async (id) => (upTo.get({ id }) as { sum: string }).sum,
    notDeniedSince: async (id) => (notDenied.get({ id }) as { n: number }).n,
    close: async () => {
      raw.close();
    },
  };
}

/** The same statements on PostgreSQL: each row's columns as quoted text, its md5's first 32 bits summed. */
async function postgresChecksums(server: TestServer): Promise<TableChecksums> {
  const db = server.services.db;
  const columns = await db.all<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const { table_name: table, column_name: column } of columns) {
    if (IGNORED_COLUMNS.has(column)) continue;
    byTable.set(table, [...(byTable.get(table) ?? []), column]);
  }
  const sumOf = (table: string) => {
    const text = (byTable.get(table) ?? []).map((column) => `quote_nullable("${column}")`).join(` || '|' || `);
    return `count(*) || ':' || coalesce(sum(('x' || left(md5(${text}), 8))::bit(32)::bigint), 0)`;
  };
  const statement = [...byTable.keys()]
    .sort()
    .map((name) => `SELECT '${name}' AS name, ${sumOf(name)} AS sum FROM "${name}"`)
    .join(' UNION ALL ');
  const upTo = `SELECT ${sumOf('audit_log')} AS sum FROM audit_log WHERE id <= :id`;
  return {
    all: async () => Object.fromEntries((await db.all<{ name: string; sum: string }>(statement)).map((row) => [row.name, row.sum])),
    auditMaxId: async () => (await db.get<{ n: number }>(AUDIT_MAX_ID))?.n ?? 0,
    auditUpTo: async (id) => (await db.get<{ sum: string }>(upTo, { id }))?.sum ?? '',
    notDeniedSince: async (id) => (await db.get<{ n: number }>(NOT_DENIED_SINCE, { id }))?.n ?? 0,
    close: async () => {},
  };
}
