// The PostgreSQL engine of the Store (src/db/store.ts), on a node-postgres pool. Every statement runs with the
// principal's claim set on its connection, which the row-level security of the tenant tables reads (the second wall
// behind the access policy): reads set it for the session of the pooled connection when it differs from the one
// already there, transactions set it for the transaction. Transactions run concurrently, each on its own
// connection; what must be serialized per organization (the audit chain, quotas) takes a lock in its own SQL.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { POSTGRES, type Sql } from '../sql';
import type { Engine, RunResult, SqlParams, SqlStats, SqlValue, StatementObserver, Store, Tx } from '../store';

/** The claim of the gateway's own work (authentication, bootstrap, migrations, housekeeping): every organization. */
export const SYSTEM_CLAIM = JSON.stringify({ organizationIds: [], platform: true });

const SETTING = 'foundry.principal';
const SET_SESSION_CLAIM = `SELECT set_config('${SETTING}', $1, false)`;
const SET_LOCAL_CLAIM = `SELECT set_config('${SETTING}', $1, true)`;
/** Rows a walk (iterate) fetches from its cursor at a time. */
const WALK_BATCH = 256;
const POOL_SIZE = 10;
/**
 * How long a statement waits for a free connection before it fails: long enough for a burst, short enough that a
 * pool held by waiting transactions answers with an error rather than hanging every request.
 */
const CONNECT_TIMEOUT_MS = 10_000;

const INT8 = 20;
const BOOL = 16;
const JSON_TYPE = 114;
const JSONB = 3802;
const NUMERIC = 1700;

/**
 * Values as the repos read them from SQLite: bigint as a number (as text past 2^53, never rounded: sums of money
 * are read as text by their SQL anyway), booleans as 0 and 1, JSON as the text stored (audit metadata is hashed as
 * written).
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format !== 'binary') {
      // sum() of bigint is numeric: read as bigint is.
      if (oid === INT8 || oid === NUMERIC) return parseInt8;
      if (oid === BOOL) return (text: string) => (text === 't' ? 1 : 0);
      if (oid === JSON_TYPE || oid === JSONB) return (text: string) => text;
    }
    return pg.types.getTypeParser(oid, format);
  },
};

function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

type Positional = { text: string; names: string[] | null };
const positionalCache = new Map<string, Positional>();

/**
 * Hand-written text with named parameters (`:name`, `@name`) or `?` becomes text with `$1 … $n`, and the names in
 * their order. Quoted strings, quoted names, comments and `::` casts are left alone. (SQLite's `IS :name` has
 * no such spelling on PostgreSQL: write sql.word('isSame') in a fragment.)
 */
export function toPositional(text: string): Positional {
  const cached = positionalCache.get(text);
  if (cached) return cached;
  let out = '';
  const names: string[] = [];
  let questionMarks = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "'" || c === '"') {
      const end = closing(text, i, c);
      out += text.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if ((c === ':' || c === '@') && next !== undefined && /[A-Za-z_]/.test(next) && !/\w/.test(text[i - 1] ?? '')) {
      let end = i + 1;
      while (end < text.length && /\w/.test(text[end] as string)) end++;
      const name = text.slice(i + 1, end);
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i = end;
    } else if (c === '?') {
      out += `$${++questionMarks}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (names.length > 0 && questionMarks > 0) throw new Error('a statement mixes named and positional parameters');
  const positional = { text: out, names: names.length > 0 ? names : null };
  if (positionalCache.size < 5_000) positionalCache.set(text, positional);
  return positional;
}

function closing(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

type Compiled = { text: string; values: unknown[]; name?: string };

/**
 * Statements are prepared once per connection (a name per distinct text): PostgreSQL then parses and plans a
 * statement the first times it runs on a connection rather than every time. Texts past MAX_NAMED run unnamed.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED = 4_000;

function prepared(compiled: Compiled): Compiled {
  let name = statementNames.get(compiled.text);
  if (name === undefined) {
    if (statementNames.size >= MAX_NAMED) return compiled;
    name = `foundry_${statementNames.size + 1}`;
    statementNames.set(compiled.text, name);
  }
  compiled.name = name;
  return compiled;
}

function bindable(value: SqlValue | undefined): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** The statement's text for PostgreSQL and its values in order. */
export function compileFor(query: string | Sql, params: SqlParams): Compiled {
  if (typeof query !== 'string') return prepared({ text: query.textFor(POSTGRES), values: query.values.map(bindable) });
  const { text, names } = toPositional(query);
  if (names === null) return prepared({ text, values: Array.isArray(params) ? params.map(bindable) : [] });
  const named = params as Record<string, SqlValue>;
  return prepared({
    text,
    values: names.map((name) => {
      if (!(name in named)) throw new Error(`no value for :${name}`);
      return bindable(named[name]);
    }),
  });
}

type Counter = { stats: SqlStats | null; timed: boolean; observer: StatementObserver | null };

async function timed<T>(counter: Counter, compiled: Compiled, run: () => Promise<T>): Promise<T> {
  const stats = counter.stats;
  if (stats) stats.statements += 1;
  if (!counter.timed && !counter.observer) return await run();
  const started = performance.now();
  try {
    return await run();
  } finally {
    const ms = performance.now() - started;
    if (stats && counter.timed) stats.ms += ms;
    counter.observer?.(compiled.text, compiled.values as SqlValue[], ms);
  }
}

/** The claim a pooled connection's session holds now (set by reads; transactions set theirs locally). */
const sessionClaims = new WeakMap<pg.PoolClient, string>();

export class PostgresStore implements Store {
  readonly engine: Engine = 'postgres';
  private readonly pool: pg.Pool;
  private closing = false;
  observer: StatementObserver | null = null;
  stats: SqlStats | null = null;
  timed = false;
  /** The principal claim the statements of this store (or view) run under. */
  claim = SYSTEM_CLAIM;

  constructor(connectionString: string, { max = POOL_SIZE }: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString, max, types: TYPES, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // An idle connection that fails (the server restarted) is dropped by the pool; without a listener the error
    // would end the process.
    this.pool.on('error', () => undefined);
  }

  forRequest(stats: SqlStats, timed: boolean): PostgresStore {
    const view = Object.create(this) as PostgresStore;
    view.stats = stats;
    view.timed = timed;
    return view;
  }

  withClaim(claim: string): PostgresStore {
    const view = Object.create(this) as PostgresStore;
    view.claim = claim;
    return view;
  }

  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closing) throw new Error('the database is closed');
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      if (sessionClaims.get(client) !== this.claim) {
        await client.query(SET_SESSION_CLAIM, [this.claim]);
        sessionClaims.set(client, this.claim);
      }
      return await work(client);
    } catch (error) {
      // A connection whose state is unknown (a failure outside a statement's own error) is not reused.
      if (!(error instanceof pg.DatabaseError)) failed = error as Error;
      throw error;
    } finally {
      client.release(failed);
    }
  }

  async all<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row[]> {
    const compiled = compileFor(query, params);
    return await timed(this, compiled, () => this.withClient(async (client) => (await client.query(compiled)).rows as Row[]));
  }

  async get<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row | undefined> {
    return (await this.all<Row>(query, params))[0];
  }

  iterate<Row>(query: string | Sql, params: SqlParams = {}): AsyncIterable<Row> {
    const compiled = compileFor(query, params);
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        if (store.closing) throw new Error('the database is closed');
        if (store.stats) store.stats.statements += 1;
        store.observer?.(compiled.text, compiled.values as SqlValue[], 0);
        const client = await store.pool.connect();
        let failed: Error | undefined;
        let committed = false;
        try {
          await client.query('BEGIN READ ONLY');
          await client.query(SET_LOCAL_CLAIM, [store.claim]);
          yield* fetchAll<Row>(client, compiled);
          await client.query('COMMIT');
          committed = true;
        } catch (error) {
          failed = error as Error;
          throw error;
        } finally {
          // A walk left early (break) still holds its transaction: it is rolled back, or the connection is dropped.
          client.release(failed ?? (committed ? undefined : await endIfOpen(client)));
        }
      },
    };
  }

  async transaction<T>(work: (tx: Tx) => Promise<T> | T): Promise<T> {
    if (this.closing) throw new Error('the database is closed');
    const client = await this.pool.connect();
    // Set once the transaction ended with COMMIT or ROLLBACK: only then is the connection fit for reuse.
    let settled = false;
    try {
      await client.query('BEGIN');
      await client.query(SET_LOCAL_CLAIM, [this.claim]);
      const tx = new PostgresTx(client, this);
      try {
        const result = await work(tx);
        tx.end();
        await client.query('COMMIT');
        settled = true;
        return result;
      } catch (error) {
        tx.end();
        if (!settled) {
          await client.query('ROLLBACK');
          settled = true;
        }
        throw error;
      }
    } finally {
      client.release(settled ? undefined : new Error('the transaction did not end cleanly'));
    }
  }

  isOpen(): boolean {
    return !this.closing;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.pool.end();
  }
}

async function endIfOpen(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

let cursors = 0;

/** A statement's rows through a cursor in the client's open transaction, WALK_BATCH at a time. */
async function* fetchAll<Row>(client: pg.PoolClient, compiled: Compiled): AsyncGenerator<Row> {
  const cursor = `walk_${++cursors}`;
  await client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${compiled.text}`, values: compiled.values });
  for (;;) {
    const { rows } = await client.query(`FETCH ${WALK_BATCH} FROM ${cursor}`);
    for (const row of rows) yield row as Row;
    if (rows.length < WALK_BATCH) break;
  }
  await client.query(`CLOSE ${cursor}`);
}

/** The open transaction of a PostgresStore, on its connection; refuses every statement once it ended. */
class PostgresTx implements Tx {
  readonly engine: Engine = 'postgres';
  private ended = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly counter: Counter,
  ) {}

  end(): void {
    this.ended = true;
  }

  private async query(query: string | Sql, params: SqlParams): Promise<pg.QueryResult> {
    if (this.ended) throw ended();
    const compiled = compileFor(query, params);
    return await timed(this.counter, compiled, () => this.client.query(compiled));
  }

  async all<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row[]> {
    return (await this.query(query, params)).rows as Row[];
  }

  async get<Row>(query: string | Sql, params: SqlParams = {}): Promise<Row | undefined> {
    return (await this.query(query, params)).rows[0] as Row | undefined;
  }

  async run(query: string | Sql, params: SqlParams = {}): Promise<RunResult> {
    return { changes: (await this.query(query, params)).rowCount ?? 0 };
  }

  iterate<Row>(query: string | Sql, params: SqlParams = {}): AsyncIterable<Row> {
    if (this.ended) throw ended();
    const compiled = compileFor(query, params);
    if (this.counter.stats) this.counter.stats.statements += 1;
    this.counter.observer?.(compiled.text, compiled.values as SqlValue[], 0);
    return fetchAll<Row>(this.client, compiled);
  }

  async exec(script: string): Promise<void> {
    if (this.ended) throw ended();
    const stats = this.counter.stats;
    if (stats) stats.statements += 1;
    await this.client.query(script);
    this.counter.observer?.(script, {}, 0);
  }

  transaction(): Promise<never> {
    return Promise.reject(new Error('transactions do not nest: run the statements through the transaction you have'));
  }
}

const ended = () => new Error('the transaction has ended: its statements must run before it commits or rolls back');
