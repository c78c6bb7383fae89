// The Budget type, and `budgets` on Organization, Agent, ApiKey and User: each parent's visible budgets in one
// statement per parent type, and each budget's use of its current period in one statement per request.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { type Context, readerOf } from '../../schema/context';
import { visibleByIds } from '../../schema/lists';
import { Agent } from '../agents/types';
import { ApiKey } from '../apiKeys/types';
import { Organization } from '../organizations/types';
import { User } from '../users/types';
import { BUDGET_PERIODS, type BudgetPeriod, periodWindow } from './periods';
import { BUDGET_LEVELS, BUDGETS, type BudgetLevel, type BudgetRow, type Use, usesOf, visibleBudgetsPerParent } from './repo';

export const BudgetLevelEnum = builder.enumType('BudgetLevel', {
  values: Object.fromEntries(BUDGET_LEVELS.map((level) => [level, { value: level }])) as Record<BudgetLevel, { value: BudgetLevel }>,
});
export const BudgetPeriodEnum = builder.enumType('BudgetPeriod', {
  description: 'UTC calendar periods: a day, an ISO week (from Monday) or a month.',
  values: Object.fromEntries(BUDGET_PERIODS.map((period) => [period, { value: period }])) as Record<BudgetPeriod, { value: BudgetPeriod }>,
});

/** A budget's current period and its use there, loaded for every budget of the request at once. */
type Current = { start: string; end: string; use: Use };

function currentOf(context: Context, budget: BudgetRow): Promise<Current> {
  const loader = context.loaders.get<Current>('budgets.current', async (keys) => {
    const now = new Date();
    const targets = keys.map((key) => {
      const [id, level, organizationId, subjectId, period] = JSON.parse(key) as [string, BudgetLevel, string, string, BudgetPeriod];
      return { key: id, level, organizationId, subjectId, ...periodWindow(period, now) };
    });
    const uses = await usesOf(context.db, targets);
    return targets.map(({ key, start, end }) => ({ start, end, use: uses.get(key) ?? { tokens: 0, cost: 0n } }));
  });
  return loader.load(JSON.stringify([budget.id, budget.level, budget.organization_id, budget.subject_id, budget.period]));
}

export const Budget = builder.loadableNode('Budget', {
  loaderOptions: LOADER_OPTIONS,
  description:
    "Limits on LLM use of one subject (an organization, agent, API key or user) per UTC calendar period, and the current period's use. Seen with llm:quota:read:org; with llm:quota:read:self only the caller's own user and API key budgets.",
  id: { resolve: (budget: BudgetRow) => budget.id },
  load: async (ids: string[], context) => await visibleByIds<BudgetRow>(context, readerOf(context), BUDGETS, ids),
  sort: (budget) => budget.id,
  readableBy: (budget, context) => canSee(context.principal, 'budget', budget),
  fields: (t) => ({
    level: t.expose('level', { type: BudgetLevelEnum }),
    period: t.expose('period', { type: BudgetPeriodEnum }),
    organization: t.field({ type: Organization, nullable: true, resolve: (budget) => budget.organization_id }),
    agent: t.field({ type: Agent, nullable: true, resolve: (budget) => budget.agent_id }),
    apiKey: t.field({ type: ApiKey, nullable: true, resolve: (budget) => budget.api_key_id }),
    user: t.field({ type: User, nullable: true, resolve: (budget) => budget.user_id }),
    tokenLimit: t.expose('token_limit', { type: 'NonNegativeInt', nullable: true, description: 'Null: no token limit.' }),
    costLimitUsd: t.expose('cost_limit_nano_usd', { type: 'UsdAmount', nullable: true, description: 'Null: no cost limit.' }),
    alertAtPercent: t.exposeInt('alert_at_percent', {
      nullable: true,
      description: 'The share of a limit whose crossing writes a budget.threshold_crossed audit entry, once per period.',
    }),
    usedTokens: t.field({
      type: 'NonNegativeInt',
      description: 'Tokens used in the current period.',
      resolve: async (budget, _args, context) => (await currentOf(context, budget)).use.tokens,
    }),
    usedCostUsd: t.field({
      type: 'UsdAmount',
      description: 'Exact cost used in the current period.',
      resolve: async (budget, _args, context) => (await currentOf(context, budget)).use.cost,
    }),
    remainingTokens: t.field({
      type: 'NonNegativeInt',
      nullable: true,
      description: 'Tokens left in the current period (never below 0); null without a token limit.',
      resolve: async (budget, _args, context) =>
        budget.token_limit === null ? null : Math.max(0, budget.token_limit - (await currentOf(context, budget)).use.tokens),
    }),
    remainingCostUsd: t.field({
      type: 'UsdAmount',
      nullable: true,
      description: 'USD left in the current period (never below 0); null without a cost limit.',
      resolve: async (budget, _args, context) => {
        if (budget.cost_limit_nano_usd === null) return null;
        const left = BigInt(budget.cost_limit_nano_usd) - (await currentOf(context, budget)).use.cost;
        return left < 0n ? 0n : left;
      },
    }),
    periodStart: t.field({ type: 'DateTime', resolve: async (budget, _args, context) => (await currentOf(context, budget)).start }),
    resetsAt: t.field({
      type: 'DateTime',
      description: 'The end of the current period, when use starts again from 0.',
      resolve: async (budget, _args, context) => (await currentOf(context, budget)).end,
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

type ParentColumn = 'organization_id' | 'agent_id' | 'api_key_id' | 'user_id';

function budgetsOf(context: Context, parentColumn: ParentColumn, parentId: string): Promise<BudgetRow[]> {
  const loader = context.loaders.get<BudgetRow[]>(
    `budgets.of.${parentColumn}`,
    async (ids) => await visibleBudgetsPerParent(context.db, readerOf(context), parentColumn, ids),
  );
  return loader.load(parentId);
}

const BUDGET_READ = ['llm:quota:read:org', 'llm:quota:read:self'] as const;
const readScope = (organizationId: string) => ({ anyPermissionIn: { permissions: BUDGET_READ, organizationId } });

builder.objectFields(Organization, (t) => ({
  budgets: t.field({
    type: [Budget],
    nullable: true,
    description:
      "The organization's budgets at every level the principal may see (with llm:quota:read:self, only its own user and API key budgets).",
    authScopes: (organization) => readScope(organization.id),
    resolve: (organization, _args, context) => budgetsOf(context, 'organization_id', organization.id),
  }),
}));

builder.objectFields(Agent, (t) => ({
  budgets: t.field({
    type: [Budget],
    nullable: true,
    description: "The agent's budgets. Needs llm:quota:read:org.",
    authScopes: (agent) => readScope(agent.organization_id),
    resolve: (agent, _args, context) => budgetsOf(context, 'agent_id', agent.id),
  }),
}));

builder.objectFields(ApiKey, (t) => ({
  budgets: t.field({
    type: [Budget],
    nullable: true,
    description: "The API key's budgets: with llm:quota:read:org, or llm:quota:read:self for the calling key itself.",
    authScopes: (key) => readScope(key.organization_id ?? ''),
    resolve: (key, _args, context) => budgetsOf(context, 'api_key_id', key.id),
  }),
}));

builder.objectFields(User, (t) => ({
  budgets: t.field({
    type: [Budget],
    description:
      "The user's budgets in the organizations where the principal may see them: with llm:quota:read:org there, or llm:quota:read:self for the caller itself.",
    resolve: (user, _args, context) => budgetsOf(context, 'user_id', user.id),
  }),
}));
