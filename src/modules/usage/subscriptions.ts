// usageRecorded: each batch of LLM usage an organization records (its totals and the quota after it), as the subscriber may read it.
import { canSee } from '../../auth/policy';
import type { Payloads } from '../../events/bus';
import { delivered, deliveries } from '../../events/delivery';
import { builder } from '../../schema/builder';
import { organizationForWrite } from '../../schema/write';
import { Organization } from '../organizations/types';
import { Quota } from './types';

const UsageRecordedPayload = builder.objectRef<Payloads['usageRecorded']>('UsageRecordedPayload').implement({
  description: 'One recordLlmUsage batch: its totals, and the quota with it counted.',
  fields: (t) => ({
    organization: t.field({ type: Organization, nullable: true, resolve: (batch) => batch.organizationId }),
    count: t.exposeInt('count', { description: 'Records in the batch.' }),
    promptTokens: t.expose('promptTokens', { type: 'NonNegativeInt' }),
    cachedPromptTokens: t.expose('cachedPromptTokens', { type: 'NonNegativeInt' }),
    completionTokens: t.expose('completionTokens', { type: 'NonNegativeInt' }),
    reasoningTokens: t.expose('reasoningTokens', { type: 'NonNegativeInt' }),
    totalTokens: t.expose('totalTokens', { type: 'NonNegativeInt' }),
    costUsd: t.field({ type: 'UsdAmount', description: 'Exact cost of the batch in USD.', resolve: (batch) => batch.costNanoUsd }),
    models: t.exposeStringList('models'),
    recordedAt: t.field({ type: 'DateTime', resolve: (batch) => batch.recordedAt }),
    quota: t.field({
      type: Quota,
      nullable: true,
      description: "The organization's monthly limits and use with the batch counted; null without llm:quota:read:org.",
      resolve: (batch, _args, context) =>
        batch.quota && context.principal?.grants.holds('llm:quota:read:org', batch.organizationId) ? batch.quota : null,
    }),
  }),
});

builder.subscriptionFields((t) => ({
  usageRecorded: t.withAuth({ authenticated: true }).field({
    type: UsageRecordedPayload,
    description:
      'Each batch of LLM usage the organization records, that the subscriber may read: llm:quota:read:org, or llm:quota:read:self for the batches it recorded.',
    args: { organizationId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, context) => {
      const organizationId = await organizationForWrite(context, args.organizationId, 'organizationId');
      return deliveries(context, 'usageRecorded', organizationId, (principal, batch) =>
        canSee(principal, 'llmUsage', { organization_id: batch.organizationId, user_id: batch.userId, api_key_id: batch.apiKeyId }),
      );
    },
    resolve: (delivery, _args, context) => delivered(context, delivery),
  }),
}));
