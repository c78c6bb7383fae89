// The one place a SQLite connection is opened and configured, with a cache of
// prepared statements and (optionally) a per-request count of statements run.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { Sqlite } from './driver';

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = Record<string, SqlValue> | SqlValue[];

/** Statements run and time spent in SQLite during one request. */
export type SqlStats = { statements: number; ms: number };

const statsStore = new AsyncLocalStorage<SqlStats>();

/** Runs `fn` counting every statement it (and whatever it awaits) runs through a Database. */
export function withSqlStats<T>(stats: SqlStats, fn: () => T): T {
  return statsStore.run(stats, fn);
}

/** Told of every statement run through a Database (diagnostics, plan tests); never on the hot path unless set. */
export type StatementObserver = (sql: string, params: SqlParams, ms: number) => void;

export class Database {
  readonly raw: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  observer: StatementObserver | null = null;
  private checkpointer: Checkpointer | null = null;

  constructor(private readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.raw = new Sqlite(path);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('foreign_keys = ON');
    this.raw.pragma('busy_timeout = 5000');
    this.raw.pragma('synchronous = NORMAL');
    this.raw.pragma('temp_store = MEMORY');
  }

  /** A prepared statement, compiled once per distinct SQL text. */
  statement(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<Row>(sql: string, params: SqlParams = {}): Row[] {
    return this.measure(() => this.statement(sql).all(params) as Row[], sql, params);
  }

  /** Streams rows one at a time (for walks over large tables); counted as one statement. */
  *iterate<Row>(sql: string, params: SqlParams = {}): Generator<Row> {
    const rows = this.measure(() => this.statement(sql).iterate(params), sql, params) as IterableIterator<Row>;
    yield* rows;
  }

  get<Row>(sql: string, params: SqlParams = {}): Row | undefined {
    return this.measure(() => this.statement(sql).get(params) as Row | undefined, sql, params);
  }

  run(sql: string, params: SqlParams = {}): BetterSqlite3.RunResult {
    return this.measure(() => this.statement(sql).run(params), sql, params);
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
    const stats = statsStore.getStore();
    const observer = this.observer;
    if (!stats && !observer) return fn();
    const started = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - started;
      if (stats) {
        stats.statements += 1;
        stats.ms += ms;
      }
      observer?.(sql, params, ms);
    }
  }
}

/** The current time as the database stores it: UTC ISO-8601 with milliseconds and Z. */
export function isoNow(): string {
  return new Date().toISOString();
}
