// Copies every row of one database into another, either engine to either engine, as `foundry migrate` does: table
// by table in foreign-key order, into one open transaction on the target, in multi-row INSERTs. Values cross as
// the stores read them (booleans 0/1, which PostgreSQL takes for its boolean columns; JSON as its text; sealed
// secrets as their bytes), so every id, time, hash and amount arrives as it was.
import { quoteName } from './postgres/schema';
import type { Reader, SqlValue, Tx } from './store';
import type { ForeignKey, Table } from './tables';

/** Under SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;
const MAX_ROWS_PER_INSERT = 500;

type Row = Record<string, SqlValue>;

/** Rows in a table: a count per table, the copy's check at its end. */
export async function countRows(db: Reader, table: string): Promise<number> {
  const row = await db.get<{ n: number | string }>(`SELECT count(*) AS n FROM ${quoteName(table)}`);
  return Number(row?.n ?? 0);
}

/** Copies the rows of `tables` (in the order given, described by the target) from `source` into `tx`. */
export async function copyTables(
  source: Reader,
  tx: Tx,
  tables: Table[],
  copied: (table: string) => void = () => undefined,
): Promise<void> {
  for (const table of tables) {
    await copyTable(source, tx, table);
    copied(table.name);
  }
  if (tx.engine === 'postgres') await advanceIdentities(tx, tables);
}

async function copyTable(source: Reader, tx: Tx, table: Table): Promise<void> {
  const columns = table.columns.map((column) => column.name);
  if (columns.length === 0) return;
  const rowsPerInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length)));
  const rows = source.iterate<Row>(`SELECT ${columns.map(quoteName).join(', ')} FROM ${quoteName(table.name)}`);
  const ownKeys = table.foreignKeys.filter((key) => key.table === table.name);
  // A row may reference a row of its own table (a key made by a key): the referenced one is inserted first.
  const ordered = ownKeys.length > 0 ? referencedFirst(await collect(rows), ownKeys) : rows;
  let batch: SqlValue[] = [];
  for await (const row of ordered) {
    for (const column of columns) batch.push(row[column] ?? null);
    if (batch.length === rowsPerInsert * columns.length) {
      await insertRows(tx, table, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await insertRows(tx, table, batch);
}

function insertRows(tx: Tx, table: Table, values: SqlValue[]): Promise<unknown> {
  const width = table.columns.length;
  const row = `(${table.columns.map(() => '?').join(', ')})`;
  const rows = Array.from({ length: values.length / width }, () => row).join(', ');
  // An identity column generated ALWAYS takes the copied ids only when told so.
  const overriding = tx.engine === 'postgres' && table.columns.some((column) => column.identity) ? ' OVERRIDING SYSTEM VALUE' : '';
  const names = table.columns.map((column) => quoteName(column.name)).join(', ');
  return tx.run(`INSERT INTO ${quoteName(table.name)} (${names})${overriding} VALUES ${rows}`, values);
}

/** The identity sequences start past the copied ids, so that the next row the gateway writes gets a new one. */
async function advanceIdentities(tx: Tx, tables: Table[]): Promise<void> {
  for (const table of tables) {
    for (const column of table.columns.filter((c) => c.identity)) {
      await tx.get(
        `SELECT setval(pg_get_serial_sequence(:table, :column), m.id) FROM (SELECT max(${quoteName(column.name)}) AS id FROM ${quoteName(table.name)}) m WHERE m.id IS NOT NULL`,
        { table: quoteName(table.name), column: column.name },
      );
    }
  }
}

async function collect(rows: AsyncIterable<Row>): Promise<Row[]> {
  const all: Row[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

/** The rows with each one after the rows of the same table it references (by `keys`). */
export function referencedFirst(rows: Row[], keys: ForeignKey[]): Row[] {
  const indexes = keys.map((key) => ({ key, rows: new Map(rows.map((row) => [row[key.referencedColumn], row])) }));
  const ordered: Row[] = [];
  const state = new Map<Row, 'visiting' | 'done'>();
  const visit = (row: Row) => {
    const seen = state.get(row);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error('rows of one table reference each other in a cycle');
    state.set(row, 'visiting');
    for (const { key, rows: byValue } of indexes) {
      const value = row[key.column];
      const referenced = value === null || value === undefined ? undefined : byValue.get(value);
      if (referenced && referenced !== row) visit(referenced);
    }
    state.set(row, 'done');
    ordered.push(row);
  };
  for (const row of rows) visit(row);
  return ordered;
}
