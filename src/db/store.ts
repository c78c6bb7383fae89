// The data layer every repo speaks, whatever engine runs underneath: reads on a Store, writes only through the Tx
// of `store.transaction(async (tx) => …)`. SQLite implements it in connection.ts; a PostgreSQL engine implements
// the same types, so that no repo knows which engine it runs on.
import { type Sql, spell } from './sql';

/** Which engine runs the statements: where the engines' SQL differs, a repo writes each engine's own text. */
export type Engine = 'sqlite' | 'postgres';

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = Record<string, SqlValue> | readonly SqlValue[];

/** Statements run and time spent in the database during one request (`ms` only when timed, see Store.forRequest). */
export type SqlStats = { statements: number; ms: number };

/** Told of every statement run through a Store or its transactions (diagnostics, plan tests); off the hot path unless set. */
export type StatementObserver = (sql: string, params: SqlParams, ms: number) => void;

/** What a write statement reports. */
export type RunResult = { changes: number };

/**
 * Reads. Each takes hand-written text with named parameters, or a fragment from `sql` (its values bound in order).
 * On a Store they see the last committed state; on a Tx they see the transaction's own writes too.
 */
export interface Reader {
  readonly engine: Engine;
  all<Row>(query: string | Sql, params?: SqlParams): Promise<Row[]>;
  get<Row>(query: string | Sql, params?: SqlParams): Promise<Row | undefined>;
  /**
   * Rows one at a time, for walks over large tables (counted as one statement), with the event loop given back
   * between bounded batches; on a Tx, no other statement may run through the Tx until the walk ends.
   */
  iterate<Row>(query: string | Sql, params?: SqlParams): AsyncIterable<Row>;
}

/**
 * One open write transaction: the only way to write. It has no `transaction` of its own (transactions do not
 * nest: a function that writes takes the caller's Tx), and it refuses every statement once its transaction ended.
 */
export interface Tx extends Reader {
  run(query: string | Sql, params?: SqlParams): Promise<RunResult>;
  /** Runs a whole script (schema files); not for statements with values. */
  exec(script: string): Promise<void>;
}

export interface Store extends Reader {
  /**
   * Runs `work` in a write transaction, one at a time (others wait their turn): it commits when `work` resolves
   * and rolls back when it throws. Every statement of `work`, reads included, goes through its `tx`.
   */
  transaction<T>(work: (tx: Tx) => Promise<T> | T): Promise<T>;
  /**
   * This store as one request sees it: every statement run through the view, and through the transactions it
   * opens, is counted into `stats` (and timed into `stats.ms` when `timed`).
   */
  forRequest(stats: SqlStats, timed: boolean): Store;
  /**
   * This store (or view) with the principal's claim (src/auth/rowLevelSecurity.ts): on PostgreSQL its statements
   * run under it, held by row-level security; SQLite has no second wall and answers itself.
   */
  withClaim(claim: string): Store;
  observer: StatementObserver | null;
  isOpen(): boolean;
  /** Waits for the transaction running (and those queued), then closes; nothing runs afterwards. */
  close(): Promise<void>;
}

/** The current time as the database stores it: UTC ISO-8601 with milliseconds and Z. */
export function isoNow(): string {
  return new Date().toISOString();
}

/**
 * The set-returning function that reads a JSON array parameter as rows of text in a column named `value`: a list
 * of ids bound as one value, `x IN (SELECT value FROM ${jsonValues(db)}(:ids))`.
 */
export function jsonValues(db: Reader): string {
  return spell('jsonValues', db.engine);
}
