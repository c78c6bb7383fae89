// The one place a SQLite connection is opened and configured, with a cache of
// prepared statements and a per-request count of statements run.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { Sqlite } from './driver';
import { SQLITE, type Sql } from './sql';

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = Record<string, SqlValue> | readonly SqlValue[];

/** Statements run and time spent in SQLite during one request (`ms` only when timed, see forRequest). */
export type SqlStats = { statements: number; ms: number };

/** Told of every statement run through a Database (diagnostics, plan tests); never on the hot path unless set. */
export type StatementObserver = (sql: string, params: SqlParams, ms: number) => void;

/** Prepared statements kept per connection; shapes beyond it are prepared again when they return. */
const MAX_STATEMENTS = 2_000;

export class Database {
  readonly raw: BetterSqlite3.Database;
  private readonly statements = new Map<string, Prepared>();
  observer: StatementObserver | null = null;
  private checkpointer: Checkpointer | null = null;
  /** Set on a request's view only (forRequest): where its statements are counted. */
  private stats: SqlStats | null = null;
  private timed = false;

  /**
   * `synchronous` FULL (the default) makes each commit durable against power loss as well as a killed process;
   * NORMAL is the documented trade (FOUNDRY_SYNCHRONOUS): cheaper commits, the last ones lost on power loss.
   */
  constructor(
    private readonly path: string,
    { synchronous = 'FULL' }: { synchronous?: 'FULL' | 'NORMAL' } = {},
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.raw = new Sqlite(path);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('foreign_keys = ON');
    this.raw.pragma('busy_timeout = 5000');
    this.raw.pragma(`synchronous = ${synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.raw.pragma('temp_store = MEMORY');
  }

  /**
   * This connection as one request sees it: every statement run through the
   * view is counted into `stats` (and timed into `stats.ms` when `timed`).
   * The request's context carries its view, and every repo runs its SQL
   * through the context's `db`; better-sqlite3 calls are synchronous, so a
   * statement run through a view belongs to that view's request, however
   * requests interleave at their awaits. The view shares everything else
   * (connection, statement cache) through its prototype: one small object per
   * request, no async context tracking.
   */
  forRequest(stats: SqlStats, timed: boolean): Database {
    const view = Object.create(this) as Database;
    view.stats = stats;
    view.timed = timed;
    return view;
  }

  /**
   * A prepared statement, compiled once per distinct SQL text. Statements that return rows are prepared in raw mode
   * (rows as arrays) with their column names: `rowsOf` makes the objects, faster than the driver's own (see rowsOf).
   */
  statement(sql: string): Prepared {
    let statement = this.statements.get(sql);
    if (!statement && this.statements.size >= MAX_STATEMENTS) {
      // The oldest-prepared statement goes: the cache stays bounded however many shapes queries take.
      this.statements.delete(this.statements.keys().next().value as string);
    }
    if (!statement) {
      const prepared = this.raw.prepare(sql);
      statement = prepared.reader
        ? { run: prepared, rows: prepared.raw(true), columns: prepared.columns().map((c) => c.name) }
        : { run: prepared, rows: null, columns: [] };
      this.statements.set(sql, statement);
    }
    return statement;
  }

  // Each read and write takes hand-written text with named parameters, or a
  // fragment from `sql` (its values bound in order).
  all<Row>(query: string | Sql, params: SqlParams = {}): Row[] {
    const sql = textOf(query);
    const values = valuesOf(query, params);
    return this.measure(() => rowsOf(this.statement(sql), values) as Row[], sql, values);
  }

  /** Streams rows one at a time (for walks over large tables); counted as one statement. */
  *iterate<Row>(query: string | Sql, params: SqlParams = {}): Generator<Row> {
    const sql = textOf(query);
    const values = valuesOf(query, params);
    const statement = this.statement(sql);
    const rows = this.measure(() => readerOf(statement).iterate(values), sql, values) as IterableIterator<unknown[]>;
    for (const row of rows) yield objectOf(statement.columns, row) as Row;
  }

  get<Row>(query: string | Sql, params: SqlParams = {}): Row | undefined {
    const sql = textOf(query);
    const values = valuesOf(query, params);
    return this.measure(
      () => {
        const statement = this.statement(sql);
        const row = readerOf(statement).get(values) as unknown[] | undefined;
        return row === undefined ? undefined : (objectOf(statement.columns, row) as Row);
      },
      sql,
      values,
    );
  }

  run(query: string | Sql, params: SqlParams = {}): BetterSqlite3.RunResult {
    const sql = textOf(query);
    const values = valuesOf(query, params);
    return this.measure(() => this.statement(sql).run.run(values), sql, values);
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }

  /** Runs a whole script (schema files); not for statements with values. */
  exec(script: string): void {
    this.measure(() => this.raw.exec(script), script, {});
  }

  isOpen(): boolean {
    return this.raw.open;
  }

  /**
   * Moves WAL checkpoints to a background thread (src/db/checkpointer.ts), for a connection that serves
   * requests; `onError` hears SQLite error codes only.
   */
  checkpointInBackground(onError: (code: string) => void): void {
    if (this.path === ':memory:' || this.checkpointer) return;
    this.checkpointer = startCheckpointer(this.path, (source) => (this.raw.open ? this.raw.pragma(source) : undefined), onError);
  }

  /** Ends the checkpoint thread after its last checkpoint (before close, on a graceful shutdown). */
  async stopBackgroundCheckpoints(): Promise<void> {
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    await checkpointer?.stop();
  }

  close(): void {
    if (this.checkpointer) {
      void this.checkpointer.stop();
      this.checkpointer = null;
    }
    if (this.raw.open) {
      this.raw.pragma('optimize');
      this.raw.close();
    }
  }

  private measure<T>(fn: () => T, sql: string, params: SqlParams): T {
    const stats = this.stats;
    if (stats) stats.statements += 1;
    const observer = this.observer;
    if (!this.timed && !observer) return fn();
    const started = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - started;
      if (stats && this.timed) stats.ms += ms;
      observer?.(sql, params, ms);
    }
  }
}

/** A prepared statement: `run` as prepared; `rows`, the same statement in raw mode, when it returns rows. */
type Prepared = { run: BetterSqlite3.Statement; rows: BetterSqlite3.Statement | null; columns: string[] };

function readerOf(statement: Prepared): BetterSqlite3.Statement {
  if (!statement.rows) throw new TypeError('This statement returns no rows: use run().');
  return statement.rows;
}

/**
 * The rows of a statement as objects keyed by column name (a later column of the same name wins, as in the
 * driver's own objects). Built here from raw rows: V8 makes them fast objects of one shape per statement, where
 * the driver sets each property through the engine's API; a level of 600 usage rows costs about a quarter less
 * CPU this way (measured in process, alternated).
 */
function rowsOf(statement: Prepared, values: SqlParams): Record<string, unknown>[] {
  const raw = readerOf(statement).all(values) as unknown[][];
  const out = new Array<Record<string, unknown>>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = objectOf(statement.columns, raw[i] as unknown[]);
  return out;
}

function objectOf(columns: readonly string[], row: readonly unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let c = 0; c < columns.length; c++) object[columns[c] as string] = row[c];
  return object;
}

const textOf = (query: string | Sql): string => (typeof query === 'string' ? query : query.textFor(SQLITE));
const valuesOf = (query: string | Sql, params: SqlParams): SqlParams => (typeof query === 'string' ? params : query.values);

/** The current time as the database stores it: UTC ISO-8601 with milliseconds and Z. */
export function isoNow(): string {
  return new Date().toISOString();
}
