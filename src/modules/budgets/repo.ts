// SQL for budgets: the rows (read through the access policy for the graph, whole for enforcement), their writes,
// and the use of each budget's period, read from the daily rollups.
import { visibleRows } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import { type Sql, sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';
import type { ListSpec } from '../../schema/lists';
import type { BudgetPeriod } from './periods';

export type BudgetLevel = 'ORGANIZATION' | 'AGENT' | 'API_KEY' | 'USER';
export const BUDGET_LEVELS: readonly BudgetLevel[] = ['ORGANIZATION', 'AGENT', 'API_KEY', 'USER'];

export type BudgetRow = {
  id: string;
  organization_id: string;
  level: BudgetLevel;
  subject_id: string;
  agent_id: string | null;
  api_key_id: string | null;
  user_id: string | null;
  period: BudgetPeriod;
  token_limit: number | null;
  /** Integer nano-USD (a number, or decimal text past 2^53). */
  cost_limit_nano_usd: number | string | null;
  alert_at_percent: number | null;
  alerted_period_start: string | null;
  created_at: string;
  updated_at: string;
};

export const BUDGETS: ListSpec = {
  resource: 'budget',
  columns: sql`b.*`,
  orderFields: { CREATED_AT: sql`b.created_at` },
  defaultOrder: { field: 'CREATED_AT', direction: 'ASC' },
};

/** The column of llm_usage_daily (and of budgets) that names a level's subject; organizations read the coarse rollup. */
const SUBJECT_COLUMN: Record<Exclude<BudgetLevel, 'ORGANIZATION'>, 'agent_id' | 'api_key_id' | 'user_id'> = {
  AGENT: 'agent_id',
  API_KEY: 'api_key_id',
  USER: 'user_id',
};

/** Budgets in list order: by level, subject and period. */
const LIST_ORDER = sql`ORDER BY CASE b.level WHEN 'ORGANIZATION' THEN 0 WHEN 'AGENT' THEN 1 WHEN 'API_KEY' THEN 2 ELSE 3 END,
  b.subject_id, CASE b.period WHEN 'DAY' THEN 0 WHEN 'WEEK' THEN 1 ELSE 2 END`;

/**
 * Every budget that applies to a batch of this organization: the organization's, those of the agents given, of
 * the calling API key and of the calling user. Read whole (the caller need not be able to read budgets to be held
 * by them), in the caller's transaction.
 */
export async function applicableBudgets(
  db: Tx,
  organizationId: string,
  subjects: { agentIds: readonly string[]; apiKeyId: string | null; userId: string | null },
): Promise<BudgetRow[]> {
  return await db.all<BudgetRow>(
    sql`SELECT b.* FROM budgets b WHERE b.organization_id = ${organizationId} AND (b.level = 'ORGANIZATION'
      OR (b.level = 'AGENT' AND b.subject_id IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(subjects.agentIds)})))
      OR (b.level = 'API_KEY' AND b.subject_id = ${subjects.apiKeyId ?? ''})
      OR (b.level = 'USER' AND b.subject_id = ${subjects.userId ?? ''}))
      ${LIST_ORDER}`,
  );
}

/** The visible budgets of each parent (an organization, agent, API key or user), in one statement. */
export async function visibleBudgetsPerParent(
  db: Reader,
  principal: Principal,
  parentColumn: 'organization_id' | 'agent_id' | 'api_key_id' | 'user_id',
  parentIds: readonly string[],
): Promise<BudgetRow[][]> {
  const rows = await db.all<BudgetRow>(
    sql`SELECT b.* FROM budgets b
      WHERE ${sql.ident('b', parentColumn)} IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(parentIds)}))
        AND ${visibleRows(principal, 'budget', 'b')}
      ${LIST_ORDER}`,
  );
  const byParent = new Map<string, BudgetRow[]>(parentIds.map((id) => [id, []]));
  for (const row of rows) byParent.get(row[parentColumn] as string)?.push(row);
  return parentIds.map((id) => byParent.get(id) ?? []);
}

/** A use to read: a budget's subject over whole UTC days [start, end). */
export type UseTarget = { key: string; level: BudgetLevel; organizationId: string; subjectId: string; start: string; end: string };
export type Use = { tokens: number; cost: bigint };

/** Targets per statement: a UNION ALL arm each, five values apiece. */
const TARGETS_PER_STATEMENT = 200;

/**
 * The use of each target from the daily rollups (periods are whole days, so this equals a scan of the raw
 * records): the coarse rollup for organizations, the fine one for agents, API keys and users.
 */
export async function usesOf(db: Reader, targets: readonly UseTarget[]): Promise<Map<string, Use>> {
  const uses = new Map<string, Use>();
  for (let at = 0; at < targets.length; at += TARGETS_PER_STATEMENT) {
    const arms = targets.slice(at, at + TARGETS_PER_STATEMENT).map((target) => useArm(target));
    const rows = await db.all<{ k: string; tokens: string; cost: string }>(sql.join(arms, sql` UNION ALL `));
    for (const row of rows) uses.set(row.k, { tokens: Number(row.tokens), cost: BigInt(row.cost) });
  }
  return uses;
}

function useArm(target: UseTarget): Sql {
  const days = sql`organization_id = ${target.organizationId} AND day >= ${target.start.slice(0, 10)} AND day < ${target.end.slice(0, 10)}`;
  const sums = sql`${sql.word('integerTextOpen')}coalesce(sum(total_tokens), 0)${sql.word('integerTextClose')} AS tokens,
    ${sql.word('integerTextOpen')}coalesce(sum(cost_nano_usd), 0)${sql.word('integerTextClose')} AS cost`;
  if (target.level === 'ORGANIZATION')
    return sql`SELECT CAST(${target.key} AS TEXT) AS k, ${sums} FROM llm_usage_model_daily WHERE ${days}`;
  return sql`SELECT CAST(${target.key} AS TEXT) AS k, ${sums} FROM llm_usage_daily
    WHERE ${days} AND ${sql.ident(SUBJECT_COLUMN[target.level])} = ${target.subjectId}`;
}

export type BudgetSubject = { level: BudgetLevel; organizationId: string; subjectId: string };

export async function budgetOf(db: Reader, subject: BudgetSubject, period: BudgetPeriod): Promise<BudgetRow | undefined> {
  return await db.get<BudgetRow>(
    sql`SELECT b.* FROM budgets b WHERE b.organization_id = ${subject.organizationId} AND b.level = ${subject.level}
      AND b.subject_id = ${subject.subjectId} AND b.period = ${period}`,
  );
}

export type BudgetLimits = {
  tokenLimit: number | null;
  costLimit: bigint | null;
  alertAtPercent: number | null;
  /** Kept from the row before unless its threshold changed (a new threshold may alert in the current period). */
  alertedPeriodStart: string | null;
};

/** Sets a subject's budget of a period, made or replaced (one per subject and period). */
export async function upsertBudget(
  db: Tx,
  budget: BudgetSubject & BudgetLimits & { id: string; period: BudgetPeriod; now: string },
): Promise<BudgetRow> {
  const column = (level: BudgetLevel) => (budget.level === level ? budget.subjectId : null);
  return (await db.get<BudgetRow>(
    sql`INSERT INTO budgets (id, organization_id, level, subject_id, agent_id, api_key_id, user_id, period, token_limit,
        cost_limit_nano_usd, alert_at_percent, alerted_period_start, created_at, updated_at)
      VALUES (${budget.id}, ${budget.organizationId}, ${budget.level}, ${budget.subjectId}, ${column('AGENT')}, ${column('API_KEY')},
        ${column('USER')}, ${budget.period}, ${budget.tokenLimit}, ${budget.costLimit}, ${budget.alertAtPercent},
        ${budget.alertedPeriodStart}, ${budget.now}, ${budget.now})
      ON CONFLICT (organization_id, level, subject_id, period) DO UPDATE SET token_limit = excluded.token_limit,
        cost_limit_nano_usd = excluded.cost_limit_nano_usd, alert_at_percent = excluded.alert_at_percent,
        alerted_period_start = excluded.alerted_period_start, updated_at = excluded.updated_at
      RETURNING *`,
  )) as BudgetRow;
}

export async function deleteBudgetRow(db: Tx, id: string): Promise<void> {
  await db.run(sql`DELETE FROM budgets WHERE id = ${id}`);
}

/** Records that the budget's threshold was crossed in the period starting then (it alerts once per period). */
export async function markAlerted(db: Tx, id: string, periodStart: string): Promise<void> {
  await db.run(sql`UPDATE budgets SET alerted_period_start = ${periodStart} WHERE id = ${id}`);
}
