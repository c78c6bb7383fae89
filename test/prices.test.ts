// Prices over time and token kinds: a record is priced when it is recorded, with its model's prices in effect at
// its createdAt, each kind of tokens at its own rate, and keeps that cost (or the provider's); a price change
// never moves a recorded cost or a summary. setModelPrice is a platform setting, audited, and refuses bad input
// whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOrganization, gid } from './helpers/fixtures';
import { apiKeyFor } from './helpers/principals';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './helpers/server';

let server: TestServer;
let platformOwner: string;
let platformSupport: string;
let orgAdmin: { token: string; id: string };
let apiClient: { token: string; id: string };

const DAY = 86_400_000;
const MODEL = 'pricing-model';
const PROVIDER = 'pricingco';
const SINCE_EVER = '1970-01-01T00:00:00.000Z';

beforeAll(async () => {
  server = await startServer();
  await addOrganization(server, 'pricing');
  platformOwner = (await apiKeyFor(server, { org: null, role: 'platform_owner' })).token;
  platformSupport = (await apiKeyFor(server, { org: null, role: 'platform_support' })).token;
  orgAdmin = await apiKeyFor(server, { org: 'pricing', role: 'org_admin' });
  apiClient = await apiKeyFor(server, { org: 'pricing', role: 'api_client' });
});
afterAll(() => server.close());

const SET_PRICE = `mutation ($input: SetModelPriceInput!) { setModelPrice(input: $input) { modelPrice {
  provider model effectiveFrom effectiveUntil promptUsdPer1kTokens cachedPromptUsdPer1kTokens completionUsdPer1kTokens
  reasoningUsdPer1kTokens } } }`;
const RECORD = `mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { costUsd totalTokens records {
  id costUsd costSource promptTokens cachedPromptTokens completionTokens reasoningTokens totalTokens createdAt } } }`;

type Prices = {
  promptUsdPer1kTokens: string;
  cachedPromptUsdPer1kTokens?: string;
  completionUsdPer1kTokens: string;
  reasoningUsdPer1kTokens?: string;
};
type RecordNode = {
  id: string;
  costUsd: string;
  costSource: 'COMPUTED' | 'PROVIDER';
  promptTokens: number;
  cachedPromptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  createdAt: string;
};

async function setPrice(token: string, input: Record<string, unknown>): Promise<GraphQLResponse<Record<string, unknown>>> {
  return await server.gql(SET_PRICE, { input }, token);
}

async function record(records: Record<string, unknown>[]) {
  const response = await server.gql<{ recordLlmUsage: { costUsd: string; totalTokens: number; records: RecordNode[] } }>(
    RECORD,
    { input: { organizationId: gid('Organization', 'pricing'), records } },
    orgAdmin.token,
  );
  return response;
}

/** USD per 1,000 tokens as nano-USD per 1,000 tokens. */
const nano = (usd: string) => {
  const [whole, fraction = ''] = usd.split('.');
  return BigInt(whole as string) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
};
const usd = (value: bigint) => `${value / 1_000_000_000n}.${(value % 1_000_000_000n).toString().padStart(9, '0')}`;

/** The cost the contract promises: each kind at its own rate per 1,000 tokens, summed, rounded half up once. */
function expectedCost(prices: Required<Prices>, tokens: { prompt: number; cached: number; completion: number; reasoning: number }) {
  const thousandths =
    BigInt(tokens.prompt) * nano(prices.promptUsdPer1kTokens) +
    BigInt(tokens.cached) * nano(prices.cachedPromptUsdPer1kTokens) +
    BigInt(tokens.completion) * nano(prices.completionUsdPer1kTokens) +
    BigInt(tokens.reasoning) * nano(prices.reasoningUsdPer1kTokens);
  return usd((thousandths + 500n) / 1000n);
}

/** Rates with every digit in use and a different one per kind, so a kind priced at another's rate shows. */
const FIRST: Required<Prices> = {
  promptUsdPer1kTokens: '0.001234567',
  cachedPromptUsdPer1kTokens: '0.000123457',
  completionUsdPer1kTokens: '0.004938271',
  reasoningUsdPer1kTokens: '0.009876543',
};
const TOMORROW_PRICES: Required<Prices> = {
  promptUsdPer1kTokens: '1.5',
  cachedPromptUsdPer1kTokens: '0.75',
  completionUsdPer1kTokens: '3',
  reasoningUsdPer1kTokens: '6',
};

const periods = async () =>
  await server.services.db.all('SELECT * FROM model_price_periods WHERE model = :model ORDER BY effective_from', { model: MODEL });
const priceAudits = async () =>
  await server.services.db.all<{ result: string; organization_id: string | null; resource_id: string | null; metadata: string }>(
    "SELECT result, organization_id, resource_id, metadata, actor_api_key_id FROM audit_log WHERE action = 'model_price.set' ORDER BY id",
  );

describe('setModelPrice', () => {
  it('is refused without settings:update:platform, audited as DENIED, and changes nothing', async () => {
    for (const token of [orgAdmin.token, platformSupport, apiClient.token]) {
      const response = await setPrice(token, { model: MODEL, provider: PROVIDER, prices: FIRST, effectiveFrom: SINCE_EVER });
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.errors?.[0]?.message).toMatch(/settings:update:platform/);
    }
    expect(await periods()).toEqual([]);
    const audits = await priceAudits();
    expect(audits.map((entry) => [entry.result, entry.organization_id])).toEqual([
      ['denied', null],
      ['denied', null],
      ['denied', null],
    ]);
  });

  it('sets a price period with the platform permission, audited with what it set in the same transaction', async () => {
    const before = (await priceAudits()).length;
    const response = await setPrice(platformOwner, { model: MODEL, provider: PROVIDER, prices: FIRST, effectiveFrom: SINCE_EVER });
    expect(response.errors).toBeUndefined();
    expect(response.data?.setModelPrice).toEqual({
      modelPrice: { provider: PROVIDER, model: MODEL, effectiveFrom: SINCE_EVER, effectiveUntil: null, ...FIRST },
    });
    const audits = await priceAudits();
    expect(audits).toHaveLength(before + 1);
    const entry = audits.at(-1);
    expect(entry?.result).toBe('success');
    expect(entry?.organization_id).toBeNull();
    expect(entry?.resource_id).toBe(`${PROVIDER}/${MODEL}@${SINCE_EVER}`);
    expect(JSON.parse(entry?.metadata ?? '{}')).toMatchObject({
      before: null,
      after: {
        provider: PROVIDER,
        model: MODEL,
        effectiveFrom: SINCE_EVER,
        promptNanoUsdPer1kTokens: nano(FIRST.promptUsdPer1kTokens).toString(),
        cachedPromptNanoUsdPer1kTokens: nano(FIRST.cachedPromptUsdPer1kTokens).toString(),
        completionNanoUsdPer1kTokens: nano(FIRST.completionUsdPer1kTokens).toString(),
        reasoningNanoUsdPer1kTokens: nano(FIRST.reasoningUsdPer1kTokens).toString(),
      },
    });
  });

  it('takes cached and reasoning prices from prompt and completion when left out', async () => {
    const response = await setPrice(platformOwner, {
      model: 'pricing-plain',
      provider: PROVIDER,
      prices: { promptUsdPer1kTokens: '0.25', completionUsdPer1kTokens: '0.5' },
      effectiveFrom: SINCE_EVER,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data?.setModelPrice).toMatchObject({
      modelPrice: { cachedPromptUsdPer1kTokens: '0.250000000', reasoningUsdPer1kTokens: '0.500000000' },
    });
  });

  it('replaces a period set again at the same instant, with the period before it in the audit entry', async () => {
    const input = { model: 'pricing-plain', provider: PROVIDER, effectiveFrom: SINCE_EVER };
    const response = await setPrice(platformOwner, { ...input, prices: { promptUsdPer1kTokens: '0.3', completionUsdPer1kTokens: '0.6' } });
    expect(response.errors).toBeUndefined();
    const stored = await server.services.db.all<{ prompt: number }>(
      "SELECT prompt_nano_usd_per_1k_tokens AS prompt FROM model_price_periods WHERE model = 'pricing-plain'",
    );
    expect(stored.map((row) => Number(row.prompt))).toEqual([300_000_000]);
    const metadata = JSON.parse((await priceAudits()).at(-1)?.metadata ?? '{}');
    expect(metadata.before).toMatchObject({ promptNanoUsdPer1kTokens: '250000000', reasoningNanoUsdPer1kTokens: '500000000' });
    expect(metadata.after).toMatchObject({ promptNanoUsdPer1kTokens: '300000000', reasoningNanoUsdPer1kTokens: '600000000' });
  });

  it('keeps one provider per model when two providers are set at once', async () => {
    const responses = await Promise.all(
      ['raceco-a', 'raceco-b', 'raceco-c'].map((provider) =>
        setPrice(platformOwner, { model: 'pricing-race', provider, prices: FIRST, effectiveFrom: SINCE_EVER }),
      ),
    );
    expect(responses.map((response) => errorCodes(response)[0] ?? 'OK').sort()).toEqual(['CONFLICT', 'CONFLICT', 'OK']);
    const providers = await server.services.db.all("SELECT DISTINCT provider FROM model_price_periods WHERE model = 'pricing-race'");
    expect(providers).toHaveLength(1);
  });

  it('refuses bad input with BAD_USER_INPUT or CONFLICT and changes nothing', async () => {
    const snapshot = await server.services.db.all('SELECT * FROM model_price_periods ORDER BY provider, model, effective_from');
    const audits = (await priceAudits()).length;
    const good = { model: MODEL, provider: PROVIDER, prices: FIRST, effectiveFrom: '2030-01-01T00:00:00.000Z' };
    const bad: [Record<string, unknown>, string][] = [
      [{ ...good, prices: { ...FIRST, promptUsdPer1kTokens: '-0.001' } }, 'BAD_USER_INPUT'],
      [{ ...good, prices: { ...FIRST, cachedPromptUsdPer1kTokens: '-1' } }, 'BAD_USER_INPUT'],
      [{ ...good, prices: { ...FIRST, reasoningUsdPer1kTokens: '1e-3' } }, 'BAD_USER_INPUT'],
      [{ ...good, prices: { ...FIRST, completionUsdPer1kTokens: '1000000' } }, 'BAD_USER_INPUT'],
      [{ ...good, prices: { ...FIRST, completionUsdPer1kTokens: 0.5 } }, 'BAD_USER_INPUT'],
      [{ ...good, effectiveFrom: '2030-13-01T00:00:00.000Z' }, 'BAD_USER_INPUT'],
      [{ ...good, effectiveFrom: 'tomorrow' }, 'BAD_USER_INPUT'],
      [{ ...good, effectiveFrom: '2030-02-30T00:00:00.000Z' }, 'BAD_USER_INPUT'],
      [{ ...good, model: '' }, 'BAD_USER_INPUT'],
      [{ ...good, provider: '' }, 'BAD_USER_INPUT'],
      // A model has one provider: recordLlmUsage names only the model.
      [{ ...good, provider: 'otherco' }, 'CONFLICT'],
    ];
    for (const [input, code] of bad) {
      const response = await setPrice(platformOwner, input);
      expect(errorCodes(response), JSON.stringify(input)).toEqual([code]);
    }
    expect(await server.services.db.all('SELECT * FROM model_price_periods ORDER BY provider, model, effective_from')).toEqual(snapshot);
    expect(await priceAudits()).toHaveLength(audits);
  });
});

describe('pricing a record', () => {
  const tokens = { prompt: 12_345, cached: 6_789, completion: 2_468, reasoning: 1_357 };
  let first: RecordNode[];

  it('prices each kind of tokens at its own rate, and keeps a cost the provider reported', async () => {
    const response = await record([
      {
        model: MODEL,
        promptTokens: tokens.prompt,
        cachedPromptTokens: tokens.cached,
        completionTokens: tokens.completion,
        reasoningTokens: tokens.reasoning,
      },
      { model: MODEL, promptTokens: 1000, completionTokens: 1000 },
      { model: MODEL, promptTokens: 10, completionTokens: 20, reasoningTokens: 30, costUsd: '0.123456789' },
    ]);
    expect(response.errors).toBeUndefined();
    const records = response.data?.recordLlmUsage.records ?? [];
    first = records;
    const costs = [
      expectedCost(FIRST, tokens),
      expectedCost(FIRST, { prompt: 1000, cached: 0, completion: 1000, reasoning: 0 }),
      '0.123456789',
    ];
    expect(records.map((r) => [r.costUsd, r.costSource])).toEqual([
      [costs[0], 'COMPUTED'],
      [costs[1], 'COMPUTED'],
      [costs[2], 'PROVIDER'],
    ]);
    // Disjoint kinds: the total is their sum.
    expect(records[0]).toMatchObject({
      promptTokens: tokens.prompt,
      cachedPromptTokens: tokens.cached,
      completionTokens: tokens.completion,
      reasoningTokens: tokens.reasoning,
      totalTokens: tokens.prompt + tokens.cached + tokens.completion + tokens.reasoning,
    });
    expect(records[1]).toMatchObject({ cachedPromptTokens: 0, reasoningTokens: 0, totalTokens: 2000 });
    expect(response.data?.recordLlmUsage.totalTokens).toBe(records.reduce((sum, r) => sum + r.totalTokens, 0));
    expect(response.data?.recordLlmUsage.costUsd).toBe(usd(costs.reduce((sum, cost) => sum + nano(cost as string), 0n)));
    // Priced at the prompt rate alone, the cached tokens would have cost more: the rates really differ.
    expect(costs[0]).not.toBe(expectedCost(FIRST, { ...tokens, prompt: tokens.prompt + tokens.cached, cached: 0 }));
  });

  it('leaves recorded costs and summaries unchanged to the nano-dollar when a price changes effective tomorrow', async () => {
    const SUMMARY = `query ($from: DateTime!, $to: DateTime!) { organization(slug: "pricing") {
      usageSummary(from: $from, to: $to, groupBy: [DAY, MODEL], first: 100) { total { requests promptTokens cachedPromptTokens
        completionTokens reasoningTokens totalTokens costUsd } edges { node { day model requests totalTokens costUsd } } } } }`;
    const today = Math.floor(Date.now() / DAY) * DAY;
    const window = { from: new Date(today).toISOString(), to: new Date(today + DAY).toISOString() };
    const read = async () => {
      const summary = await server.gql(SUMMARY, window, orgAdmin.token);
      expect(summary.errors).toBeUndefined();
      const nodes = await server.gql<{ nodes: { costUsd: string; costSource: string }[] }>(
        'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on LlmUsageRecord { costUsd costSource } } }',
        { ids: first.map((r) => r.id) },
        orgAdmin.token,
      );
      return { summary: summary.data, records: nodes.data?.nodes };
    };
    const before = await read();
    expect(before.records?.map((r) => r.costUsd)).toEqual(first.map((r) => r.costUsd));

    const tomorrow = new Date(today + DAY).toISOString();
    const change = await setPrice(platformOwner, { model: MODEL, provider: PROVIDER, prices: TOMORROW_PRICES, effectiveFrom: tomorrow });
    expect(change.errors).toBeUndefined();
    expect(await read()).toEqual(before);

    // A record made now is still priced with today's prices; the listed periods show where each ends.
    const now = await record([{ model: MODEL, promptTokens: 1000, completionTokens: 1000 }]);
    expect(now.data?.recordLlmUsage.records[0]?.costUsd).toBe(
      expectedCost(FIRST, { prompt: 1000, cached: 0, completion: 1000, reasoning: 0 }),
    );
    const listed = await server.gql<{ modelPrices: { edges: { node: Record<string, unknown> }[] } }>(
      'query ($model: String) { modelPrices(model: $model) { totalCount edges { node { effectiveFrom effectiveUntil promptUsdPer1kTokens } } } }',
      { model: MODEL },
      apiClient.token,
    );
    expect(listed.data?.modelPrices).toEqual({
      totalCount: 2,
      edges: [
        { node: { effectiveFrom: SINCE_EVER, effectiveUntil: tomorrow, promptUsdPer1kTokens: FIRST.promptUsdPer1kTokens } },
        { node: { effectiveFrom: tomorrow, effectiveUntil: null, promptUsdPer1kTokens: '1.500000000' } },
      ],
    });
  });

  it('prices a record with the period in effect at its createdAt, and a later period never reprices an earlier record', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const twoHoursAgo = new Date(Date.now() - 7_200_000).toISOString();
    const early = await record([{ model: MODEL, promptTokens: 1000, completionTokens: 0, createdAt: twoHoursAgo }]);
    const earlyCost = expectedCost(FIRST, { prompt: 1000, cached: 0, completion: 0, reasoning: 0 });
    expect(early.data?.recordLlmUsage.records[0]?.costUsd).toBe(earlyCost);

    // A period starting an hour ago: records dated after it take it, the earlier record keeps its cost.
    const later: Required<Prices> = { ...FIRST, promptUsdPer1kTokens: '0.02' };
    expect(
      (await setPrice(platformOwner, { model: MODEL, provider: PROVIDER, prices: later, effectiveFrom: hourAgo })).errors,
    ).toBeUndefined();
    const response = await record([
      { model: MODEL, promptTokens: 1000, completionTokens: 0, createdAt: twoHoursAgo },
      { model: MODEL, promptTokens: 1000, completionTokens: 0 },
    ]);
    expect(response.data?.recordLlmUsage.records.map((r) => r.costUsd)).toEqual([earlyCost, '0.020000000']);
    const id = early.data?.recordLlmUsage.records[0]?.id as string;
    const again = await server.gql<{ node: { costUsd: string } }>(
      'query ($id: ID!) { node(id: $id) { ... on LlmUsageRecord { costUsd } } }',
      { id },
      orgAdmin.token,
    );
    expect(again.data?.node.costUsd).toBe(earlyCost);
  });

  it('refuses a record of a model with no price in effect at its createdAt, and records nothing of the batch', async () => {
    const future = new Date(Math.ceil(Date.now() / DAY) * DAY + 2 * DAY).toISOString();
    expect(
      (await setPrice(platformOwner, { model: 'pricing-later', provider: PROVIDER, prices: FIRST, effectiveFrom: future })).errors,
    ).toBeUndefined();
    const count = async () =>
      (await server.services.db.get<{ n: number }>("SELECT count(*) AS n FROM llm_usage WHERE organization_id = 'pricing'"))?.n;
    const before = await count();
    const response = await record([
      { model: MODEL, promptTokens: 1, completionTokens: 1 },
      { model: 'pricing-later', promptTokens: 1, completionTokens: 1 },
    ]);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toMatch(/records\.1\.model: "pricing-later" has no price in effect/);
    const bad = await record([{ model: MODEL, promptTokens: 1, completionTokens: 1, costUsd: '-0.5' }]);
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    const reported = await record([{ model: MODEL, promptTokens: 1, completionTokens: 1, costUsd: '1000000' }]);
    expect(errorCodes(reported)).toEqual(['BAD_USER_INPUT']);
    // A record that would cost 1000000 USD or more at the prices in effect (the stored sums stay exact 64-bit integers).
    const dear = { promptUsdPer1kTokens: '999999', completionUsdPer1kTokens: '999999' };
    expect(
      (await setPrice(platformOwner, { model: 'pricing-dear', provider: PROVIDER, prices: dear, effectiveFrom: SINCE_EVER })).errors,
    ).toBeUndefined();
    const costly = await record([{ model: 'pricing-dear', promptTokens: 1001, completionTokens: 0 }]);
    expect(errorCodes(costly)).toEqual(['BAD_USER_INPUT']);
    expect(costly.errors?.[0]?.message).toMatch(/records\.0: costs 1000998\.999000000 USD/);
    expect(Number(await count())).toBe(Number(before));
    // Just below the bound: 1,000 tokens at 999999 USD per 1,000.
    const affordable = await record([{ model: 'pricing-dear', promptTokens: 1000, completionTokens: 0 }]);
    expect(affordable.data?.recordLlmUsage.records[0]?.costUsd).toBe('999999.000000000');
  });
});

describe('modelPrices', () => {
  it('is readable by any authenticated principal, and by no one else', async () => {
    const query = '{ modelPrices(first: 100) { totalCount edges { node { provider model effectiveFrom } } } }';
    const response = await server.gql<{ modelPrices: { totalCount: number; edges: { node: { model: string } }[] } }>(
      query,
      {},
      apiClient.token,
    );
    expect(response.errors).toBeUndefined();
    const stored = await server.services.db.get<{ n: number }>('SELECT count(*) AS n FROM model_price_periods');
    expect(response.data?.modelPrices.totalCount).toBe(Number(stored?.n));
    expect(response.data?.modelPrices.edges.map((edge) => edge.node.model)).toContain('gpt-4o');
    const anonymous = await server.gql(query, {}, null);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('usageSummary periods and keys', () => {
  it('groups by ISO week (Monday), month and API key, with cached and reasoning tokens', async () => {
    // A Sunday, the Monday after it and the last day of that month, before any price change above.
    const dates = ['2026-11-01T23:59:59.999Z', '2026-11-02T00:00:00.000Z', '2026-10-31T12:00:00.000Z'];
    const mine = await record(
      dates.map((createdAt, i) => ({
        model: MODEL,
        promptTokens: 100,
        cachedPromptTokens: 10 * (i + 1),
        completionTokens: 1,
        reasoningTokens: i,
        createdAt,
      })),
    );
    expect(mine.errors).toBeUndefined();
    const theirs = await server.gql(
      RECORD,
      {
        input: {
          organizationId: gid('Organization', 'pricing'),
          records: [{ model: MODEL, promptTokens: 7, completionTokens: 7, createdAt: dates[1] }],
        },
      },
      apiClient.token,
    );
    expect(theirs.errors).toBeUndefined();
    const summary = await server.gql<{
      organization: { usageSummary: { edges: { node: Record<string, unknown> }[] } };
    }>(
      `{ organization(slug: "pricing") { usageSummary(from: "2026-10-01T00:00:00.000Z", to: "2026-11-08T00:00:00.000Z",
          groupBy: [WEEK, MONTH, API_KEY], first: 100) { edges { node { week month day apiKey { keyId } requests promptTokens
            cachedPromptTokens reasoningTokens totalTokens } } } } }`,
      {},
      orgAdmin.token,
    );
    expect(summary.errors).toBeUndefined();
    const keyIds = await server.services.db.all<{ id: string; key_id: string }>('SELECT id, key_id FROM api_keys WHERE id IN (:a, :b)', {
      a: orgAdmin.id,
      b: apiClient.id,
    });
    const keyId = (id: string) => keyIds.find((row) => row.id === id)?.key_id;
    const nodes = summary.data?.organization.usageSummary.edges.map((edge) => edge.node);
    expect(nodes).toEqual(
      expect.arrayContaining([
        // 2026-10-31 (a Saturday): week of Monday 2026-10-26, October.
        {
          week: '2026-10-26',
          month: '2026-10',
          day: null,
          apiKey: { keyId: keyId(orgAdmin.id) },
          requests: 1,
          promptTokens: 100,
          cachedPromptTokens: 30,
          reasoningTokens: 2,
          totalTokens: 133,
        },
        // 2026-11-01 (a Sunday): the same ISO week, November.
        {
          week: '2026-10-26',
          month: '2026-11',
          day: null,
          apiKey: { keyId: keyId(orgAdmin.id) },
          requests: 1,
          promptTokens: 100,
          cachedPromptTokens: 10,
          reasoningTokens: 0,
          totalTokens: 111,
        },
        // 2026-11-02 (a Monday): a new week, one bucket per key (org_admin sees every key of its organization).
        {
          week: '2026-11-02',
          month: '2026-11',
          day: null,
          apiKey: { keyId: keyId(orgAdmin.id) },
          requests: 1,
          promptTokens: 100,
          cachedPromptTokens: 20,
          reasoningTokens: 1,
          totalTokens: 122,
        },
        {
          week: '2026-11-02',
          month: '2026-11',
          day: null,
          apiKey: { keyId: keyId(apiClient.id) },
          requests: 1,
          promptTokens: 7,
          cachedPromptTokens: 0,
          reasoningTokens: 0,
          totalTokens: 14,
        },
      ]),
    );
    expect(nodes).toHaveLength(4);
  });
});
