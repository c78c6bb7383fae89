// SQL for LLM usage: records, per-session totals, grouped summaries and quotas.
// Sums are taken over the access policy's visible rows only, and money sums
// leave SQLite as decimal text of an integer so that no float ever touches them.
import { conditionsOf, narrowed, visibleQuery } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import type { Database } from '../../db/connection';
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

export const USAGE: ListSpec = {
  resource: 'llmUsage',
  columns: 'lu.*',
  orderFields: { CREATED_AT: 'lu.created_at', COST: 'lu.cost_nano_usd', TOTAL_TOKENS: 'lu.total_tokens' },
  defaultOrder: { field: 'CREATED_AT', direction: 'DESC' },
};

/**
 * Usage under one agent or session, in time order only: ordering those by
 * cost or tokens would need two more indexes on the table every LLM call
 * writes to; an organization's usage keeps them.
 */
export const USAGE_OVER_TIME: ListSpec = { ...USAGE, orderFields: { CREATED_AT: 'lu.created_at' } };

export type UsageFilter = {
  model?: string | null;
  provider?: string | null;
  agentId?: string | null;
  sessionId?: string | null;
  from?: string | null;
  to?: string | null;
};

export function usageFilter(filter: UsageFilter | null | undefined): Narrowing {
  return new FilterBuilder('lu')
    .add(filter?.model, 'lu.model = :value')
    .add(filter?.provider, 'lu.provider = :value')
    .add(filter?.agentId ? idOf(filter.agentId, 'Agent', 'filter.agentId') : undefined, 'lu.agent_id = :value')
    .add(filter?.sessionId ? idOf(filter.sessionId, 'Session', 'filter.sessionId') : undefined, 'lu.session_id = :value')
    .add(filter?.from, 'lu.created_at >= :value')
    .add(filter?.to, 'lu.created_at < :value')
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

const TOTALS = `count(*) AS requests, coalesce(sum(lu.prompt_tokens), 0) AS prompt_tokens,
  coalesce(sum(lu.completion_tokens), 0) AS completion_tokens, coalesce(sum(lu.total_tokens), 0) AS total_tokens,
  printf('%d', coalesce(sum(lu.cost_nano_usd), 0)) AS cost_nano_usd`;

export const ZERO: UsageTotals = { requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_nano_usd: '0' };

/** Visible usage totals per session in one statement (Session.totalTokens and costUsd). */
export function usageTotalsPerSession(db: Database, principal: Principal, sessionIds: readonly string[]): UsageTotals[] {
  const q = narrowed(visibleQuery(principal, 'llmUsage'), ['lu.session_id IN (SELECT value FROM json_each(:_sessions))'], {
    _sessions: JSON.stringify(sessionIds),
  });
  const rows = db.all<UsageTotals & { parent: string }>(
    `SELECT lu.session_id AS parent, ${TOTALS} FROM ${q.from} WHERE ${conditionsOf(q)} GROUP BY lu.session_id`,
    q.params,
  );
  const byParent = new Map(rows.map((row) => [row.parent, row]));
  return sessionIds.map((id) => byParent.get(id) ?? ZERO);
}

export type ModelPrice = { provider: string; model: string; prompt: number; completion: number };

export function modelPrices(db: Database, models: readonly string[]): Map<string, ModelPrice> {
  const rows = db.all<ModelPrice>(
    `SELECT provider, model, prompt_nano_usd_per_1k_tokens AS prompt, completion_nano_usd_per_1k_tokens AS completion
       FROM model_prices WHERE model IN (SELECT value FROM json_each(:models))`,
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

export function insertUsage(db: Database, usage: NewUsage): void {
  db.run(
    `INSERT INTO llm_usage (id, organization_id, agent_id, session_id, user_id, api_key_id, provider, model, prompt_tokens,
       completion_tokens, cost_nano_usd, latency_ms, created_at)
     VALUES (:id, :organizationId, :agentId, :sessionId, :userId, :apiKeyId, :provider, :model, :promptTokens,
       :completionTokens, :costNanoUsd, :latencyMs, :createdAt)`,
    usage,
  );
}

export type QuotaLimits = { monthly_token_limit: number | null; monthly_cost_limit_nano_usd: number | null };

export function quotaLimits(db: Database, organizationId: string): QuotaLimits | undefined {
  return db.get<QuotaLimits>('SELECT monthly_token_limit, monthly_cost_limit_nano_usd FROM llm_quotas WHERE organization_id = :organizationId', {
    organizationId,
  });
}

export function upsertQuota(
  db: Database,
  quota: { organizationId: string; tokenLimit: number | null; costLimit: bigint | null; now: string },
): QuotaLimits & { organization_id: string } {
  return db.get(
    `INSERT INTO llm_quotas (organization_id, monthly_token_limit, monthly_cost_limit_nano_usd, updated_at)
     VALUES (:organizationId, :tokenLimit, :costLimit, :now)
     ON CONFLICT (organization_id) DO UPDATE SET monthly_token_limit = excluded.monthly_token_limit,
       monthly_cost_limit_nano_usd = excluded.monthly_cost_limit_nano_usd, updated_at = excluded.updated_at
     RETURNING organization_id, monthly_token_limit, monthly_cost_limit_nano_usd`,
    quota,
  ) as QuotaLimits & { organization_id: string };
}
