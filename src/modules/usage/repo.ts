// SQL for LLM usage: records, per-session totals, grouped summaries and quotas.
// Sums are taken over the access policy's visible rows only, and money sums
// leave SQLite as decimal text of an integer so that no float ever touches them.
import { narrowed, visibleQuery } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import type { Database, SqlValue } from '../../db/connection';
import { type Page, type PageRequest, fetchPagesPerParent, type Sort } from '../../db/keyset';
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

const ZERO: UsageTotals = { requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_nano_usd: '0' };

/** The visible usage rows of the given parents, narrowed by a filter. */
function visibleUsageOfParents(principal: Principal, parentColumn: string, parentIds: readonly string[], narrowing: Narrowing) {
  return narrowed(visibleQuery(principal, 'llmUsage'), [...narrowing.where, `lu.${parentColumn} IN (SELECT value FROM json_each(:_parents))`], {
    ...narrowing.params,
    _parents: JSON.stringify(parentIds),
  });
}

/** Visible usage totals per parent (session, agent or organization) in one statement. */
export function usageTotalsPerParent(
  db: Database,
  principal: Principal,
  parentColumn: 'session_id' | 'agent_id' | 'organization_id',
  parentIds: readonly string[],
  narrowing: Narrowing = { where: [], params: {} },
): UsageTotals[] {
  const q = visibleUsageOfParents(principal, parentColumn, parentIds, narrowing);
  const rows = db.all<UsageTotals & { parent: string }>(
    `SELECT lu.${parentColumn} AS parent, ${TOTALS} FROM ${q.from} WHERE ${q.where.join(' AND ')} GROUP BY lu.${parentColumn}`,
    q.params,
  );
  const byParent = new Map(rows.map((row) => [row.parent, row]));
  return parentIds.map((id) => byParent.get(id) ?? ZERO);
}

export const USAGE_GROUPS = {
  DAY: 'substr(lu.created_at, 1, 10)',
  MODEL: 'lu.model',
  PROVIDER: 'lu.provider',
  AGENT: 'lu.agent_id',
  USER: 'lu.user_id',
} as const;
export type UsageGroup = keyof typeof USAGE_GROUPS;
const GROUP_COLUMNS: Record<UsageGroup, string> = { DAY: 'day', MODEL: 'model', PROVIDER: 'provider', AGENT: 'agent_id', USER: 'user_id' };

export type UsageBucketRow = UsageTotals & {
  id: string;
  day: string | null;
  model: string | null;
  provider: string | null;
  agent_id: string | null;
  user_id: string | null;
};

/**
 * Grouped usage for many parents at once: the groups of each parent are
 * computed in one GROUP BY and paged per parent by a window over the group
 * key, so an agents list with usageSummary costs one statement, not one per agent.
 */
export function usageBucketPagesPerParent(
  db: Database,
  principal: Principal,
  parentColumn: 'agent_id' | 'organization_id',
  parentIds: readonly string[],
  groupBy: readonly UsageGroup[],
  narrowing: Narrowing,
  sort: Sort,
  page: PageRequest,
): Map<string, Page<UsageBucketRow>> {
  const groups = [...new Set(groupBy)].sort((a, b) => Object.keys(USAGE_GROUPS).indexOf(a) - Object.keys(USAGE_GROUPS).indexOf(b));
  const q = narrowed(visibleQuery(principal, 'llmUsage'), narrowing.where, narrowing.params);
  const selected = (Object.keys(USAGE_GROUPS) as UsageGroup[]).map((group) =>
    groups.includes(group) ? `${USAGE_GROUPS[group]} AS ${GROUP_COLUMNS[group]}` : `NULL AS ${GROUP_COLUMNS[group]}`,
  );
  const key = groups.length === 0 ? "'[]'" : `json_array(${groups.map((group) => USAGE_GROUPS[group]).join(', ')})`;
  const grouped = `(SELECT lu.${parentColumn} AS parent, ${selected.join(', ')}, ${key} AS id, ${TOTALS}
      FROM ${q.from} WHERE ${q.where.join(' AND ')} AND lu.${parentColumn} IN (SELECT value FROM json_each(:_parents))
      GROUP BY lu.${parentColumn}${groups.map((group) => `, ${USAGE_GROUPS[group]}`).join('')}) b`;
  return fetchPagesPerParent<UsageBucketRow>(
    db,
    { columns: 'b.*', from: grouped, where: [], params: q.params, parentExpression: 'b.parent' },
    parentIds,
    sort,
    page,
  );
}

/** How many groups each parent has (totalCount of usageSummary). */
export function usageBucketCountsPerParent(
  db: Database,
  principal: Principal,
  parentColumn: 'agent_id' | 'organization_id',
  parentIds: readonly string[],
  groupBy: readonly UsageGroup[],
  narrowing: Narrowing,
): Map<string, number> {
  const q = visibleUsageOfParents(principal, parentColumn, parentIds, narrowing);
  const groups = [...new Set(groupBy)].map((group) => USAGE_GROUPS[group]);
  const distinct = groups.length === 0 ? '1' : `DISTINCT json_array(${groups.join(', ')})`;
  const rows = db.all<{ parent: string; n: number }>(
    `SELECT lu.${parentColumn} AS parent, count(${distinct}) AS n FROM ${q.from} WHERE ${q.where.join(' AND ')} GROUP BY lu.${parentColumn}`,
    q.params,
  );
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  for (const row of rows) counts.set(row.parent, groups.length === 0 ? Math.min(row.n, 1) : row.n);
  return counts;
}

export type QuotaRow = {
  organization_id: string;
  monthly_token_limit: number | null;
  monthly_cost_limit_nano_usd: number | null;
  updated_at: string | null;
  period_start: string;
  period_end: string;
  tokens_used: number;
  cost_used_nano_usd: string;
};

/** Quotas with this month's use, for the organizations given (all their usage: callers hold llm:quota:read:org). */
export function quotasOfOrganizations(db: Database, organizationIds: readonly string[], now: Date): QuotaRow[] {
  const periodStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const periodEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
  const params: Record<string, SqlValue> = { ids: JSON.stringify(organizationIds), periodStart, periodEnd };
  return db.all<QuotaRow>(
    `SELECT o.value AS organization_id, q.monthly_token_limit, q.monthly_cost_limit_nano_usd, q.updated_at,
            :periodStart AS period_start, :periodEnd AS period_end,
            (SELECT coalesce(sum(total_tokens), 0) FROM llm_usage
              WHERE organization_id = o.value AND created_at >= :periodStart AND created_at < :periodEnd) AS tokens_used,
            (SELECT printf('%d', coalesce(sum(cost_nano_usd), 0)) FROM llm_usage
              WHERE organization_id = o.value AND created_at >= :periodStart AND created_at < :periodEnd) AS cost_used_nano_usd
       FROM json_each(:ids) o LEFT JOIN llm_quotas q ON q.organization_id = o.value`,
    params,
  );
}
