// LLM usage: records, session totals, usageSummary on organizations and agents, and quotas.
import type { Permission } from '../../auth/permissions';
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { type ConnectionArgs, pageRequest, toConnections } from '../../schema/connections';
import { type Context, readerOf } from '../../schema/context';
import { BadUserInputError } from '../../schema/errors';
import { type FilteredListArgs, listPagesPerParent, orderInput, type SelectionInfo, visibleByIds } from '../../schema/lists';
import { Agent } from '../agents/types';
import { ApiKey } from '../apiKeys/types';
import { quotasOfOrganizations } from '../budgets/quota';
import { visibleOrganizationsByIds } from '../organizations/repo';
import { Organization } from '../organizations/types';
import { Session } from '../sessions/types';
import { User } from '../users/types';
import { USAGE, type UsageFilter, type UsageRow, type UsageTotals, usageFilter, usageTotalsPerSession, ZERO } from './repo';
import {
  NO_KEYS,
  type QuotaRow,
  USAGE_GROUPS,
  type UsageBucketRow,
  type UsageGroup,
  type UsageWindow,
  usageSummariesPerParent,
} from './rollups';

const USAGE_READ: readonly Permission[] = ['llm:quota:read:org', 'llm:quota:read:self'];

const CostSource = builder.enumType('CostSource', {
  description: "COMPUTED: from the model's prices in effect when the call happened; PROVIDER: the cost the provider reported.",
  values: { COMPUTED: { value: 'computed' }, PROVIDER: { value: 'provider' } } as const,
});

export const LlmUsageRecord = builder.loadableNode('LlmUsageRecord', {
  loaderOptions: LOADER_OPTIONS,
  description: 'One LLM call: tokens, exact cost and latency.',
  id: { resolve: (record: UsageRow) => record.id },
  load: async (ids: string[], context) => await visibleByIds<UsageRow>(context, readerOf(context), USAGE, ids),
  sort: (record) => record.id,
  readableBy: (record, context) => canSee(context.principal, 'llmUsage', record),
  fields: (t) => ({
    model: t.exposeString('model'),
    provider: t.exposeString('provider'),
    promptTokens: t.expose('prompt_tokens', { type: 'NonNegativeInt', description: 'Prompt tokens not served from the cache.' }),
    cachedPromptTokens: t.expose('cached_prompt_tokens', { type: 'NonNegativeInt', description: 'Prompt tokens served from the cache.' }),
    completionTokens: t.expose('completion_tokens', { type: 'NonNegativeInt', description: 'Completion tokens other than reasoning.' }),
    reasoningTokens: t.expose('reasoning_tokens', { type: 'NonNegativeInt', description: 'Reasoning tokens.' }),
    totalTokens: t.expose('total_tokens', {
      type: 'NonNegativeInt',
      description: 'The sum of the four disjoint kinds: prompt, cached prompt, completion and reasoning tokens.',
    }),
    costUsd: t.expose('cost_nano_usd', { type: 'UsdAmount', description: 'Exact cost in USD, fixed when recorded (see costSource).' }),
    costSource: t.expose('cost_source', {
      type: CostSource,
      description: "Whether costUsd was computed from the model's prices in effect at createdAt or reported by the provider.",
    }),
    latencyMs: t.exposeInt('latency_ms', { nullable: true }),
    agent: t.field({ type: Agent, nullable: true, resolve: (record) => record.agent_id }),
    session: t.field({ type: Session, nullable: true, resolve: (record) => record.session_id }),
    user: t.field({ type: User, nullable: true, resolve: (record) => record.user_id }),
    organization: t.field({ type: Organization, nullable: true, resolve: (record) => record.organization_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

export const LlmUsageConnection = builder.connectionObject({ type: LlmUsageRecord, name: 'LlmUsageConnection' });
export const LlmUsageOrder = orderInput('LlmUsage', USAGE.orderFields);
export const LlmUsageFilterInput = builder.inputType('LlmUsageFilter', {
  fields: (t) => ({
    model: t.string(),
    provider: t.string(),
    agentId: t.id({ description: 'Usage of this agent (its global id).' }),
    sessionId: t.id({ description: 'Usage of this session (its global id).' }),
    from: t.field({ type: 'DateTime', description: 'Recorded at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Recorded before this instant.' }),
  }),
});

const usageOf = (parentColumn: 'organization_id' | 'session_id' | 'agent_id') => ({
  type: LlmUsageConnection,
  byPath: true as const,
  description: 'LLM usage records the principal may see (with llm:quota:read:self, only its own).',
  load: async (ids: string[], context: Context, args: FilteredListArgs<UsageFilter>, info: SelectionInfo) =>
    listPagesPerParent<UsageRow>(context, readerOf(context), USAGE, parentColumn, ids, args, usageFilter(args.filter), info),
});

// Totals of visible usage per session, batched.
function sessionTotals(context: Context, sessionId: string): Promise<UsageTotals> {
  const loader = context.loaders.get<UsageTotals>(
    'usage.totals.session',
    async (ids) => await usageTotalsPerSession(context.db, readerOf(context), ids),
  );
  return loader.load(sessionId);
}

const usageScope = (organizationId: string) => ({ anyPermissionIn: { permissions: USAGE_READ, organizationId } });

builder.objectFields(Session, (t) => ({
  usage: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...usageOf('session_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: LlmUsageOrder }), filter: t.arg({ type: LlmUsageFilterInput }) },
    resolve: (session) => session.id,
  }),
  totalTokens: t.field({
    type: 'NonNegativeInt',
    nullable: true,
    description: 'Tokens used by the session (of the usage the principal may see). Needs a usage permission.',
    authScopes: (session) => usageScope(session.organization_id),
    resolve: async (session, _args, context) => (await sessionTotals(context, session.id)).total_tokens,
  }),
  costUsd: t.field({
    type: 'UsdAmount',
    nullable: true,
    description: 'Exact cost of the session in USD (of the usage the principal may see). Needs a usage permission.',
    authScopes: (session) => usageScope(session.organization_id),
    resolve: async (session, _args, context) => (await sessionTotals(context, session.id)).cost_nano_usd,
  }),
}));

builder.objectFields(Organization, (t) => ({
  usage: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...usageOf('organization_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: LlmUsageOrder }), filter: t.arg({ type: LlmUsageFilterInput }) },
    resolve: (organization) => organization.id,
  }),
}));

builder.objectFields(Agent, (t) => ({
  usage: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...usageOf('agent_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: LlmUsageOrder }), filter: t.arg({ type: LlmUsageFilterInput }) },
    resolve: (agent) => agent.id,
  }),
}));

// usageSummary: grouped buckets as a connection, plus the ungrouped total.

const UsageGroupBy = builder.enumType('UsageGroupBy', {
  values: Object.fromEntries(USAGE_GROUPS.map((group) => [group, { value: group }])) as Record<UsageGroup, { value: UsageGroup }>,
});

const UsageBucket = builder.objectRef<UsageBucketRow>('UsageBucket').implement({
  description: 'Usage summed over one group (only the keys asked for in groupBy are set).',
  fields: (t) => ({
    day: t.exposeString('day', { nullable: true, description: 'The UTC day, YYYY-MM-DD.' }),
    week: t.exposeString('week', { nullable: true, description: 'The ISO week (Monday to Sunday, UTC), named by its Monday: YYYY-MM-DD.' }),
    month: t.exposeString('month', { nullable: true, description: 'The UTC calendar month, YYYY-MM.' }),
    model: t.exposeString('model', { nullable: true }),
    provider: t.exposeString('provider', { nullable: true }),
    agent: t.field({ type: Agent, nullable: true, resolve: (bucket) => bucket.agent_id }),
    user: t.field({ type: User, nullable: true, resolve: (bucket) => bucket.user_id }),
    apiKey: t.field({
      type: ApiKey,
      nullable: true,
      description: 'The API key that recorded the usage (null when grouped otherwise, or the key is not visible).',
      resolve: (bucket) => bucket.api_key_id,
    }),
    requests: t.expose('requests', { type: 'NonNegativeInt' }),
    promptTokens: t.expose('prompt_tokens', { type: 'NonNegativeInt', description: 'Prompt tokens not served from the cache.' }),
    cachedPromptTokens: t.expose('cached_prompt_tokens', { type: 'NonNegativeInt', description: 'Prompt tokens served from the cache.' }),
    completionTokens: t.expose('completion_tokens', { type: 'NonNegativeInt', description: 'Completion tokens other than reasoning.' }),
    reasoningTokens: t.expose('reasoning_tokens', { type: 'NonNegativeInt' }),
    totalTokens: t.expose('total_tokens', { type: 'NonNegativeInt' }),
    costUsd: t.expose('cost_nano_usd', { type: 'UsdAmount', description: 'Exact summed cost in USD.' }),
  }),
});

type SummaryParent = { parentColumn: 'agent_id' | 'organization_id'; id: string };

/** A summary page carries its ungrouped total as a thunk, computed only when asked for. */
type SummaryTotal = { total: () => Promise<UsageBucketRow> };

const UsageSummaryConnection = builder.connectionObject<typeof UsageBucket, SummaryTotal>({
  type: UsageBucket,
  name: 'UsageSummaryConnection',
  fields: (t) => ({
    total: t.field({
      type: UsageBucket,
      description: 'The ungrouped total over the same rows: the sum of every bucket.',
      resolve: (connection) => connection.total(),
    }),
  }),
});

function summaryWindow(args: { from: string; to: string }): UsageWindow {
  if (args.from >= args.to) throw new BadUserInputError('from must be before to.', 'from');
  return { from: args.from, to: args.to };
}

/** The arguments of usageSummary. */
type SummaryArgs = ConnectionArgs & UsageWindow & { groupBy?: UsageGroup[] | null };

async function summaries(context: Context, parentColumn: SummaryParent['parentColumn'], ids: readonly string[], args: SummaryArgs) {
  const principal = readerOf(context);
  const groupBy = args.groupBy ?? [];
  const window = summaryWindow(args);
  // Buckets are ordered by their key; the cursor names that order.
  const sortKey = 'usageSummary|bucket:ASC';
  const request = pageRequest(args, sortKey);
  const summaries = await usageSummariesPerParent(context.db, principal, parentColumn, ids, groupBy, window, request);
  const pages = new Map(ids.map((id) => [id, summaries.get(id)?.page ?? { rows: [], hasMore: false }]));
  return toConnections(ids, pages, request, sortKey, async (id) => summaries.get(id)?.count ?? 0).map((connection, index) => ({
    ...connection,
    total: async (): Promise<UsageBucketRow> => ({ ...(summaries.get(ids[index] as string)?.total ?? ZERO), ...NO_KEYS }),
  }));
}

const summaryArgs = {
  description:
    "Usage between from (inclusive) and to (exclusive), grouped by the keys given (none: one bucket). Needs a usage permission; with llm:quota:read:self only the principal's own usage counts.",
};

/** The arguments of usageSummary, the same on organizations and agents. */
const summaryArguments = builder.args((t) => ({
  ...t.connectionArgs(),
  from: t.field({ type: 'DateTime', required: true }),
  to: t.field({ type: 'DateTime', required: true }),
  groupBy: t.field({ type: [UsageGroupBy] }),
}));

/** usageSummary on a parent: its id, the organization its usage permission is checked in, and its column. */
function summaryField<Parent>(
  parentColumn: SummaryParent['parentColumn'],
  idOf: (parent: Parent) => string,
  organizationOf: (parent: Parent) => string,
) {
  return {
    loaderOptions: LOADER_OPTIONS,
    type: UsageSummaryConnection,
    nullable: true,
    byPath: true,
    ...summaryArgs,
    authScopes: (parent: Parent) => usageScope(organizationOf(parent)),
    args: summaryArguments,
    resolve: idOf,
    load: async (ids: string[], context: Context, args: SummaryArgs) => summaries(context, parentColumn, ids, args),
  } as const;
}

builder.objectFields(Organization, (t) => ({
  usageSummary: t.loadable(
    summaryField(
      'organization_id',
      (organization: { id: string }) => organization.id,
      (organization) => organization.id,
    ),
  ),
}));

builder.objectFields(Agent, (t) => ({
  usageSummary: t.loadable(
    summaryField(
      'agent_id',
      (agent: { id: string; organization_id: string }) => agent.id,
      (agent) => agent.organization_id,
    ),
  ),
}));

// Quota: the organization's monthly limits with this month's use (needs llm:quota:read:org).

export const Quota = builder.loadableNode('Quota', {
  loaderOptions: LOADER_OPTIONS,
  description: "An organization's monthly LLM limits and this month's use (UTC calendar month).",
  id: { resolve: (quota: QuotaRow) => quota.organization_id },
  load: async (ids: string[], context) => {
    const principal = readerOf(context);
    const readable = ids.filter((id) => principal.grants.holds('llm:quota:read:org', id));
    return readable.length === 0
      ? []
      : await quotasOfOrganizations(context.db, await visibleOrganizationIds(context, readable), new Date());
  },
  sort: (quota) => quota.organization_id,
  authScopes: (quota) => ({ permissionIn: { permission: 'llm:quota:read:org', organizationId: quota.organization_id } }),
  fields: (t) => ({
    organization: t.field({ type: Organization, nullable: true, resolve: (quota) => quota.organization_id }),
    periodStart: t.expose('period_start', { type: 'DateTime' }),
    periodEnd: t.expose('period_end', { type: 'DateTime' }),
    monthlyTokenLimit: t.expose('monthly_token_limit', { type: 'NonNegativeInt', nullable: true, description: 'Null: no token limit.' }),
    monthlyCostLimitUsd: t.expose('monthly_cost_limit_nano_usd', {
      type: 'UsdAmount',
      nullable: true,
      description: 'Null: no cost limit.',
    }),
    tokensUsed: t.expose('tokens_used', { type: 'NonNegativeInt' }),
    costUsedUsd: t.expose('cost_used_nano_usd', { type: 'UsdAmount' }),
    tokensRemaining: t.field({
      type: 'NonNegativeInt',
      nullable: true,
      description: 'Tokens left this month (never below 0); null without a token limit.',
      resolve: (quota) => (quota.monthly_token_limit === null ? null : Math.max(0, quota.monthly_token_limit - quota.tokens_used)),
    }),
    costRemainingUsd: t.field({
      type: 'UsdAmount',
      nullable: true,
      description: 'USD left this month (never below 0); null without a cost limit.',
      resolve: (quota) => {
        if (quota.monthly_cost_limit_nano_usd === null) return null;
        const left = BigInt(quota.monthly_cost_limit_nano_usd) - BigInt(quota.cost_used_nano_usd);
        return left < 0n ? 0n : left;
      },
    }),
    updatedAt: t.expose('updated_at', { type: 'DateTime', nullable: true }),
  }),
});

/** Of these organization ids, the ones the principal may see. */
async function visibleOrganizationIds(context: Context, ids: string[]): Promise<string[]> {
  return (await visibleOrganizationsByIds(context.db, readerOf(context), ids)).map((row) => row.id);
}

builder.objectFields(Organization, (t) => ({
  quota: t.field({
    type: Quota,
    nullable: true,
    description: "Monthly limits and this month's use. Needs llm:quota:read:org.",
    authScopes: (organization) => ({ permissionIn: { permission: 'llm:quota:read:org', organizationId: organization.id } }),
    resolve: (organization) => organization.id,
  }),
}));
