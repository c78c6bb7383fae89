// recordLlmUsage, setLlmQuota, setModelPrice over HTTP: the usage module's table (run by test/helpers/mutations.ts),
// then what one row of the table cannot show.
import { describe, expect, it } from 'vitest';
import { jsonValues } from '../../src/db/store';
import { expectUnchanged, snapshot } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import { type Case, cibc, describeMutations, FUTURE, inQuant, mutate, mutationHarness, quant, rawId } from '../helpers/mutations';
import { errorCodes } from '../helpers/server';

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'recordLlmUsage',
    action: 'llm_usage.record',
    select: 'count totalTokens costUsd records { id model provider promptTokens completionTokens totalTokens costUsd agent { id } }',
    failures: [
      {
        when: 'an org_viewer records usage (it lacks llm:invoke)',
        as: 'viewer',
        input: () => ({ organizationId: quant, records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }] }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin records usage for cibc',
        as: 'admin',
        input: () => ({ organizationId: cibc, records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }] }),
        code: 'NOT_FOUND',
      },
      {
        when: 'a record names a cibc session',
        as: 'admin',
        input: () => ({
          organizationId: quant,
          records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1, sessionId: gid('Session', 'ses-c-001') }],
        }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the second record names an unknown model',
        as: 'admin',
        input: () => ({
          organizationId: quant,
          records: [
            { model: 'gpt-4o', promptTokens: 1, completionTokens: 1 },
            { model: 'gpt-unknown', promptTokens: 1, completionTokens: 1 },
          ],
        }),
        code: 'BAD_USER_INPUT',
        field: 'input.records.1.model',
      },
      {
        when: 'a token count is negative',
        as: 'admin',
        input: () => ({ organizationId: quant, records: [{ model: 'gpt-4o', promptTokens: 10, completionTokens: -5 }] }),
        code: 'BAD_USER_INPUT',
        scalar: 'NonNegativeInt',
      },
      {
        when: 'the batch has 1001 records',
        as: 'admin',
        input: () => ({
          organizationId: quant,
          records: Array.from({ length: 1001 }, () => ({ model: 'gpt-4o-mini', promptTokens: 1, completionTokens: 1 })),
        }),
        code: 'BAD_USER_INPUT',
        field: 'input.records',
      },
      {
        when: 'the batch is empty',
        as: 'admin',
        input: () => ({ organizationId: quant, records: [] }),
        code: 'BAD_USER_INPUT',
        field: 'input.records',
      },
      {
        when: 'a record happened in the future',
        as: 'admin',
        input: () => ({ organizationId: quant, records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1, createdAt: FUTURE }] }),
        code: 'BAD_USER_INPUT',
        field: 'input.records.0.createdAt',
      },
    ],
    happy: {
      when: 'for an org_admin, each record priced exactly and rounded half up to whole nano-USD',
      as: 'admin',
      input: () => ({
        organizationId: quant,
        records: [
          { model: 'gpt-4o', promptTokens: 1001, completionTokens: 333, agentId: gid('Agent', 'agt-001'), latencyMs: 900 },
          { model: 'half-model', promptTokens: 1, completionTokens: 0 },
          { model: 'half-model', promptTokens: 1, completionTokens: 1 },
          { model: 'odd-model', promptTokens: 2, completionTokens: 1 },
          { model: 'gpt-4o', promptTokens: 2_000_000, completionTokens: 500_000 },
        ],
      }),
      organization: inQuant,
      check: async (payload, entry) => {
        // gpt-4o: 1001 × 2,500,000 + 333 × 10,000,000 = 5,832,500,000 thousandths of nano-USD → 5,832,500.
        // half-model: 1 × 2,500 = 2.5 → 3 (half up, not to even); 2,500 + 1,500 = 4.0 → 4 (rounded once, not per part).
        // odd-model: 2 × 1,234,567 + 7 = 2,469.141 → 2,469 (down).
        // gpt-4o: 2,000,000 × 2,500 + 500,000 × 10,000 = 10,000,000,000 nano-USD = $10.
        expect(payload.records.map((record: { costUsd: string }) => record.costUsd)).toEqual([
          '0.005832500',
          '0.000000003',
          '0.000000004',
          '0.000002469',
          '10.000000000',
        ]);
        expect(payload.records.map((record: { provider: string; totalTokens: number }) => [record.provider, record.totalTokens])).toEqual([
          ['openai', 1334],
          ['testco', 1],
          ['testco', 2],
          ['testco', 3],
          ['openai', 2_500_000],
        ]);
        expect(payload.records[0].agent).toEqual({ id: gid('Agent', 'agt-001') });
        expect(payload).toMatchObject({ count: 5, totalTokens: 2_501_340, costUsd: '10.005834976' });
        const stored = await h.server.services.db.all<{ cost_nano_usd: number }>(
          `SELECT cost_nano_usd FROM llm_usage WHERE id IN (SELECT value FROM ${jsonValues(h.server.services.db)}(:ids)) ORDER BY cost_nano_usd`,
          { ids: JSON.stringify(payload.records.map((record: { id: string }) => rawId(record.id))) },
        );
        expect(stored.map((row) => row.cost_nano_usd)).toEqual([3, 4, 2469, 5_832_500, 10_000_000_000]);
        expect(entry.metadata).toMatchObject({ count: 5 });
      },
    },
  },
  {
    mutation: 'setLlmQuota',
    action: 'llm_quota.set',
    select: 'monthlyTokenLimit monthlyCostLimitUsd organization { slug }',
    failures: [
      {
        when: 'platform_support, who sees quant, sets it (it lacks llm:quota:update:org)',
        as: 'support',
        input: () => ({ organizationId: quant, monthlyTokenLimit: 1 }),
        code: 'FORBIDDEN',
      },
      {
        when: 'an org_operator sets it',
        as: 'operator',
        input: () => ({ organizationId: quant, monthlyTokenLimit: 1 }),
        code: 'FORBIDDEN',
      },
      {
        when: "a quant org_admin sets cibc's",
        as: 'admin',
        input: () => ({ organizationId: cibc, monthlyTokenLimit: 1 }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the token limit is negative',
        as: 'admin',
        input: () => ({ organizationId: quant, monthlyTokenLimit: -1 }),
        code: 'BAD_USER_INPUT',
        scalar: 'NonNegativeInt',
      },
      {
        when: 'the cost limit is not a decimal',
        as: 'admin',
        input: () => ({ organizationId: quant, monthlyCostLimitUsd: '1.2.3' }),
        code: 'BAD_USER_INPUT',
        scalar: 'UsdAmount',
      },
      { when: 'an org_viewer sets it', as: 'viewer', input: () => ({ organizationId: quant, monthlyTokenLimit: 1 }), code: 'FORBIDDEN' },
    ],
    happy: {
      when: 'for an org_admin, recording the limits before and after',
      as: 'admin',
      input: () => ({ organizationId: quant, monthlyTokenLimit: 900_000_000, monthlyCostLimitUsd: '1234.5' }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload).toEqual({ monthlyTokenLimit: 900_000_000, monthlyCostLimitUsd: '1234.500000000', organization: { slug: 'quant' } });
        expect(entry.metadata).toHaveProperty('before');
        expect(entry.metadata).toHaveProperty('after');
        expect(JSON.stringify(entry.metadata.before)).toContain('5000000'); // the seeded monthly token limit
        expect(JSON.stringify(entry.metadata.after)).toContain('900000000');
      },
    },
  },
  {
    mutation: 'setModelPrice',
    action: 'model_price.set',
    select:
      'modelPrice { provider model effectiveFrom effectiveUntil promptUsdPer1kTokens cachedPromptUsdPer1kTokens completionUsdPer1kTokens reasoningUsdPer1kTokens }',
    failures: [
      {
        when: 'an org_admin sets a price (it lacks settings:update:platform)',
        as: 'admin',
        input: () => priceInput({}),
        code: 'FORBIDDEN',
      },
      {
        when: 'platform_support sets a price (it lacks settings:update:platform)',
        as: 'support',
        input: () => priceInput({}),
        code: 'FORBIDDEN',
      },
      {
        when: 'a price is negative',
        as: 'owner',
        input: () => priceInput({ prices: { promptUsdPer1kTokens: '-0.5', completionUsdPer1kTokens: '1' } }),
        code: 'BAD_USER_INPUT',
        scalar: 'UsdAmount',
      },
      {
        when: 'a price is 1000000 USD per 1,000 tokens',
        as: 'owner',
        input: () => priceInput({ prices: { promptUsdPer1kTokens: '1', completionUsdPer1kTokens: '1000000' } }),
        code: 'BAD_USER_INPUT',
        field: 'input.prices.completionUsdPer1kTokens',
      },
      {
        when: 'effectiveFrom is not an instant',
        as: 'owner',
        input: () => priceInput({ effectiveFrom: '2026-02-30T00:00:00.000Z' }),
        code: 'BAD_USER_INPUT',
        scalar: 'DateTime',
      },
      {
        when: 'the model is priced under another provider',
        as: 'owner',
        input: () => priceInput({ provider: 'anthropic' }),
        code: 'CONFLICT',
      },
    ],
    happy: {
      when: 'for the platform owner, a period from a future instant on, on the platform audit chain',
      as: 'owner',
      input: () => priceInput({}),
      organization: () => null,
      check: (payload, entry) => {
        expect(payload).toEqual({
          modelPrice: {
            provider: 'testco',
            model: 'odd-model',
            effectiveFrom: FUTURE,
            effectiveUntil: null,
            promptUsdPer1kTokens: '0.002000000',
            cachedPromptUsdPer1kTokens: '0.000500000',
            completionUsdPer1kTokens: '0.004000000',
            reasoningUsdPer1kTokens: '0.004000000',
          },
        });
        expect(entry.resource_id).toBe(`testco/odd-model@${FUTURE}`);
        expect(entry.metadata.before).toBeNull();
        expect(entry.metadata.after).toMatchObject({ promptNanoUsdPer1kTokens: '2000000', cachedPromptNanoUsdPer1kTokens: '500000' });
      },
    },
  },
];

/** A price of odd-model (testco) from FUTURE on, with what the failure changes. */
function priceInput(change: Record<string, unknown>) {
  return {
    model: 'odd-model',
    provider: 'testco',
    effectiveFrom: FUTURE,
    prices: { promptUsdPer1kTokens: '0.002', cachedPromptUsdPer1kTokens: '0.0005', completionUsdPer1kTokens: '0.004' },
    ...change,
  };
}

describeMutations(h, 'usage', CASES);

describe('usage mutations, beyond one row of the table', () => {
  it('recordLlmUsage refuses a whole batch with QUOTA_EXCEEDED when it would pass the monthly token limit, and takes one that reaches it exactly', async () => {
    const quota = await h.server.gql('{ organization(slug: "quant") { quota { tokensUsed } } }', {}, h.tokens.admin);
    const used: number = quota.data?.organization.quota.tokensUsed;
    expect(typeof used).toBe('number');
    const set = await mutate(
      h.server,
      'setLlmQuota',
      'monthlyTokenLimit',
      { organizationId: quant, monthlyTokenLimit: used + 1000, monthlyCostLimitUsd: null },
      h.tokens.admin,
    );
    expect(set.errors).toBeUndefined();
    const record = (promptTokens: number, completionTokens: number) => ({ model: 'gpt-4o-mini', promptTokens, completionTokens });

    // The first record alone would fit; the two together pass the limit by one token.
    const before = await snapshot(h.server);
    const over = await mutate(
      h.server,
      'recordLlmUsage',
      'count',
      { organizationId: quant, records: [record(600, 0), record(300, 101)] },
      h.tokens.admin,
    );
    expect(errorCodes(over)).toEqual(['QUOTA_EXCEEDED']);
    expect(over.data?.recordLlmUsage ?? null).toBeNull();
    await expectUnchanged(h.server, before);

    const exact = await mutate(
      h.server,
      'recordLlmUsage',
      'count totalTokens',
      { organizationId: quant, records: [record(600, 0), record(300, 100)] },
      h.tokens.admin,
    );
    expect(exact.errors).toBeUndefined();
    expect(exact.data?.recordLlmUsage).toEqual({ count: 2, totalTokens: 1000 });
    const after = await h.server.gql('{ organization(slug: "quant") { quota { tokensUsed tokensRemaining } } }', {}, h.tokens.admin);
    expect(after.data?.organization.quota).toEqual({ tokensUsed: used + 1000, tokensRemaining: 0 });

    const full = await snapshot(h.server);
    const one = await mutate(h.server, 'recordLlmUsage', 'count', { organizationId: quant, records: [record(1, 0)] }, h.tokens.admin);
    expect(errorCodes(one)).toEqual(['QUOTA_EXCEEDED']);
    await expectUnchanged(h.server, full);

    const lifted = await mutate(
      h.server,
      'setLlmQuota',
      'monthlyTokenLimit',
      { organizationId: quant, monthlyTokenLimit: null },
      h.tokens.admin,
    );
    expect(lifted.data?.setLlmQuota.monthlyTokenLimit).toBeNull();
  });
});
