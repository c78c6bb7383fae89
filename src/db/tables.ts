// The tables of a database as its own catalogue describes them, on either engine: the columns a copy writes (never
// the generated ones), the identity columns, and the foreign keys, in an order that inserts referenced rows first.
// `foundry migrate` reads them from both ends instead of keeping a list that would drift from the schema.
import type { Reader } from './store';

export type Column = {
  name: string;
  /** GENERATED ALWAYS AS IDENTITY (PostgreSQL): written only with OVERRIDING SYSTEM VALUE, its sequence set after. */
  identity: boolean;
};

/** A foreign key of one column (the only kind the schema has): `column` references `referencedColumn` of `table`. */
export type ForeignKey = { column: string; table: string; referencedColumn: string };

export type Table = { name: string; columns: Column[]; foreignKeys: ForeignKey[] };

/** The migration runner's own bookkeeping: each database records how it was made, never copied. */
const NOT_COPIED = new Set(['schema_migrations']);

/**
 * The copyable tables: on SQLite the ordinary ones (not SQLite's own, not the FTS table and its shadow tables, which
 * the agents' triggers fill), on PostgreSQL the base tables of the schema on the search path.
 */
export async function describeTables(db: Reader): Promise<Table[]> {
  const tables: Table[] = [];
  for (const name of (await tableNames(db)).filter((table) => !NOT_COPIED.has(table))) {
    tables.push(db.engine === 'postgres' ? await postgresTable(db, name) : await sqliteTable(db, name));
  }
  return tables;
}

/** Every table of the gateway's database by name, schema_migrations included (as describeTables, otherwise). */
export async function tableNames(db: Reader): Promise<string[]> {
  return db.engine === 'postgres' ? await postgresTableNames(db) : await sqliteTableNames(db);
}

async function sqliteTableNames(db: Reader): Promise<string[]> {
  const rows = await db.all<{ name: string }>(
    "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  );
  return rows.map((row) => row.name);
}

async function sqliteTable(db: Reader, name: string): Promise<Table> {
  // hidden: 0 an ordinary column, 1 a virtual table's hidden one, 2 and 3 generated (virtual, stored).
  const columns = await db.all<{ name: string }>('SELECT name FROM pragma_table_xinfo(:name) WHERE hidden = 0 ORDER BY cid', { name });
  const foreignKeys = await db.all<ForeignKey>(
    'SELECT "from" AS "column", "table", "to" AS "referencedColumn" FROM pragma_foreign_key_list(:name) ORDER BY id',
    { name },
  );
  return { name, columns: columns.map((column) => ({ name: column.name, identity: false })), foreignKeys };
}

async function postgresTableNames(db: Reader): Promise<string[]> {
  const rows = await db.all<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((row) => row.name);
}

async function postgresTable(db: Reader, name: string): Promise<Table> {
  const columns = await db.all<{ name: string; identity: string }>(
    `SELECT column_name AS name, is_identity AS identity FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = :name AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    { name },
  );
  const foreignKeys = await db.all<ForeignKey>(
    `SELECT a.attname AS "column", rt.relname AS "table", ra.attname AS "referencedColumn"
     FROM pg_constraint c
     JOIN pg_class t ON t.oid = c.conrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     JOIN pg_class rt ON rt.oid = c.confrelid
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
     WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = :name
     ORDER BY c.conname`,
    { name },
  );
  return { name, columns: columns.map((column) => ({ name: column.name, identity: column.identity === 'YES' })), foreignKeys };
}

/**
 * The tables with every referenced table before the tables that reference it (a table referencing itself orders
 * its own rows, see copy.ts). Among the tables ready at each step, those in `last` wait while any other is ready:
 * rows the schema itself puts there (the security epoch) are written after the inserts whose triggers move them.
 */
export function insertOrder(tables: Table[], last: ReadonlySet<string> = new Set()): Table[] {
  const pending = new Map(tables.map((table) => [table.name, table]));
  const ordered: Table[] = [];
  while (pending.size > 0) {
    const ready = [...pending.values()].filter((table) =>
      table.foreignKeys.every((key) => key.table === table.name || !pending.has(key.table)),
    );
    if (ready.length === 0) throw new Error(`the foreign keys of ${[...pending.keys()].join(', ')} form a cycle`);
    const next = ready.find((table) => !last.has(table.name)) ?? (ready[0] as Table);
    ordered.push(next);
    pending.delete(next.name);
  }
  return ordered;
}
