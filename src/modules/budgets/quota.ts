// The monthly quota of an organization (Organization.quota, setLlmQuota) is its organization MONTH budget: read
// from it and written to it, with the answers the quota gave before budgets.
import { randomUUID } from 'node:crypto';
import { sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';
import { monthUseOfOrganizations, type QuotaRow, quotaPeriod } from '../usage/rollups';
import { type BudgetRow, budgetOf, upsertBudget } from './repo';

export type QuotaLimits = { monthly_token_limit: number | null; monthly_cost_limit_nano_usd: number | string | null };

const monthOf = (organizationId: string) => ({ level: 'ORGANIZATION' as const, organizationId, subjectId: organizationId });

export async function quotaLimits(db: Reader, organizationId: string): Promise<QuotaLimits | undefined> {
  const budget = await budgetOf(db, monthOf(organizationId), 'MONTH');
  return budget && { monthly_token_limit: budget.token_limit, monthly_cost_limit_nano_usd: budget.cost_limit_nano_usd };
}

/** Sets the limits of the organization MONTH budget (made when missing; its alert threshold kept). */
export async function upsertQuota(
  db: Tx,
  quota: { organizationId: string; tokenLimit: number | null; costLimit: bigint | null; now: string },
): Promise<QuotaLimits & { organization_id: string }> {
  const subject = monthOf(quota.organizationId);
  const before = await budgetOf(db, subject, 'MONTH');
  const after = await upsertBudget(db, {
    ...subject,
    id: before?.id ?? randomUUID(),
    period: 'MONTH',
    tokenLimit: quota.tokenLimit,
    costLimit: quota.costLimit,
    alertAtPercent: before?.alert_at_percent ?? null,
    alertedPeriodStart: before?.alerted_period_start ?? null,
    now: quota.now,
  });
  return {
    organization_id: after.organization_id,
    monthly_token_limit: after.token_limit,
    monthly_cost_limit_nano_usd: after.cost_limit_nano_usd,
  };
}

/** Quotas with this month's use for the organizations given (no MONTH budget: no limits, no updatedAt). */
export async function quotasOfOrganizations(db: Reader, organizationIds: readonly string[], now: Date): Promise<QuotaRow[]> {
  const period = quotaPeriod(now);
  const budgets = await db.all<BudgetRow>(
    sql`SELECT b.* FROM budgets b WHERE b.level = 'ORGANIZATION' AND b.period = 'MONTH'
      AND b.organization_id IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(organizationIds)}))`,
  );
  const byOrganization = new Map(budgets.map((budget) => [budget.organization_id, budget]));
  const uses = await monthUseOfOrganizations(db, organizationIds, period);
  return organizationIds.map((organizationId) => {
    const budget = byOrganization.get(organizationId);
    const use = uses.get(organizationId);
    return {
      organization_id: organizationId,
      monthly_token_limit: budget?.token_limit ?? null,
      monthly_cost_limit_nano_usd: budget?.cost_limit_nano_usd ?? null,
      updated_at: budget?.updated_at ?? null,
      period_start: period.start,
      period_end: period.end,
      tokens_used: use?.tokens ?? 0,
      cost_used_nano_usd: use?.cost ?? '0',
    };
  });
}
