// The SQLite engine of the Store (src/db/store.ts): a read connection for every read outside a transaction, and a
// writer connection that runs one write transaction at a time (WriteQueue). An open transaction's rows stay on the
// writer until it commits, so a request reading meanwhile, on the read connection, sees the last committed state
// (WAL), never rows that may still roll back, and never runs a statement inside another request's transaction.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { Sqlite } from './driver';
import type { Sql } from './sql';
import { ALL, Connection, type Counter, GET, RUN, type Synchronous, settle, walk } from './sqliteConnection';
import type { Engine, RunResult, SqlParams, SqlStats, StatementObserver, Store, Tx } from './store';
import { WriteQueue } from './writeQueue';

/** How long a transaction waits for another process's write lock before it fails (SQLITE_BUSY). */
const BUSY_TIMEOUT_MS = 5_000;
/** The longest pause between two tries for that lock. */
const MAX_BUSY_WAIT_MS = 20;
/** A group commit takes no more transactions once it holds this many, or once it has run this long. */
const MAX_GROUP = 64;
const MAX_GROUP_MS = 50;

/** A transaction waiting for the writer, with the counter (request view) its statements are counted into. */
type Member = {
  work: (tx: Tx) => unknown;
  counter: Counter;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};
type Group = { pending: Member[]; leading: boolean; commits: number; drained: (() => void)[] };

export class SqliteStore implements Store {
  readonly engine: Engine = 'sqlite';
  private readonly path: string;
  /** Set when the store was opened on `:memory:`: the temporary directory of the file it uses instead. */
  private readonly temporaryDir: string | null;
  private readonly reader: Connection;
  private readonly writer: Connection;
  private readonly queue = new WriteQueue();
  /** Shared with every request view (they inherit it): the transactions waiting for the writer, and whether one leads. */
  private readonly group: Group = { pending: [], leading: false, commits: 0, drained: [] };
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

  /**
   * Queues `work` for the writer. Transactions queued while another runs are committed together (group commit): the
   * writer runs them one after another, each but the group's first inside a savepoint of its own, and commits once.
   * Each still sees every earlier one's rows and none of a later one's, and each settles only after the group's
   * COMMIT, so what a caller is told stays durable (synchronous FULL: one fsync per group instead of one per
   * transaction). One that throws is rolled back to its savepoint alone; a COMMIT that fails fails the whole group.
   */
  transaction<T>(work: (tx: Tx) => Promise<T> | T): Promise<T> {
    if (this.closing) return Promise.reject(new Error('the database is closed'));
    return new Promise<T>((resolve, reject) => {
      this.group.pending.push({ work, counter: this, resolve, reject } as Member);
      if (!this.group.leading) void this.lead();
    });
  }

  /** Runs groups while transactions are queued: one write transaction (and one commit) per group. */
  private async lead(): Promise<void> {
    const group = this.group;
    group.leading = true;
    try {
      while (group.pending.length > 0) {
        const turn = this.queue.acquire();
        if (turn) await turn;
        try {
          await this.runGroup();
        } finally {
          this.queue.release();
        }
      }
    } finally {
      group.leading = false;
      for (const drained of group.drained.splice(0)) drained();
    }
  }

  /** Commits made so far (a group of transactions counts once). */
  get commits(): number {
    return this.group.commits;
  }

  private async runGroup(): Promise<void> {
    const pending = this.group.pending;
    const done: { member: Member; result: unknown }[] = [];
    const failAll = (error: unknown) => {
      for (const { member } of done) member.reject(error);
    };
    try {
      await this.begin();
    } catch (error) {
      // The write lock stayed with another process past the busy timeout: this group's first transaction fails, and
      // the rest are tried again by the next group.
      (pending.shift() as Member).reject(error);
      return;
    }
    const started = performance.now();
    let savepoint = false;
    while (pending.length > 0 && done.length < MAX_GROUP && performance.now() - started < MAX_GROUP_MS) {
      const member = pending.shift() as Member;
      // The group's first transaction needs no savepoint: if it fails, nothing else is in the transaction yet.
      if (savepoint) this.writer.statement('SAVEPOINT foundry_member').statement.run();
      const tx = new SqliteTx(this.writer, member.counter, () => {
        for (const connection of [this.writer, this.reader]) connection.forgetStatements();
      });
      try {
        const result = await member.work(tx);
        tx.end();
        if (savepoint) this.writer.statement('RELEASE foundry_member').statement.run();
        done.push({ member, result });
        savepoint = true;
      } catch (error) {
        tx.end();
        member.reject(error);
        if (!this.writer.raw.inTransaction) {
          // SQLite rolled the whole transaction back on its own (a disk or memory fault): the group's earlier
          // transactions are gone with it.
          failAll(error);
          return;
        }
        if (savepoint) {
          this.writer.statement('ROLLBACK TO foundry_member').statement.run();
          this.writer.statement('RELEASE foundry_member').statement.run();
        } else {
          this.writer.statement('ROLLBACK').statement.run();
          return;
        }
      }
    }
    try {
      this.writer.statement('COMMIT').statement.run();
    } catch (error) {
      if (this.writer.raw.inTransaction) this.writer.statement('ROLLBACK').statement.run();
      failAll(error);
      return;
    }
    this.group.commits += 1;
    for (const { member, result } of done) member.resolve(result);
  }

  /**
   * BEGIN IMMEDIATE without blocking the event loop: SQLite's busy handler would sleep on this thread while another
   * process (a worker, the CLI) holds the write lock, and every request of this process would wait with it. Here
   * the attempt does not wait (busy_timeout 0 on the writer for it) and is tried again from a timer, backing off,
   * for as long as the busy timeout allows.
   */
  private async begin(): Promise<void> {
    const deadline = performance.now() + BUSY_TIMEOUT_MS;
    let wait = 1;
    for (;;) {
      this.writer.statement('PRAGMA busy_timeout = 0').statement.get();
      try {
        this.writer.statement('BEGIN IMMEDIATE').statement.run();
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || performance.now() >= deadline) throw error;
      } finally {
        this.writer.statement(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`).statement.get();
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, MAX_BUSY_WAIT_MS);
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
    // Transactions queued before close run first (new ones are refused from here).
    if (this.group.leading) await new Promise<void>((resolve) => this.group.drained.push(resolve));
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
