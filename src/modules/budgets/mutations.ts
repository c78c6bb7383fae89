// setBudget and deleteBudget: audited, with llm:quota:update:org in the budget's organization, on a subject the
// caller sees through the access policy.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import type { InTransaction } from '../../schema/context';
import { BadUserInputError, NotFoundError } from '../../schema/errors';
import { idOf } from '../../schema/ids';
import { audited, diff, organizationForWrite, requirePermission, visibleRowForWrite } from '../../schema/write';
import { AGENTS, type AgentRow } from '../agents/repo';
import { API_KEYS, type ApiKeyPublicRow } from '../apiKeys/repo';
import { lockQuota } from '../usage/repo';
import { visibleUsersByIds } from '../users/repo';
import { BUDGETS, type BudgetRow, type BudgetSubject, budgetOf, deleteBudgetRow, upsertBudget } from './repo';
import { Budget, BudgetPeriodEnum } from './types';

const MAX_COST_LIMIT_NANO_USD = 1_000_000n * 1_000_000_000n;

const SetBudgetInput = builder.inputType('SetBudgetInput', {
  description:
    'One subject: organizationId alone (the organization), agentId or apiKeyId alone, or userId with the organizationId the user is a member of.',
  fields: (t) => ({
    organizationId: t.id(),
    agentId: t.id(),
    apiKeyId: t.id(),
    userId: t.id(),
    period: t.field({ type: BudgetPeriodEnum, required: true }),
    tokenLimit: t.field({ type: 'NonNegativeInt', description: 'Null: no token limit.' }),
    costLimitUsd: t
      .field({ type: 'UsdAmount', description: 'Below 1000000 USD, e.g. "250.00". Null: no cost limit.' })
      .validate(z.string().transform(BigInt).pipe(z.bigint().lt(MAX_COST_LIMIT_NANO_USD, 'must be below 1000000 USD')).nullish()),
    alertAtPercent: t.int({
      description: 'Writes a budget.threshold_crossed audit entry (once per period) when use reaches this share of a limit.',
      validate: z.number().int().min(1, 'must be from 1 to 100').max(100, 'must be from 1 to 100').nullish(),
    }),
  }),
});

const DeleteBudgetInput = builder.inputType('DeleteBudgetInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const BudgetPayload = builder.objectRef<{ budget: BudgetRow }>('BudgetPayload').implement({
  fields: (t) => ({ budget: t.field({ type: Budget, nullable: true, resolve: (payload) => payload.budget }) }),
});
const DeleteBudgetPayload = builder.objectRef<{ deletedId: string; budget: BudgetRow }>('DeleteBudgetPayload').implement({
  fields: (t) => ({
    deletedId: t.id({ description: 'The global id of the removed budget.', resolve: (payload) => payload.deletedId }),
    budget: t.field({ type: Budget, nullable: true, description: 'The budget as it was.', resolve: (payload) => payload.budget }),
  }),
});

type SubjectInput = { organizationId?: string | null; agentId?: string | null; apiKeyId?: string | null; userId?: string | null };

/** The one subject the input names, seen by the caller through the access policy. */
async function subjectOf(context: InTransaction, input: SubjectInput): Promise<BudgetSubject> {
  const given = (['agentId', 'apiKeyId', 'userId'] as const).filter((name) => input[name] != null);
  const one = 'give exactly one subject: organizationId, agentId, apiKeyId, or userId with organizationId.';
  if (given.length > 1 || (given.length === 0 && input.organizationId == null)) throw new BadUserInputError(`input: ${one}`, 'input');
  const [name] = given;
  if ((name === 'agentId' || name === 'apiKeyId') && input.organizationId != null)
    throw new BadUserInputError(`input.organizationId: ${one}`, 'input.organizationId');
  if (name === 'agentId') {
    const agent = await visibleRowForWrite<AgentRow>(context, AGENTS, 'Agent', input.agentId as string, 'input.agentId');
    return { level: 'AGENT', organizationId: agent.organization_id, subjectId: agent.id };
  }
  if (name === 'apiKeyId') {
    const key = await visibleRowForWrite<ApiKeyPublicRow>(context, API_KEYS, 'ApiKey', input.apiKeyId as string, 'input.apiKeyId');
    if (key.organization_id === null) throw new BadUserInputError('input.apiKeyId: a platform key has no organization.', 'input.apiKeyId');
    return { level: 'API_KEY', organizationId: key.organization_id, subjectId: key.id };
  }
  if (input.organizationId == null)
    throw new BadUserInputError('input.organizationId: a user budget names its organization.', 'input.organizationId');
  const organizationId = await organizationForWrite(context, input.organizationId, 'input.organizationId');
  if (name !== 'userId') return { level: 'ORGANIZATION', organizationId, subjectId: organizationId };
  const userId = idOf(input.userId as string, 'User', 'input.userId');
  const [user] = await visibleUsersByIds(context.db, context.principal, [userId]);
  if (!user) throw new NotFoundError('User');
  if (!(JSON.parse(user.organization_ids) as string[]).includes(organizationId))
    throw new BadUserInputError('input.userId: not a member of the organization.', 'input.userId');
  return { level: 'USER', organizationId, subjectId: user.id };
}

const FIELDS = ['tokenLimit', 'costLimitNanoUsd', 'alertAtPercent'] as const;
const view = (row: BudgetRow | undefined) => ({
  tokenLimit: row?.token_limit ?? null,
  costLimitNanoUsd: row?.cost_limit_nano_usd == null ? null : String(row.cost_limit_nano_usd),
  alertAtPercent: row?.alert_at_percent ?? null,
});

builder.mutationFields((t) => ({
  setBudget: t.authField({
    type: BudgetPayload,
    nullable: true,
    description:
      "Sets a subject's budget for a period (made, or replaced: one per subject and period). Needs llm:quota:update:org in the budget's organization.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: SetBudgetInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'budget.set', 'budget', async (context) => {
        const subject = await subjectOf(context, input);
        requirePermission(context, 'llm:quota:update:org', subject.organizationId, subject.subjectId);
        // Limits change between batches, never during one (on PostgreSQL; SQLite has one writer).
        await lockQuota(context.db, subject.organizationId);
        const before = await budgetOf(context.db, subject, input.period);
        const alertAtPercent = input.alertAtPercent ?? null;
        const after = await upsertBudget(context.db, {
          ...subject,
          id: before?.id ?? randomUUID(),
          period: input.period,
          tokenLimit: input.tokenLimit ?? null,
          costLimit: input.costLimitUsd ?? null,
          alertAtPercent,
          // A new threshold may alert again in the current period.
          alertedPeriodStart: before && before.alert_at_percent === alertAtPercent ? before.alerted_period_start : null,
          now: isoNow(),
        });
        return {
          organizationId: subject.organizationId,
          resourceId: after.id,
          ...diff(view(before), view(after), FIELDS),
          metadata: { level: subject.level, subjectId: subject.subjectId, period: input.period },
          value: { budget: after },
        };
      });
    },
  }),
  deleteBudget: t.authField({
    type: DeleteBudgetPayload,
    nullable: true,
    description: "Removes a budget. Needs llm:quota:update:org in the budget's organization.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: DeleteBudgetInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'budget.delete', 'budget', async (context) => {
        const before = await visibleRowForWrite<BudgetRow>(context, BUDGETS, 'Budget', args.input.id, 'input.id');
        requirePermission(context, 'llm:quota:update:org', before.organization_id, before.id);
        await lockQuota(context.db, before.organization_id);
        await deleteBudgetRow(context.db, before.id);
        return {
          organizationId: before.organization_id,
          resourceId: before.id,
          before: view(before),
          metadata: { level: before.level, subjectId: before.subject_id, period: before.period },
          value: { deletedId: args.input.id, budget: before },
        };
      }),
  }),
}));
