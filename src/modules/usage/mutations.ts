// recordLlmUsage (a metered batch, refused whole past any budget that applies) and setLlmQuota (the organization MONTH budget).

import type { StandardSchemaV1 } from '@pothos/plugin-validation';
import { z } from 'zod';
import { isoNow } from '../../db/store';
import type { Payloads } from '../../events/bus';
import { builder } from '../../schema/builder';
import { BadUserInputError } from '../../schema/errors';
import { MAX_ID_LENGTH, stringProblem } from '../../schema/inputRules';
import { formatNanoUsd } from '../../schema/money';
import { MAX_TOKENS_PER_CALL, TOKENS_PAST_MAXIMUM } from '../../schema/validation';
import { audited, organizationForWrite, requirePermission, visibleRowForWrite } from '../../schema/write';
import { AGENTS, type AgentRow } from '../agents/repo';
import { checkBudgets } from '../budgets/check';
import { quotaLimits, quotasOfOrganizations, upsertQuota } from '../budgets/quota';
import { SESSIONS, type SessionRow } from '../sessions/repo';
import { costOf, insertUsageBatch, lockQuota, type NewUsage, newUsageId, priceAt, pricePeriods, tokensOf } from './repo';
import type { QuotaRow } from './rollups';
import { LlmUsageRecord, Quota } from './types';

export const MAX_BATCH = 1000;
/**
 * A record's cost, reported or computed, stays below 1,000,000 USD: a batch's sum stays far inside the 64-bit
 * integers the database stores money in.
 */
const MAX_RECORD_COST_NANO_USD = 1_000_000n * 1_000_000_000n;

/** The longest model name. */
const MAX_MODEL_LENGTH = 200;
/** The longest latency: a day. */
const MAX_LATENCY_MS = 86_400_000;
const TOKEN_FIELDS = ['promptTokens', 'cachedPromptTokens', 'completionTokens', 'reasoningTokens'] as const;

const LlmUsageInput = builder.inputType('LlmUsageInput', {
  // Checked by recordRules on the list, in one pass over the batch.
  checkedByList: true,
  fields: (t) => ({
    model: t.string({
      required: true,
      description: 'A model with a price in effect at createdAt (modelPrices); its provider comes from there.',
      extensions: { maxLength: MAX_MODEL_LENGTH },
    }),
    promptTokens: t.field({
      type: 'NonNegativeInt',
      required: true,
      description: 'Prompt tokens not served from the cache (cached ones go in cachedPromptTokens, not here too).',
    }),
    cachedPromptTokens: t.field({
      type: 'NonNegativeInt',
      description: 'Prompt tokens served from the cache, priced at the cached prompt rate; 0 when left out.',
    }),
    completionTokens: t.field({
      type: 'NonNegativeInt',
      required: true,
      description: 'Completion tokens other than reasoning (reasoning ones go in reasoningTokens, not here too).',
    }),
    reasoningTokens: t.field({
      type: 'NonNegativeInt',
      description: 'Reasoning tokens, priced at the reasoning rate; 0 when left out.',
    }),
    costUsd: t.field({
      type: 'UsdAmount',
      description:
        'The cost the provider reported: stored as the cost instead of the one computed from the prices (costSource PROVIDER). Below 1000000 USD.',
    }),
    latencyMs: t.int(),
    agentId: t.id(),
    sessionId: t.id({ description: 'The session the call belongs to; its agent is used when agentId is left out.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When the call happened; now when left out. Never in the future.' }),
  }),
});

type RecordInput = {
  model: string;
  promptTokens: number;
  cachedPromptTokens?: number | null;
  completionTokens: number;
  reasoningTokens?: number | null;
  costUsd?: string | null;
  latencyMs?: number | null;
  agentId?: string | number | null;
  sessionId?: string | number | null;
};

/** The first rule a record breaks, as its field and message, or null; fields in the order the input declares them. */
function recordProblem(record: RecordInput): [field: string, message: string] | null {
  const model = stringProblem(record.model, MAX_MODEL_LENGTH) ?? (record.model.length === 0 ? 'must not be empty' : null);
  if (model !== null) return ['model', model];
  for (const field of TOKEN_FIELDS) {
    const count = record[field];
    if (count != null && count > MAX_TOKENS_PER_CALL) return [field, TOKENS_PAST_MAXIMUM];
  }
  if (record.costUsd != null && BigInt(record.costUsd) >= MAX_RECORD_COST_NANO_USD) return ['costUsd', 'must be below 1000000 USD'];
  if (record.latencyMs != null) {
    if (record.latencyMs < 0) return ['latencyMs', 'must not be negative'];
    if (record.latencyMs > MAX_LATENCY_MS) return ['latencyMs', 'is too large'];
  }
  for (const field of ['agentId', 'sessionId'] as const) {
    const problem = stringProblem(record[field], MAX_ID_LENGTH);
    if (problem !== null) return [field, problem];
  }
  return null;
}

/**
 * The batch's size, then each record's rules, in one pass: the first record that breaks one is named by its index
 * (`input.records.3.promptTokens`). Rules per field would have the validation plugin walk and copy every record
 * (a tenth of ingest's CPU).
 */
const recordRules: StandardSchemaV1<RecordInput[]> = {
  '~standard': {
    version: 1,
    vendor: 'foundry',
    validate: (value) => {
      const records = value as RecordInput[];
      if (records.length < 1) return { issues: [{ message: 'give at least one record' }] };
      if (records.length > MAX_BATCH) return { issues: [{ message: `at most ${MAX_BATCH} records per batch` }] };
      for (let index = 0; index < records.length; index++) {
        const problem = recordProblem(records[index] as RecordInput);
        if (problem !== null) return { issues: [{ message: problem[1], path: [index, problem[0]] }] };
      }
      return { value: records };
    },
  },
};

const RecordLlmUsageInput = builder.inputType('RecordLlmUsageInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    records: t.field({
      type: [LlmUsageInput],
      required: true,
      description: `1 to ${MAX_BATCH} records.`,
      validate: recordRules,
    }),
  }),
});

const RecordLlmUsagePayload = builder.objectRef<{ ids: string[]; tokens: number; cost: bigint }>('RecordLlmUsagePayload').implement({
  fields: (t) => ({
    records: t.field({ type: [LlmUsageRecord], nullable: { list: false, items: true }, resolve: (payload) => payload.ids }),
    count: t.int({ resolve: (payload) => payload.ids.length }),
    totalTokens: t.field({ type: 'NonNegativeInt', resolve: (payload) => payload.tokens }),
    costUsd: t.field({ type: 'UsdAmount', description: 'Exact cost of the batch in USD.', resolve: (payload) => payload.cost }),
  }),
});

const SetLlmQuotaInput = builder.inputType('SetLlmQuotaInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    monthlyTokenLimit: t.field({ type: 'NonNegativeInt', description: 'Null: no token limit.' }),
    monthlyCostLimitUsd: t
      .field({ type: 'UsdAmount', description: 'Below 1000000 USD, e.g. "250.00". Null: no cost limit.' })
      .validate(z.string().transform(BigInt).pipe(z.bigint().lt(MAX_COST_LIMIT_NANO_USD, 'must be below 1000000 USD')).nullish()),
  }),
});

const MAX_COST_LIMIT_NANO_USD = 1_000_000n * 1_000_000_000n;

builder.mutationFields((t) => ({
  recordLlmUsage: t.authField({
    type: RecordLlmUsagePayload,
    nullable: true,
    description: `Records a batch of LLM calls (1 to ${MAX_BATCH}), each priced with its model's prices in effect at its createdAt (or at the provider's costUsd). Needs llm:invoke. A batch that would pass any budget that applies (its organization's, each record's agent's, the calling API key's and user's, in each period its records fall in) is refused whole with QUOTA_EXCEEDED; extensions.budget names the first, extensions.budgets all.`,
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: RecordLlmUsageInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const principal = context.principal;
      const organizationId = await organizationForWrite(context, input.organizationId, 'input.organizationId');
      const now = isoNow();
      let alerted = false;
      const payload = await audited(context, 'llm_usage.record', 'llm_usage', async (context) => {
        requirePermission(context, 'llm:invoke', organizationId, null);
        // Every price period of the batch's models in one statement; each record takes the one in effect at its createdAt.
        const prices = await pricePeriods(
          context.db,
          input.records.map((record) => record.model),
        );
        const agents = new Map<string, AgentRow>();
        const sessions = new Map<string, SessionRow>();
        const rows: NewUsage[] = [];
        // One record after another: the first bad record is the one refused, and rows met before are looked up once.
        for (const [index, record] of input.records.entries()) {
          const field = `input.records.${index}`;
          // The DateTime scalar has already checked and normalized createdAt to the stored form.
          const createdAt = record.createdAt || now;
          if (createdAt > now) throw new BadUserInputError(`${field}.createdAt: must not be in the future.`, `${field}.createdAt`);
          if (!prices.has(record.model)) {
            throw new BadUserInputError(`${field}.model: "${record.model}" has no price; unknown model.`, `${field}.model`);
          }
          const price = priceAt(prices.get(record.model), createdAt);
          if (!price)
            throw new BadUserInputError(`${field}.model: "${record.model}" has no price in effect at ${createdAt}.`, `${field}.model`);
          const kinds = {
            prompt: record.promptTokens,
            cachedPrompt: record.cachedPromptTokens ?? 0,
            completion: record.completionTokens,
            reasoning: record.reasoningTokens ?? 0,
          };
          // A cost the provider reported wins over the one the prices give.
          const costNanoUsd = record.costUsd != null ? BigInt(record.costUsd) : costOf(price, kinds);
          if (costNanoUsd >= MAX_RECORD_COST_NANO_USD) {
            throw new BadUserInputError(
              `${field}: costs ${formatNanoUsd(costNanoUsd)} USD at the prices in effect; a record must cost below 1000000 USD.`,
              field,
            );
          }
          let session: SessionRow | undefined;
          if (record.sessionId) {
            session =
              sessions.get(record.sessionId) ??
              (await visibleRowForWrite<SessionRow>(context, SESSIONS, 'Session', record.sessionId, `${field}.sessionId`));
            sessions.set(record.sessionId, session);
            if (session.organization_id !== organizationId)
              throw new BadUserInputError(`${field}.sessionId: not of this organization.`, `${field}.sessionId`);
          }
          let agentId = session?.agent_id ?? null;
          if (record.agentId) {
            const agent =
              agents.get(record.agentId) ??
              (await visibleRowForWrite<AgentRow>(context, AGENTS, 'Agent', record.agentId, `${field}.agentId`));
            agents.set(record.agentId, agent);
            if (agent.organization_id !== organizationId)
              throw new BadUserInputError(`${field}.agentId: not of this organization.`, `${field}.agentId`);
            if (session && session.agent_id !== agent.id)
              throw new BadUserInputError(`${field}.agentId: not the agent of the session.`, `${field}.agentId`);
            agentId = agent.id;
          }
          rows.push({
            id: newUsageId(),
            organizationId,
            agentId,
            sessionId: session?.id ?? null,
            userId: principal.userId,
            apiKeyId: principal.apiKeyId,
            provider: price.provider,
            model: price.model,
            promptTokens: kinds.prompt,
            cachedPromptTokens: kinds.cachedPrompt,
            completionTokens: kinds.completion,
            reasoningTokens: kinds.reasoning,
            costNanoUsd,
            costSource: record.costUsd != null ? 'provider' : 'computed',
            latencyMs: record.latencyMs ?? null,
            createdAt,
          });
        }
        const promptTokens = rows.reduce((sum, row) => sum + row.promptTokens, 0);
        const cachedPromptTokens = rows.reduce((sum, row) => sum + (row.cachedPromptTokens ?? 0), 0);
        const completionTokens = rows.reduce((sum, row) => sum + row.completionTokens, 0);
        const reasoningTokens = rows.reduce((sum, row) => sum + (row.reasoningTokens ?? 0), 0);
        const tokens = rows.reduce((sum, row) => sum + tokensOf(row), 0);
        const cost = rows.reduce((sum, row) => sum + row.costNanoUsd, 0n);
        // Other writers of this organization wait from here to commit: the use read below stays true until then.
        await lockQuota(context.db, organizationId);
        // The one path that records usage, and the budget check inside it (test/layers.test.ts holds it so).
        const alerts = await checkBudgets(context, organizationId, rows);
        alerted = alerts.length > 0;
        const quota = await quotaWith(context.db, organizationId, rows, now);
        await insertUsageBatch(context.db, rows);
        const models = [...new Set(rows.map((row) => row.model))].sort();
        const recorded: Payloads['usageRecorded'] = {
          organizationId,
          userId: principal.userId,
          apiKeyId: principal.apiKeyId,
          count: rows.length,
          promptTokens,
          cachedPromptTokens,
          completionTokens,
          reasoningTokens,
          totalTokens: tokens,
          costNanoUsd: cost.toString(),
          models,
          recordedAt: now,
          quota,
        };
        return {
          organizationId,
          resourceId: null,
          metadata: { count: rows.length, totalTokens: tokens, costNanoUsd: cost.toString(), models },
          events: [{ topic: 'usageRecorded', organizationId, payload: recorded }, ...alerts],
          value: { ids: rows.map((row) => row.id), tokens, cost },
        };
      });
      // A threshold crossing queued webhook deliveries with the batch: committed now, they go out at once.
      if (alerted) context.webhooks.nudge();
      return payload;
    },
  }),
  setLlmQuota: t.authField({
    type: Quota,
    nullable: true,
    description:
      'Sets the monthly token and cost limits of an organization: its MONTH budget (null removes a limit). Needs llm:quota:update:org.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: SetLlmQuotaInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const organizationId = await organizationForWrite(context, input.organizationId, 'input.organizationId');
      return await audited(context, 'llm_quota.set', 'llm_quota', async (context) => {
        requirePermission(context, 'llm:quota:update:org', organizationId, organizationId);
        await lockQuota(context.db, organizationId);
        const before = (await quotaLimits(context.db, organizationId)) ?? null;
        const after = await upsertQuota(context.db, {
          organizationId,
          tokenLimit: input.monthlyTokenLimit ?? null,
          costLimit: input.monthlyCostLimitUsd ?? null,
          now: isoNow(),
        });
        const { organization_id: _id, ...limits } = after;
        return { organizationId, resourceId: organizationId, before, after: limits, value: organizationId };
      });
    },
  }),
}));

/** The organization's quota (its MONTH budget) with the batch's records of this month counted. */
async function quotaWith(
  db: Parameters<typeof quotaLimits>[0],
  organizationId: string,
  rows: NewUsage[],
  now: string,
): Promise<QuotaRow | null> {
  const [quota] = await quotasOfOrganizations(db, [organizationId], new Date(now));
  if (!quota) return null;
  const inPeriod = rows.filter((row) => row.createdAt >= quota.period_start && row.createdAt < quota.period_end);
  const tokens = quota.tokens_used + inPeriod.reduce((sum, row) => sum + tokensOf(row), 0);
  const cost = BigInt(quota.cost_used_nano_usd) + inPeriod.reduce((sum, row) => sum + row.costNanoUsd, 0n);
  return { ...quota, tokens_used: tokens, cost_used_nano_usd: cost.toString() };
}
