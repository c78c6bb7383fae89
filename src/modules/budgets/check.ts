// The budget check of recordLlmUsage: a batch is held against every budget that applies to any of its records, in
// every period its records fall in, and refused whole (QUOTA_EXCEEDED, naming each budget it would pass) if any
// would pass its limit. A batch that reaches a budget's alertAtPercent writes one audit entry per budget and period
// and an event after the commit. The caller holds the organization's quota lock (lockQuota) and its transaction.
import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { isoNow } from '../../db/store';
import type { BusEvent } from '../../events/bus';
import type { InTransaction } from '../../schema/context';
import { QuotaExceededError } from '../../schema/errors';
import { formatNanoUsd } from '../../schema/money';
import { auditEntryFor, entryAdded } from '../../schema/write';
import { appendAuditEntry } from '../auditLog/repo';
import { type NewUsage, tokensOf } from '../usage/repo';
import { queueWebhookEvent, WEBHOOK_EVENTS } from '../webhooks/repo';
import { periodWindow } from './periods';
import { applicableBudgets, type BudgetLevel, type BudgetRow, markAlerted, type Use, type UseTarget, usesOf } from './repo';

/** What a refusal says of each budget the batch would pass (`extensions.budget` and `extensions.budgets`). */
export type ExceededBudget = {
  level: BudgetLevel;
  id: string;
  period: BudgetRow['period'];
  periodStart: string;
  resetsAt: string;
  limitTokens: number | null;
  limitCostUsd: string | null;
  /** Use of the period before the batch (nothing of a refused batch is recorded). */
  usedTokens: number;
  usedCostUsd: string;
  /** What the batch would add in that period. */
  batchTokens: number;
  batchCostUsd: string;
};

/** One budget in one period the batch touches, with the batch's records there. */
type Check = { budget: BudgetRow; start: string; end: string; key: string; tokens: number; cost: bigint };

const LEVEL_WORDS: Record<BudgetLevel, string> = {
  ORGANIZATION: 'organization',
  AGENT: 'agent',
  API_KEY: 'API key',
  USER: 'user',
};

/** The records of the batch a budget holds: all of them, or an agent's own. */
function heldBy(budget: BudgetRow, rows: readonly NewUsage[]): readonly NewUsage[] {
  return budget.level === 'AGENT' ? rows.filter((row) => row.agentId === budget.subject_id) : rows;
}

/** Each budget in each period its records fall in, with what the batch adds there. */
function checksOf(budgets: readonly BudgetRow[], rows: readonly NewUsage[]): Check[] {
  const checks = new Map<string, Check>();
  for (const budget of budgets) {
    for (const row of heldBy(budget, rows)) {
      const window = periodWindow(budget.period, row.createdAt);
      const key = `${budget.id}|${window.start}`;
      let check = checks.get(key);
      if (!check) {
        check = { budget, start: window.start, end: window.end, key, tokens: 0, cost: 0n };
        checks.set(key, check);
      }
      check.tokens += tokensOf(row);
      check.cost += row.costNanoUsd;
    }
  }
  return [...checks.values()];
}

function passes(check: Check, use: Use): boolean {
  const { token_limit: tokenLimit, cost_limit_nano_usd: costLimit } = check.budget;
  return (
    (tokenLimit !== null && use.tokens + check.tokens > tokenLimit) || (costLimit !== null && use.cost + check.cost > BigInt(costLimit))
  );
}

/** Whether the use with the batch reaches the alert threshold (percent of either limit). */
function reachesAlert(check: Check, use: Use): boolean {
  const { token_limit: tokenLimit, cost_limit_nano_usd: costLimit, alert_at_percent: percent } = check.budget;
  if (percent === null) return false;
  const tokens = BigInt(use.tokens + check.tokens) * 100n;
  const cost = (use.cost + check.cost) * 100n;
  return (
    (tokenLimit !== null && tokens >= BigInt(tokenLimit) * BigInt(percent)) ||
    (costLimit !== null && cost >= BigInt(costLimit) * BigInt(percent))
  );
}

function exceeded(check: Check, use: Use): ExceededBudget {
  const budget = check.budget;
  return {
    level: budget.level,
    id: encodeGlobalID('Budget', budget.id),
    period: budget.period,
    periodStart: check.start,
    resetsAt: check.end,
    limitTokens: budget.token_limit,
    limitCostUsd: budget.cost_limit_nano_usd === null ? null : formatNanoUsd(budget.cost_limit_nano_usd),
    usedTokens: use.tokens,
    usedCostUsd: formatNanoUsd(use.cost),
    batchTokens: check.tokens,
    batchCostUsd: formatNanoUsd(check.cost),
  };
}

function describe(budget: ExceededBudget): string {
  const limits = [
    budget.limitTokens === null ? null : `${budget.limitTokens} tokens`,
    budget.limitCostUsd === null ? null : `${budget.limitCostUsd} USD`,
  ].filter((limit) => limit !== null);
  return `the ${LEVEL_WORDS[budget.level]} ${budget.period.toLowerCase()} budget from ${budget.periodStart} (${limits.join(' and ')}; used ${budget.usedTokens} tokens and ${budget.usedCostUsd} USD, the batch would add ${budget.batchTokens} tokens and ${budget.batchCostUsd} USD)`;
}

export class BudgetExceededError extends QuotaExceededError {
  constructor(readonly budgets: ExceededBudget[]) {
    super(`The batch would pass ${budgets.map(describe).join('; ')}. Nothing was recorded.`, {
      budget: budgets[0],
      budgets,
    });
  }
}

/**
 * Checks the batch against its budgets (throws BudgetExceededError if any would pass) and writes the threshold
 * alerts it reaches; returns the events to publish after the commit.
 */
export async function checkBudgets(context: InTransaction, organizationId: string, rows: readonly NewUsage[]): Promise<BusEvent[]> {
  const principal = context.principal;
  const agentIds = [...new Set(rows.flatMap((row) => (row.agentId ? [row.agentId] : [])))];
  const budgets = await applicableBudgets(context.db, organizationId, { agentIds, apiKeyId: principal.apiKeyId, userId: principal.userId });
  if (budgets.length === 0) return [];
  const checks = checksOf(budgets, rows);
  const targets: UseTarget[] = checks.map((check) => ({
    key: check.key,
    level: check.budget.level,
    organizationId,
    subjectId: check.budget.subject_id,
    start: check.start,
    end: check.end,
  }));
  const uses = await usesOf(context.db, targets);
  const useOf = (check: Check): Use => uses.get(check.key) ?? { tokens: 0, cost: 0n };
  const over = checks.filter((check) => passes(check, useOf(check)));
  if (over.length > 0) throw new BudgetExceededError(over.map((check) => exceeded(check, useOf(check))));

  const events: BusEvent[] = [];
  for (const check of checks) {
    const { budget } = check;
    const alerted = budget.alerted_period_start !== null && budget.alerted_period_start >= check.start;
    if (alerted || !reachesAlert(check, useOf(check))) continue;
    await markAlerted(context.db, budget.id, check.start);
    budget.alerted_period_start = check.start;
    const use = useOf(check);
    const crossing = {
      budgetId: encodeGlobalID('Budget', budget.id),
      level: budget.level,
      period: budget.period,
      periodStart: check.start,
      resetsAt: check.end,
      alertAtPercent: budget.alert_at_percent as number,
      tokenLimit: budget.token_limit,
      costLimitNanoUsd: budget.cost_limit_nano_usd === null ? null : String(budget.cost_limit_nano_usd),
      usedTokens: use.tokens + check.tokens,
      usedCostNanoUsd: (use.cost + check.cost).toString(),
    };
    const entry = await appendAuditEntry(
      context.db,
      auditEntryFor(context, {
        action: 'budget.threshold_crossed',
        resourceType: 'budget',
        organizationId,
        resourceId: budget.id,
        result: 'success',
        metadata: crossing,
      }),
    );
    // The organization's webhooks hear of it through the outbox, in this transaction: a batch that rolls back
    // after all delivers nothing.
    await queueWebhookEvent(context.db, {
      organizationId,
      event: WEBHOOK_EVENTS.BUDGET_THRESHOLD_CROSSED,
      data: { organizationId: encodeGlobalID('Organization', organizationId), ...crossing },
      newId: randomUUID,
      now: isoNow(),
    });
    events.push({ topic: 'budgetThresholdCrossed', organizationId, payload: crossing }, ...entryAdded(entry));
  }
  return events;
}
