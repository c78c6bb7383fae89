// One better-sqlite3 connection of the SQLite store (src/db/connection.ts) and how a statement runs on it:
// prepared once per connection, counted into the request that ran it, answered as a settled promise.
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { Sqlite } from './driver';
import { SQLITE, type Sql } from './sql';
import type { SqlParams, SqlStats, StatementObserver } from './store';

/** Prepared statements kept per connection; shapes beyond it are prepared again when they return. */
const MAX_STATEMENTS = 2_000;
/** Rows a walk (iterate) reads before it gives the event loop back. */
const WALK_BATCH = 256;

export type Synchronous = 'FULL' | 'NORMAL';

/** One better-sqlite3 connection, configured, with its own cache of prepared statements. */
export class Connection {
  readonly raw: BetterSqlite3.Database;
  private readonly statements = new Map<string, Prepared>();

  /**
   * `synchronous` FULL (the default) makes each commit durable against power loss as well as a killed process;
   * NORMAL is the documented trade (FOUNDRY_SYNCHRONOUS): cheaper commits, the last ones lost on power loss.
   */
  constructor(path: string, synchronous: Synchronous) {
    this.raw = new Sqlite(path);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('foreign_keys = ON');
    this.raw.pragma('busy_timeout = 5000');
    this.raw.pragma(`synchronous = ${synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.raw.pragma('temp_store = MEMORY');
  }

  /**
   * A prepared statement, compiled once per distinct SQL text. A statement that returns rows is put in raw mode
   * (rows as arrays): `objectOf` makes the objects (see there).
   */
  statement(sql: string): Prepared {
    let statement = this.statements.get(sql);
    if (!statement && this.statements.size >= MAX_STATEMENTS) {
      // The oldest-prepared statement goes: the cache stays bounded however many shapes queries take.
      this.statements.delete(this.statements.keys().next().value as string);
    }
    if (!statement) {
      const prepared = this.raw.prepare(sql);
      statement = { statement: prepared.reader ? prepared.raw(true) : prepared, reader: prepared.reader, columns: null };
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Drops every prepared statement, after a script changed the schema: SQLite prepares a statement again on its
   * own when the schema moves, but the column names kept beside it (for `SELECT *`, say) would be the old ones.
   */
  forgetStatements(): void {
    this.statements.clear();
  }
}

/**
 * A prepared statement; one that returns rows answers in raw mode, and `columns` are its column names, read after
 * its first run: SQLite prepares a statement again when it finds the schema moved, and only then are the names
 * those of the rows it returns.
 */
type Prepared = { statement: BetterSqlite3.Statement; reader: boolean; columns: string[] | null };

/** Where statements are counted: a request's view (or the store itself), for its reads and its transactions. */
export type Counter = { stats: SqlStats | null; timed: boolean; observer: StatementObserver | null };

export const ALL = 0;
export const GET = 1;
export const RUN = 2;
type Mode = typeof ALL | typeof GET | typeof RUN;

const textOf = (query: string | Sql): string => (typeof query === 'string' ? query : query.textFor(SQLITE));
const valuesOf = (query: string | Sql, params: SqlParams): SqlParams => (typeof query === 'string' ? params : query.values);

function step(prepared: Prepared, values: SqlParams, mode: Mode): unknown {
  const { statement } = prepared;
  if (mode === RUN) return statement.run(values);
  if (!prepared.reader) throw new TypeError('This statement returns no rows: run it in a transaction.');
  if (mode === GET) {
    const row = statement.get(values) as unknown[] | undefined;
    return row === undefined ? undefined : objectOf(columnsOf(prepared), row);
  }
  const rows = statement.all(values) as unknown[][];
  const objects = new Array<Record<string, unknown>>(rows.length);
  if (rows.length === 0) return objects;
  const columns = columnsOf(prepared);
  for (let i = 0; i < rows.length; i++) objects[i] = objectOf(columns, rows[i] as unknown[]);
  return objects;
}

function columnsOf(prepared: Prepared): string[] {
  if (prepared.columns === null) prepared.columns = prepared.statement.columns().map((column) => column.name);
  return prepared.columns;
}

/**
 * A row as an object keyed by column name (a later column of the same name wins, as in the driver's own objects).
 * Made here from the raw row: V8 gives the objects of one statement one fast shape, where the driver sets each
 * property through the engine's API; a level of 600 usage rows costs about a quarter less CPU this way, and Q2 of
 * the load benchmark a tenth (measured alternated, see bench/README.md).
 */
function objectOf(columns: readonly string[], row: readonly unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let c = 0; c < columns.length; c++) object[columns[c] as string] = row[c];
  return object;
}

/** Runs one statement on `connection`, counted (and timed or observed when asked) into `counter`. */
function execute(connection: Connection, counter: Counter, query: string | Sql, params: SqlParams, mode: Mode): unknown {
  const sql = textOf(query);
  const values = valuesOf(query, params);
  const stats = counter.stats;
  if (stats) stats.statements += 1;
  const observer = counter.observer;
  if (!counter.timed && !observer) return step(connection.statement(sql), values, mode);
  const started = performance.now();
  try {
    return step(connection.statement(sql), values, mode);
  } finally {
    const ms = performance.now() - started;
    if (stats && counter.timed) stats.ms += ms;
    observer?.(sql, values, ms);
  }
}

/** `execute` as a settled promise: the statement ran synchronously, so no more than one promise is made. */
export function settle<T>(connection: Connection, counter: Counter, query: string | Sql, params: SqlParams, mode: Mode): Promise<T> {
  try {
    return Promise.resolve(execute(connection, counter, query, params, mode) as T);
  } catch (error) {
    return Promise.reject(error);
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Walks a statement's rows in batches, giving the event loop back between them; counted as one statement when the
 * walk starts. `open` gives the connection to walk on, `done` runs however the walk ends.
 */
export async function* walk<Row>(
  open: () => BetterSqlite3.Database,
  done: (raw: BetterSqlite3.Database) => void,
  counter: Counter,
  query: string | Sql,
  params: SqlParams,
): AsyncGenerator<Row> {
  const sql = textOf(query);
  const values = valuesOf(query, params);
  if (counter.stats) counter.stats.statements += 1;
  counter.observer?.(sql, values, 0);
  const raw = open();
  try {
    let read = 0;
    for (const row of raw.prepare(sql).iterate(values)) {
      yield row as Row;
      if (++read % WALK_BATCH === 0) await nextTurn();
    }
  } finally {
    done(raw);
  }
}
