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
  cached_prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  cost_nano_usd: number;
  cost_source: CostSource;
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
      cached_prompt_tokens: ['cachedPromptTokens'],
      completion_tokens: ['completionTokens'],
      reasoning_tokens: ['reasoningTokens'],
      total_tokens: ['totalTokens'],
      cost_nano_usd: ['costUsd'],
      cost_source: ['costSource'],
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
  cached_prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  /** Integer nano-USD as decimal text. */
  cost_nano_usd: string;
};

const TOTALS = sql`count(*) AS requests, coalesce(sum(lu.prompt_tokens), 0) AS prompt_tokens,
  coalesce(sum(lu.cached_prompt_tokens), 0) AS cached_prompt_tokens, coalesce(sum(lu.completion_tokens), 0) AS completion_tokens,
  coalesce(sum(lu.reasoning_tokens), 0) AS reasoning_tokens, coalesce(sum(lu.total_tokens), 0) AS total_tokens,
  ${sql.word('integerTextOpen')}coalesce(sum(lu.cost_nano_usd), 0)${sql.word('integerTextClose')} AS cost_nano_usd`;

export const ZERO: UsageTotals = {
  requests: 0,
  prompt_tokens: 0,
  cached_prompt_tokens: 0,
  completion_tokens: 0,
  reasoning_tokens: 0,
  total_tokens: 0,
  cost_nano_usd: '0',
};

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

/** How a record's cost came about: from the model's prices in effect at its createdAt, or as the provider reported it. */
export type CostSource = 'computed' | 'provider';

/**
 * A model's prices from `effective_from` until its next period: nano-USD per 1,000 tokens of each kind (integers;
 * bigint columns come back from PostgreSQL as decimal text).
 */
export type ModelPrice = {
  provider: string;
  model: string;
  effective_from: string;
  prompt: number | string;
  cached_prompt: number | string;
  completion: number | string;
  reasoning: number | string;
  updated_at: string;
};

const PRICE_COLUMNS = `provider, model, effective_from, prompt_nano_usd_per_1k_tokens AS prompt,
  cached_prompt_nano_usd_per_1k_tokens AS cached_prompt, completion_nano_usd_per_1k_tokens AS completion,
  reasoning_nano_usd_per_1k_tokens AS reasoning, updated_at`;

/** Every price period of these models in one statement, per model in effective_from order. */
export async function pricePeriods(db: Reader, models: readonly string[]): Promise<Map<string, ModelPrice[]>> {
  const rows = await db.all<ModelPrice>(
    `SELECT ${PRICE_COLUMNS}
       FROM model_price_periods WHERE model IN (SELECT value FROM ${jsonValues(db)}(:models))
      ORDER BY model, effective_from`,
    { models: JSON.stringify([...new Set(models)]) },
  );
  const periods = new Map<string, ModelPrice[]>();
  for (const row of rows) {
    const list = periods.get(row.model) ?? [];
    list.push(row);
    periods.set(row.model, list);
  }
  return periods;
}

/** The period in effect at `at` (the latest that starts at or before it), of periods in effective_from order. */
export function priceAt(periods: readonly ModelPrice[] | undefined, at: string): ModelPrice | undefined {
  let found: ModelPrice | undefined;
  for (const period of periods ?? []) {
    if (period.effective_from > at) break;
    found = period;
  }
  return found;
}

/** The four disjoint kinds of tokens of a call; their sum is its total. */
export type TokenCounts = { prompt: number; cachedPrompt: number; completion: number; reasoning: number };

/**
 * Exact cost in nano-USD: each kind of tokens at its own price per 1,000 tokens, summed, then rounded half up
 * to a whole nano-USD once (not per kind).
 */
export function costOf(price: ModelPrice, tokens: TokenCounts): bigint {
  // In doubles while every product and the sum are integers below 2^53 (so exact): the common case, without a
  // bigint per kind. Past that, in bigints.
  const thousandths =
    tokens.prompt * Number(price.prompt) +
    tokens.cachedPrompt * Number(price.cached_prompt) +
    tokens.completion * Number(price.completion) +
    tokens.reasoning * Number(price.reasoning);
  if (thousandths + 500 <= Number.MAX_SAFE_INTEGER) {
    const rounded = thousandths + 500;
    return BigInt((rounded - (rounded % 1000)) / 1000);
  }
  const exact =
    BigInt(tokens.prompt) * BigInt(price.prompt) +
    BigInt(tokens.cachedPrompt) * BigInt(price.cached_prompt) +
    BigInt(tokens.completion) * BigInt(price.completion) +
    BigInt(tokens.reasoning) * BigInt(price.reasoning);
  return (exact + 500n) / 1000n;
}

export type NewPricePeriod = {
  provider: string;
  model: string;
  effectiveFrom: string;
  prompt: bigint;
  cachedPrompt: bigint;
  completion: bigint;
  reasoning: bigint;
  now: string;
};

/**
 * Serializes the price writes of one model until the transaction ends, so that the check that a model keeps one
 * provider and the write that follows it are one step. SQLite runs one write transaction at a time already;
 * PostgreSQL takes a transaction-scoped advisory lock per model.
 */
export async function lockModelPrice(db: Tx, model: string): Promise<void> {
  if (db.engine !== 'postgres') return;
  await db.get("SELECT pg_advisory_xact_lock(hashtextextended('foundry.model_price:' || :model, 0)) AS locked", { model });
}

/** Sets (or replaces) one price period; returns it as stored. */
export async function upsertPricePeriod(db: Tx, period: NewPricePeriod): Promise<ModelPrice> {
  return (await db.get<ModelPrice>(
    `INSERT INTO model_price_periods (provider, model, effective_from, prompt_nano_usd_per_1k_tokens,
       cached_prompt_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, reasoning_nano_usd_per_1k_tokens, updated_at)
     VALUES (:provider, :model, :effectiveFrom, :prompt, :cachedPrompt, :completion, :reasoning, :now)
     ON CONFLICT (provider, model, effective_from) DO UPDATE SET
       prompt_nano_usd_per_1k_tokens = excluded.prompt_nano_usd_per_1k_tokens,
       cached_prompt_nano_usd_per_1k_tokens = excluded.cached_prompt_nano_usd_per_1k_tokens,
       completion_nano_usd_per_1k_tokens = excluded.completion_nano_usd_per_1k_tokens,
       reasoning_nano_usd_per_1k_tokens = excluded.reasoning_nano_usd_per_1k_tokens,
       updated_at = excluded.updated_at
     RETURNING ${PRICE_COLUMNS}`,
    period,
  )) as ModelPrice;
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
  /** 0 when left out, as reasoningTokens. */
  cachedPromptTokens?: number;
  completionTokens: number;
  reasoningTokens?: number;
  costNanoUsd: bigint;
  /** 'computed' when left out. */
  costSource?: CostSource;
  latencyMs: number | null;
  createdAt: string;
};

/** A record's total tokens: the sum of its four disjoint kinds. */
export function tokensOf(usage: NewUsage): number {
  return usage.promptTokens + (usage.cachedPromptTokens ?? 0) + usage.completionTokens + (usage.reasoningTokens ?? 0);
}

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
  cached_prompt_tokens, completion_tokens, reasoning_tokens, cost_nano_usd, cost_source, latency_ms, created_at`;
/** Rows per multi-row INSERT: 16 values each, well under SQLite's limit of bound values. */
const CHUNK = 100;

const insertSql: string[] = [];

/** The INSERT of `count` rows, built once per count. */
function insertRowsSql(count: number): string {
  insertSql[count] ??=
    `INSERT INTO llm_usage (${USAGE_COLUMNS}) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
  return insertSql[count];
}

/** The values of consecutive rows, in USAGE_COLUMNS order, written into one array (no array per row). */
function rowsValues(rows: readonly NewUsage[], start: number, end: number): SqlValue[] {
  const values = new Array<SqlValue>((end - start) * 16);
  let at = 0;
  for (let i = start; i < end; i++) {
    const usage = rows[i] as NewUsage;
    values[at++] = usage.id;
    values[at++] = usage.organizationId;
    values[at++] = usage.agentId;
    values[at++] = usage.sessionId;
    values[at++] = usage.userId;
    values[at++] = usage.apiKeyId;
    values[at++] = usage.provider;
    values[at++] = usage.model;
    values[at++] = usage.promptTokens;
    values[at++] = usage.cachedPromptTokens ?? 0;
    values[at++] = usage.completionTokens;
    values[at++] = usage.reasoningTokens ?? 0;
    values[at++] = usage.costNanoUsd;
    values[at++] = usage.costSource ?? 'computed';
    values[at++] = usage.latencyMs;
    values[at++] = usage.createdAt;
  }
  return values;
}

type Sums = { requests: number; prompt: number; cachedPrompt: number; completion: number; reasoning: number; cost: bigint };
type Group = { key: SqlValue[]; sums: Sums };

const emptySums = (): Sums => ({ requests: 0, prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0, cost: 0n });

function addSums(to: Sums, from: Sums): void {
  to.requests += from.requests;
  to.prompt += from.prompt;
  to.cachedPrompt += from.cachedPrompt;
  to.completion += from.completion;
  to.reasoning += from.reasoning;
  to.cost += from.cost;
}

/** Sums rows per key of the finer rollup in one pass: the rollup rows a batch adds to. */
function fineGroups(rows: readonly NewUsage[]): Group[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const day = row.createdAt.slice(0, 10);
    const name = `${row.organizationId}\u0000${day}\u0000${row.provider}\u0000${row.model}\u0000${row.agentId ?? ''}\u0000${row.userId ?? ''}\u0000${row.apiKeyId ?? ''}`;
    let group = groups.get(name);
    if (!group) {
      group = {
        key: [row.organizationId, day, row.provider, row.model, row.agentId ?? '', row.userId ?? '', row.apiKeyId ?? ''],
        sums: emptySums(),
      };
      groups.set(name, group);
    }
    const sums = group.sums;
    sums.requests += 1;
    sums.prompt += row.promptTokens;
    sums.cachedPrompt += row.cachedPromptTokens ?? 0;
    sums.completion += row.completionTokens;
    sums.reasoning += row.reasoningTokens ?? 0;
    sums.cost += row.costNanoUsd;
  }
  return [...groups.values()];
}

/** The coarser rollup's groups (organization, day, provider, model), summed from the finer ones: its key is a prefix. */
function coarseGroups(fine: readonly Group[]): Group[] {
  const groups = new Map<string, Group>();
  for (const { key, sums } of fine) {
    const coarseKey = key.slice(0, COARSE_KEY.length);
    const name = coarseKey.join('\u0000');
    let group = groups.get(name);
    if (!group) {
      group = { key: coarseKey, sums: emptySums() };
      groups.set(name, group);
    }
    addSums(group.sums, sums);
  }
  return [...groups.values()];
}

/** The sums of a rollup row, in the order a batch's groups carry them. */
const ROLLUP_SUM_COLUMNS = [
  'requests',
  'prompt_tokens',
  'cached_prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost_nano_usd',
];

/** Adds a batch's groups to a rollup table in one statement (the groups travel as one JSON array of arrays). */
async function addToRollup(db: Tx, table: string, keyColumns: string[], groups: Group[]): Promise<void> {
  const keys = keyColumns.map((column, index) => `value ->> ${index} AS ${column}`);
  const at = keyColumns.length;
  // Money and token sums travel as decimal text and are cast back to exact integers.
  const json = JSON.stringify(
    groups.map(({ key, sums }) => [
      ...key,
      sums.requests,
      String(sums.prompt),
      String(sums.cachedPrompt),
      String(sums.completion),
      String(sums.reasoning),
      String(sums.prompt + sums.cachedPrompt + sums.completion + sums.reasoning),
      sums.cost.toString(),
    ]),
  );
  const columns = `${keyColumns.join(', ')}, ${ROLLUP_SUM_COLUMNS.join(', ')}`;
  const sums = ROLLUP_SUM_COLUMNS.map((_, index) =>
    db.engine === 'postgres'
      ? `(value ->> ${at + index})::${index === 0 ? 'integer' : 'bigint'}`
      : `CAST(value ->> ${at + index} AS INTEGER)`,
  );
  const added = ROLLUP_SUM_COLUMNS.map((column) => `${column} = ${table}.${column} + excluded.${column}`).join(', ');
  if (db.engine === 'postgres') {
    await db.run(
      `INSERT INTO ${table} (${columns})
       SELECT ${keys.join(', ')}, ${sums.join(', ')}
       FROM json_array_elements(:groups::json)
       ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${added}`,
      { groups: json },
    );
    return;
  }
  await db.run(
    `INSERT INTO ${table} (${columns})
     SELECT ${keys.join(', ')}, ${sums.join(', ')}
     FROM json_each(:groups) WHERE 1
     ON CONFLICT DO UPDATE SET ${added}`,
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
    const end = Math.min(rows.length, start + CHUNK);
    await tx.run(insertRowsSql(end - start), rowsValues(rows, start, end));
  }
  const fine = fineGroups(rows);
  await addToRollup(tx, 'llm_usage_daily', FINE_KEY, fine);
  await addToRollup(tx, 'llm_usage_model_daily', COARSE_KEY, coarseGroups(fine));
}

const ROLLUP_SUMS =
  'count(*), sum(prompt_tokens), sum(cached_prompt_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(total_tokens), sum(cost_nano_usd)';

/** Recomputes every usage rollup from llm_usage (for bulk loaders that write llm_usage directly). */
export async function rebuildUsageRollups(db: Store): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('DELETE FROM llm_usage_daily');
    await tx.run('DELETE FROM llm_usage_model_daily');
    await tx.run(
      `INSERT INTO llm_usage_daily (${FINE_KEY.join(', ')}, ${ROLLUP_SUM_COLUMNS.join(', ')})
       SELECT organization_id, substr(created_at, 1, 10), provider, model, coalesce(agent_id, ''), coalesce(user_id, ''),
         coalesce(api_key_id, ''), ${ROLLUP_SUMS}
       FROM llm_usage GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    );
    await tx.run(
      `INSERT INTO llm_usage_model_daily (${COARSE_KEY.join(', ')}, ${ROLLUP_SUM_COLUMNS.join(', ')})
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
