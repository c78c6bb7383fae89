// The SQLite engine of the Store (src/db/store.ts): a read connection for every read outside a transaction, and a
// writer connection that runs one write transaction at a time (WriteQueue). An open transaction's rows stay on the
// writer until it commits, so a request reading meanwhile, on the read connection, sees the last committed state
// (WAL), never rows that may still roll back, and never runs a statement inside another request's transaction.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { Sqlite } from './driver';
import type { Sql } from './sql';
import { ALL, Connection, type Counter, GET, RUN, type Synchronous, settle, walk } from './sqliteConnection';
import type { Engine, RunResult, SqlParams, SqlStats, StatementObserver, Store, Tx } from './store';
import { WriteQueue } from './writeQueue';

export class SqliteStore implements Store {
  readonly engine: Engine = 'sqlite';
  private readonly path: string;
  /** Set when the store was opened on `:memory:`: the temporary directory of the file it uses instead. */
  private readonly temporaryDir: string | null;
  private readonly reader: Connection;
  private readonly writer: Connection;
  private readonly queue = new WriteQueue();
  private checkpointer: Checkpointer | null = null;
  private closing = false;
  observer: StatementObserver | null = null;
  /** Set on a request's view only (forRequest): where its statements are counted. */
  stats: SqlStats | null = null;
  timed = false;

  /**
   * `:memory:` opens a temporary file instead (removed on close): the read and writer connections must share one
   * database, which two connections to `:memory:` would not.
   */
  constructor(path: string, { synchronous = 'FULL' }: { synchronous?: Synchronous } = {}) {
    this.temporaryDir = path === ':memory:' ? mkdtempSync(join(tmpdir(), 'foundry-memory-')) : null;
    this.path = this.temporaryDir ? join(this.temporaryDir, 'memory.db') : path;
    mkdirSync(dirname(this.path), { recursive: true });
    // The writer first: it makes the file and turns on WAL, which the read connection then finds.
    this.writer = new Connection(this.path, synchronous);
    this.reader = new Connection(this.path, synchronous);
    // Writes belong in transactions, on the writer: a write sent to the read connection fails instead of committing alone.
    this.reader.raw.pragma('query_only = ON');
  }

  /**
   * This store as one request sees it. The request's context carries its view, and every repo runs its SQL through
   * the context's `db`; better-sqlite3 calls are synchronous, so a statement run through a view belongs to that
   * view's request, however requests interleave at their awaits. The view shares everything else (connections,
   * statement caches, the write queue) through its prototype: one small object per request, no async context tracking.
   */
  forRequest(stats: SqlStats, timed: boolean): SqliteStore {
    const view = Object.create(this) as SqliteStore;
    view.stats = stats;
    view.timed = timed;
    return view;
  }

  withClaim(_claim: string): SqliteStore {
    return this;
  }

  all<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row[]> {
    return settle<Row[]>(this.reader, this, query, params, ALL);
  }

  get<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row | undefined> {
    return settle<Row | undefined>(this.reader, this, query, params, GET);
  }

  /**
   * A walk reads on a connection of its own, opened for it: its read transaction stays open while it walks (one
   * consistent snapshot), and the shared read connection stays free for every other request meanwhile.
   */
  iterate<Row>(query: string | Sql, params: SqlParams = {}): AsyncIterable<Row> {
    const open = () => {
      const own = new Sqlite(this.path, { fileMustExist: true });
      own.pragma('busy_timeout = 5000');
      own.pragma('query_only = ON');
      return own;
    };
    return walk<Row>(open, (own) => own.close(), this, query, params);
  }

  async transaction<T>(work: (tx: Tx) => Promise<T> | T): Promise<T> {
    if (this.closing) throw new Error('the database is closed');
    const turn = this.queue.acquire();
    if (turn) await turn;
    try {
      return await this.runTransaction(work);
    } finally {
      this.queue.release();
    }
  }

  private async runTransaction<T>(work: (tx: Tx) => Promise<T> | T): Promise<T> {
    const raw = this.writer.raw;
    this.writer.statement('BEGIN IMMEDIATE').statement.run();
    const tx = new SqliteTx(this.writer, this, () => {
      for (const connection of [this.writer, this.reader]) connection.forgetStatements();
    });
    try {
      const result = await work(tx);
      tx.end();
      this.writer.statement('COMMIT').statement.run();
      return result;
    } catch (error) {
      tx.end();
      if (raw.inTransaction) this.writer.statement('ROLLBACK').statement.run();
      throw error;
    }
  }

  isOpen(): boolean {
    return !this.closing && this.writer.raw.open;
  }

  /**
   * Runs `fn` on the writer connection between transactions (none is open, none starts meanwhile): for what may not
   * run inside a transaction (VACUUM), per-connection pragmas, and bulk loaders (bench data sets).
   */
  async withWriter<T>(fn: (raw: BetterSqlite3.Database) => T): Promise<T> {
    if (this.closing) throw new Error('the database is closed');
    const turn = this.queue.acquire();
    if (turn) await turn;
    try {
      return fn(this.writer.raw);
    } finally {
      this.queue.release();
    }
  }

  /** Runs `source` (e.g. `secure_delete = ON`, `wal_checkpoint(TRUNCATE)`) on the writer connection, between transactions. */
  pragma(source: string): Promise<unknown> {
    return this.withWriter((raw) => raw.pragma(source));
  }

  /**
   * Has every connection load the planner's statistics (sqlite_stat1) again: a connection reads them when it opens
   * or its schema changes, not when ANALYZE runs on another one.
   */
  async reloadStatistics(): Promise<void> {
    await this.withWriter((raw) => raw.exec('ANALYZE sqlite_schema'));
    // Loading statistics counts as a write to SQLite: the read connection lifts query_only for that moment.
    this.reader.raw.pragma('query_only = OFF');
    try {
      this.reader.raw.exec('ANALYZE sqlite_schema');
    } finally {
      this.reader.raw.pragma('query_only = ON');
    }
  }

  /** An online, consistent copy of the database into a new file (SQLite's backup API, from the read connection). */
  async backup(to: string): Promise<void> {
    await this.reader.raw.backup(to);
  }

  /**
   * Moves WAL checkpoints to a background thread (src/db/checkpointer.ts), for a store that serves requests;
   * `onError` hears SQLite error codes only.
   */
  checkpointInBackground(onError: (code: string) => void): void {
    if (this.temporaryDir || this.checkpointer) return;
    const pragma = (source: string) => {
      // Commits (and with them automatic checkpoints) happen on the writer; the read connection is set alike.
      for (const connection of [this.writer, this.reader]) if (connection.raw.open) connection.raw.pragma(source);
    };
    this.checkpointer = startCheckpointer(this.path, pragma, onError);
  }

  /** Waits for the transactions running and queued, ends the checkpoint thread after its last checkpoint, and closes. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const turn = this.queue.acquire();
    if (turn) await turn;
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    await checkpointer?.stop();
    if (this.writer.raw.open) {
      this.writer.raw.pragma('optimize');
      this.writer.raw.close();
    }
    if (this.reader.raw.open) this.reader.raw.close();
    if (this.temporaryDir) rmSync(this.temporaryDir, { recursive: true, force: true });
  }
}

/** The open transaction of a SqliteStore: every statement on the writer connection, refused once it ended. */
class SqliteTx implements Tx {
  readonly engine: Engine = 'sqlite';
  private ended = false;

  constructor(
    private readonly writer: Connection,
    private readonly counter: Counter,
    /** Told after a script ran (it may have changed the schema). */
    private readonly afterScript: () => void,
  ) {}

  end(): void {
    this.ended = true;
  }

  all<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row[]> {
    if (this.ended) return refuse();
    return settle<Row[]>(this.writer, this.counter, query, params, ALL);
  }

  get<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row | undefined> {
    if (this.ended) return refuse();
    return settle<Row | undefined>(this.writer, this.counter, query, params, GET);
  }

  run(query: string | Sql, params: SqlParams = {}): Promise<RunResult> {
    if (this.ended) return refuse();
    return settle<RunResult>(this.writer, this.counter, query, params, RUN);
  }

  /** Walks on the writer (the transaction's own rows included); no other statement may use the Tx meanwhile. */
  iterate<Row>(query: string | Sql, params: SqlParams = {}): AsyncIterable<Row> {
    if (this.ended) throw ended();
    return walk<Row>(
      () => this.writer.raw,
      () => undefined,
      this.counter,
      query,
      params,
    );
  }

  async exec(script: string): Promise<void> {
    if (this.ended) throw ended();
    const stats = this.counter.stats;
    if (stats) stats.statements += 1;
    try {
      this.writer.raw.exec(script);
    } finally {
      this.afterScript();
    }
    this.counter.observer?.(script, {}, 0);
  }

  /** Transactions do not nest (the Tx type has no `transaction`): refused for a caller that reaches here anyway. */
  transaction(): Promise<never> {
    return Promise.reject(new Error('transactions do not nest: run the statements through the transaction you have'));
  }
}

const ended = () => new Error('the transaction has ended: its statements must run before it commits or rolls back');
const refuse = <T>(): Promise<T> => Promise.reject(ended());
