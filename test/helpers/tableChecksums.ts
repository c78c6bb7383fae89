// Every table's checksum computed inside SQLite (a row count and a sum of row hashes, so order-free), cheap
// enough to take after each of thousands of writes, where test/helpers/database.ts's snapshot dumps every row.
import { Sqlite } from '../../src/db/driver';
import type { TestServer } from './server';

/** Table name → `count:sum` of its rows' hashes. */
export type Checksums = Record<string, string>;

export type TableChecksums = {
  /** Every table's checksum. */
  all: () => Checksums;
  /** The newest audit entry's id. */
  auditMaxId: () => number;
  /** The audit log's checksum over entries up to `id` (comparable with `all().audit_log` taken when `id` was the newest). */
  auditUpTo: (id: number) => string;
  /** How many audit entries after `id` are not DENIED (a refused write may add DENIED entries only). */
  notDeniedSince: (id: number) => number;
  close: () => void;
};

// Reads touch an API key's last_used_at (at most once a minute): not a change that a write made.
const IGNORED_COLUMNS = new Set(['last_used_at']);
const HASH_FUNCTION = 'test_row_hash';

/** FNV-1a over the row's text; 32 bits, so that a table's sum stays an exact integer. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Prepares one aggregate statement over every table (FTS shadow tables left out: their content tables are summed), on
 * a connection of its own that reads the last committed state, as the gateway's read connection does.
 */
export function tableChecksums(server: TestServer): TableChecksums {
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
  const maxId = raw.prepare('SELECT coalesce(max(id), 0) AS n FROM audit_log');
  const upTo = raw.prepare(`SELECT ${sumOf('audit_log')} AS sum FROM audit_log WHERE id <= ?`);
  const notDenied = raw.prepare("SELECT count(*) AS n FROM audit_log WHERE id > ? AND result <> 'denied'");
  return {
    all: () => Object.fromEntries((statement.all() as { name: string; sum: string }[]).map((row) => [row.name, row.sum])),
    auditMaxId: () => (maxId.get() as { n: number }).n,
    auditUpTo: (id) => (upTo.get(id) as { sum: string }).sum,
    notDeniedSince: (id) => (notDenied.get(id) as { n: number }).n,
    close: () => raw.close(),
  };
}
