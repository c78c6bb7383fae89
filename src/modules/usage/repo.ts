// SQL for LLM usage: records, per-session totals, grouped summaries and quotas.
// Sums are taken over the access policy's visible rows only, and money sums
// leave SQLite as decimal text of an integer so that no float ever touches them.
import { randomFillSync } from 'node:crypto';
import { conditionsOf, narrowed, visibleQuery } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import { sql } from '../../db/sql';
import { jsonValues, type Reader, type SqlValue, type Store, type Tx } from '../../db/store';
import { FilterBuilder } from '../../schema/filters';
import { idOf } from '../../schema/ids';
import type { ListSpec, Narrowing } from '../../schema/lists';

export type UsageRow = {
  id: string;
  organization_id: string;
  agent_id: string | null;
  session_id: string | null;
  user_id: string | null;
  api_key_id: string | null;
  provider: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_nano_usd: number;
  latency_ms: number | null;
  created_at: string;
};

/**
 * Usage records, in time order only: ordering them by cost or tokens would
 * need an index per order on the table every LLM call writes to, each a
 * random-position insert per record (migration 5 dropped them; ingest ran
 * 3 to 5 times slower). Summaries answer "where did the money go".
 */
export const USAGE: ListSpec = {
  resource: 'llmUsage',
  columns: sql`lu.*`,
  orderFields: { CREATED_AT: sql`lu.created_at` },
  defaultOrder: { field: 'CREATED_AT', direction: 'DESC' },
  // The fields of LlmUsageRecord (modules/usage/types.ts) that read each column.
  projection: {
    keep: ['id', 'organization_id', 'user_id', 'api_key_id'],
    optional: {
      agent_id: ['agent'],
      session_id: ['session'],
      provider: ['provider'],
      model: ['model'],
      prompt_tokens: ['promptTokens'],
      completion_tokens: ['completionTokens'],
      total_tokens: ['totalTokens'],
      cost_nano_usd: ['costUsd'],
      latency_ms: ['latencyMs'],
      created_at: ['createdAt'],
    },
  },
};

export type UsageFilter = {
  model?: string | null;
  provider?: string | null;
  agentId?: string | null;
  sessionId?: string | null;
  from?: string | null;
  to?: string | null;
};

export function usageFilter(filter: UsageFilter | null | undefined): Narrowing {
  return new FilterBuilder()
    .add(filter?.model, (value) => sql`lu.model = ${value}`)
    .add(filter?.provider, (value) => sql`lu.provider = ${value}`)
    .add(filter?.agentId ? idOf(filter.agentId, 'Agent', 'filter.agentId') : undefined, (value) => sql`lu.agent_id = ${value}`)
    .add(filter?.sessionId ? idOf(filter.sessionId, 'Session', 'filter.sessionId') : undefined, (value) => sql`lu.session_id = ${value}`)
    .add(filter?.from, (value) => sql`lu.created_at >= ${value}`)
    .add(filter?.to, (value) => sql`lu.created_at < ${value}`)
    .build();
}

export type UsageTotals = {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Integer nano-USD as decimal text. */
  cost_nano_usd: string;
};

const TOTALS = sql`count(*) AS requests, coalesce(sum(lu.prompt_tokens), 0) AS prompt_tokens,
  coalesce(sum(lu.completion_tokens), 0) AS completion_tokens, coalesce(sum(lu.total_tokens), 0) AS total_tokens,
  ${sql.word('integerTextOpen')}coalesce(sum(lu.cost_nano_usd), 0)${sql.word('integerTextClose')} AS cost_nano_usd`;

export const ZERO: UsageTotals = { requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_nano_usd: '0' };

/** Visible usage totals per session in one statement (Session.totalTokens and costUsd). */
export async function usageTotalsPerSession(db: Reader, principal: Principal, sessionIds: readonly string[]): Promise<UsageTotals[]> {
  const q = narrowed(visibleQuery(principal, 'llmUsage'), [
    sql`lu.session_id IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(sessionIds)}))`,
  ]);
  const rows = await db.all<UsageTotals & { parent: string }>(
    sql`SELECT lu.session_id AS parent, ${TOTALS} FROM ${q.from} WHERE ${conditionsOf(q)} GROUP BY lu.session_id`,
  );
  const byParent = new Map(rows.map((row) => [row.parent, row]));
  return sessionIds.map((id) => byParent.get(id) ?? ZERO);
}

export type ModelPrice = { provider: string; model: string; prompt: number; completion: number };

export async function modelPrices(db: Reader, models: readonly string[]): Promise<Map<string, ModelPrice>> {
  const rows = await db.all<ModelPrice>(
    `SELECT provider, model, prompt_nano_usd_per_1k_tokens AS prompt, completion_nano_usd_per_1k_tokens AS completion
       FROM model_prices WHERE model IN (SELECT value FROM ${jsonValues(db)}(:models))`,
    { models: JSON.stringify([...new Set(models)]) },
  );
  return new Map(rows.map((row) => [row.model, row]));
}

/** Exact cost in nano-USD: prices are per 1,000 tokens, rounded half up to a whole nano-USD. */
export function costOf(price: ModelPrice, promptTokens: number, completionTokens: number): bigint {
  const thousandths = BigInt(promptTokens) * BigInt(price.prompt) + BigInt(completionTokens) * BigInt(price.completion);
  return (thousandths + 500n) / 1000n;
}

export type NewUsage = {
  id: string;
  organizationId: string;
  agentId: string | null;
  sessionId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costNanoUsd: bigint;
  latencyMs: number | null;
  createdAt: string;
};

/**
 * A new record id: a UUIDv7 (RFC 9562), time-ordered with a per-millisecond
 * counter, so that a batch appends to the end of llm_usage's primary key
 * index instead of touching a random page per record as UUIDv4 would.
 */
export function newUsageId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs += 1;
    counter = 0;
  }
  if (poolAt + 8 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const random = pool.toString('hex', poolAt, poolAt + 8);
  poolAt += 8;
  const time = lastMs.toString(16).padStart(12, '0');
  const variant = ((parseInt(random.slice(0, 1), 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${variant}${random.slice(1, 4)}-${random.slice(4, 16)}`;
}
let lastMs = 0;
let counter = 0;
const pool = Buffer.alloc(8 * 1024);
let poolAt = pool.length;

const USAGE_COLUMNS = `id, organization_id, agent_id, session_id, user_id, api_key_id, provider, model, prompt_tokens,
  completion_tokens, cost_nano_usd, latency_ms, created_at`;
/** Rows per multi-row INSERT: 13 values each, well under SQLite's limit of bound values. */
const CHUNK = 100;

const insertSql: string[] = [];

/** The INSERT of `count` rows, built once per count. */
function insertRowsSql(count: number): string {
  insertSql[count] ??=
    `INSERT INTO llm_usage (${USAGE_COLUMNS}) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
  return insertSql[count];
}

function rowValues(usage: NewUsage): SqlValue[] {
  return [
    usage.id,
    usage.organizationId,
    usage.agentId,
    usage.sessionId,
    usage.userId,
    usage.apiKeyId,
    usage.provider,
    usage.model,
    usage.promptTokens,
    usage.completionTokens,
    usage.costNanoUsd,
    usage.latencyMs,
    usage.createdAt,
  ];
}

type Sums = { requests: number; prompt: number; completion: number; cost: bigint };
type Group = { key: SqlValue[]; sums: Sums };

/** Sums rows per key in one pass: the rollup rows a batch adds to. */
function groupSums(rows: readonly NewUsage[], keyOf: (row: NewUsage) => SqlValue[]): Group[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const key = keyOf(row);
    const name = key.join('\u0000');
    let group = groups.get(name);
    if (!group) {
      group = { key, sums: { requests: 0, prompt: 0, completion: 0, cost: 0n } };
      groups.set(name, group);
    }
    group.sums.requests += 1;
    group.sums.prompt += row.promptTokens;
    group.sums.completion += row.completionTokens;
    group.sums.cost += row.costNanoUsd;
  }
  return [...groups.values()];
}

const ADD_SUMS = `ON CONFLICT DO UPDATE SET
    requests = requests + excluded.requests,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    total_tokens = total_tokens + excluded.total_tokens,
    cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd`;

/** Adds a batch's groups to a rollup table in one statement (the groups travel as one JSON array of arrays). */
async function addToRollup(db: Tx, table: string, keyColumns: string[], groups: Group[]): Promise<void> {
  const keys = keyColumns.map((column, index) => `value ->> ${index} AS ${column}`);
  const at = keyColumns.length;
  // Money and token sums travel as decimal text and are cast back to exact integers in SQLite.
  const json = JSON.stringify(
    groups.map(({ key, sums }) => [
      ...key,
      sums.requests,
      String(sums.prompt),
      String(sums.completion),
      String(sums.prompt + sums.completion),
      sums.cost.toString(),
    ]),
  );
  const columns = `${keyColumns.join(', ')}, requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd`;
  if (db.engine === 'postgres') {
    const sums = ['requests', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_nano_usd'];
    await db.run(
      `INSERT INTO ${table} (${columns})
       SELECT ${keys.join(', ')}, (value ->> ${at})::integer, (value ->> ${at + 1})::bigint, (value ->> ${at + 2})::bigint,
         (value ->> ${at + 3})::bigint, (value ->> ${at + 4})::bigint
       FROM json_array_elements(:groups::json)
       ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
         ${sums.map((column) => `${column} = ${table}.${column} + excluded.${column}`).join(', ')}`,
      { groups: json },
    );
    return;
  }
  await db.run(
    `INSERT INTO ${table} (${columns})
     SELECT ${keys.join(', ')}, value ->> ${at}, CAST(value ->> ${at + 1} AS INTEGER), CAST(value ->> ${at + 2} AS INTEGER),
       CAST(value ->> ${at + 3} AS INTEGER), CAST(value ->> ${at + 4} AS INTEGER)
     FROM json_each(:groups) WHERE 1
     ${ADD_SUMS}`,
    { groups: json },
  );
}

const FINE_KEY = ['organization_id', 'day', 'provider', 'model', 'agent_id', 'user_id', 'api_key_id'];
const COARSE_KEY = ['organization_id', 'day', 'provider', 'model'];

/**
 * The one write path for LLM usage: inserts a batch with multi-row statements
 * and adds it to both daily rollups once per group (not once per record), all
 * in the caller's transaction.
 */
export async function insertUsageBatch(tx: Tx, rows: readonly NewUsage[]): Promise<void> {
  if (rows.length === 0) return;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    await tx.run(insertRowsSql(chunk.length), chunk.flatMap(rowValues));
  }
  const day = (row: NewUsage) => row.createdAt.slice(0, 10);
  await addToRollup(
    tx,
    'llm_usage_daily',
    FINE_KEY,
    groupSums(rows, (row) => [
      row.organizationId,
      day(row),
      row.provider,
      row.model,
      row.agentId ?? '',
      row.userId ?? '',
      row.apiKeyId ?? '',
    ]),
  );
  await addToRollup(
    tx,
    'llm_usage_model_daily',
    COARSE_KEY,
    groupSums(rows, (row) => [row.organizationId, day(row), row.provider, row.model]),
  );
}

const ROLLUP_SUMS = 'count(*), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), sum(cost_nano_usd)';

/** Recomputes every usage rollup from llm_usage (for bulk loaders that write llm_usage directly). */
export async function rebuildUsageRollups(db: Store): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('DELETE FROM llm_usage_daily');
    await tx.run('DELETE FROM llm_usage_model_daily');
    await tx.run(
      `INSERT INTO llm_usage_daily (${FINE_KEY.join(', ')}, requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd)
       SELECT organization_id, substr(created_at, 1, 10), provider, model, coalesce(agent_id, ''), coalesce(user_id, ''),
         coalesce(api_key_id, ''), ${ROLLUP_SUMS}
       FROM llm_usage GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    );
    await tx.run(
      `INSERT INTO llm_usage_model_daily (${COARSE_KEY.join(', ')}, requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd)
       SELECT organization_id, substr(created_at, 1, 10), provider, model, ${ROLLUP_SUMS}
       FROM llm_usage GROUP BY 1, 2, 3, 4`,
    );
  });
}

/**
 * Serializes, per organization, what reads an organization's quota use and then adds to it (recordLlmUsage) or
 * changes its limits (setLlmQuota, setBudget, deleteBudget), until the transaction ends. SQLite runs one write transaction at a time, so
 * there it is already so. PostgreSQL runs them concurrently (READ COMMITTED): a transaction-scoped advisory lock
 * per organization, in every process on the database, taken before the use is read (each later statement then
 * sees the use the previous holder committed). An advisory lock rather than a row lock on budgets: there may
 * be no quota row yet to lock (one set meanwhile would go unenforced), and the lock stays out of the row-level
 * security's way. Same-organization batches wait for each other from here to commit; they already did from their
 * first rollup upsert (its rows stay locked until commit). Taken before the audit chain's lock (appended last in
 * the same transaction), never after it, so the two cannot deadlock.
 */
export async function lockQuota(db: Tx, organizationId: string): Promise<void> {
  if (db.engine !== 'postgres') return;
  await db.get("SELECT pg_advisory_xact_lock(hashtextextended('foundry.quota:' || :organizationId, 0)) AS locked", {
    organizationId,
  });
}
