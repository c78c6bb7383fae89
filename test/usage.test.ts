// LLM usage in the read graph: exact decimal money, summaries whose groups
// add up to the total to the last digit, and quotas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, addOrganization, addUsage } from './helpers/fixtures';
import { type GraphQLResponse, startServer, type TestServer } from './helpers/server';

let server: TestServer;
const costs: number[] = [];

beforeAll(async () => {
  server = await startServer();
  await addOrganization(server, 'ledger');
  const models = [
    ['openai', 'gpt-4o'],
    ['openai', 'gpt-4o-mini'],
    ['anthropic', 'claude-sonnet-4'],
    ['google', 'gemini-1.5-flash'],
  ] as const;
  await server.services.db.transaction(async (tx) => {
    for (const agent of ['ledger-a', 'ledger-b', 'ledger-c']) {
      await addAgent(tx, { id: agent, organizationId: 'ledger', domainId: 'ledger-main' });
    }
    for (let i = 0; i < 240; i++) {
      // Costs with every digit in use, up to about $9.87 each: floats would drift, integers must not.
      const cost = 1 + ((i * 987_654_321) % 9_876_543_211);
      costs.push(cost);
      const [provider, model] = models[i % models.length] as (typeof models)[number];
      await addUsage(tx, {
        id: `ledger-${i}`,
        organizationId: 'ledger',
        agentId: ['ledger-a', 'ledger-b', 'ledger-c'][i % 3] as string,
        userId: ['nwalker85', 'sarah.chen', null][i % 3] ?? null,
        provider,
        model,
        promptTokens: 1000 + i,
        completionTokens: 10 * i,
        costNanoUsd: cost,
        createdAt: new Date(Date.UTC(2026, 1, 1 + (i % 20), i % 24, i % 60, 0, i)).toISOString(),
      });
    }
  });
});
afterAll(() => server.close());

/** Adds decimal strings exactly. */
function sumUsd(values: string[]): string {
  const nano = values.reduce((total, value) => total + BigInt(value.replace('.', '')), 0n);
  return `${nano / 1_000_000_000n}.${(nano % 1_000_000_000n).toString().padStart(9, '0')}`;
}

type SummaryPage = Summary & { organization: { usageSummary: { pageInfo: { hasNextPage: boolean; endCursor: string } } } };

type Summary = {
  organization: {
    usageSummary: {
      totalCount: number;
      total: { costUsd: string; requests: number; totalTokens: number };
      edges: { node: { costUsd: string; requests: number; totalTokens: number } }[];
    };
  };
};

const SUMMARY = `query ($groupBy: [UsageGroupBy!], $after: String) {
  organization(slug: "ledger") {
    usageSummary(from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z", groupBy: $groupBy, first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      total { costUsd requests totalTokens }
      edges { node { day model provider agent { id } user { id } costUsd requests totalTokens } }
    }
  }
}`;

describe('usageSummary', () => {
  it('gives the ungrouped total exactly as the sum of the stored integers', async () => {
    const response = await server.gql<Summary>(SUMMARY, { groupBy: [] });
    const exact = costs.reduce((total, cost) => total + BigInt(cost), 0n);
    const text = `${exact / 1_000_000_000n}.${(exact % 1_000_000_000n).toString().padStart(9, '0')}`;
    expect(response.data?.organization.usageSummary.total.costUsd).toBe(text);
    expect(response.data?.organization.usageSummary.total.requests).toBe(240);
  });

  const groupings = [
    ['DAY'],
    ['MODEL'],
    ['PROVIDER'],
    ['AGENT'],
    ['USER'],
    ['DAY', 'MODEL'],
    ['PROVIDER', 'AGENT', 'USER'],
    ['DAY', 'MODEL', 'PROVIDER', 'AGENT', 'USER'],
  ];
  for (const groupBy of groupings) {
    it(`sums the buckets grouped by ${groupBy.join(' + ')} to the total, to the last digit`, async () => {
      const buckets: { costUsd: string; requests: number; totalTokens: number }[] = [];
      let after: string | null = null;
      let total: Summary['organization']['usageSummary']['total'] | null = null;
      let totalCount = 0;
      for (let guard = 0; guard < 20; guard++) {
        const response: GraphQLResponse<SummaryPage> = await server.gql<SummaryPage>(SUMMARY, { groupBy, after });
        expect(response.errors).toBeUndefined();
        const summary = response.data?.organization.usageSummary;
        if (!summary) throw new Error('no summary');
        buckets.push(...summary.edges.map((edge) => edge.node));
        total = summary.total;
        totalCount = summary.totalCount;
        if (!summary.pageInfo.hasNextPage) break;
        after = summary.pageInfo.endCursor;
      }
      expect(buckets).toHaveLength(totalCount);
      expect(buckets.length).toBeGreaterThan(1);
      expect(sumUsd(buckets.map((bucket) => bucket.costUsd))).toBe(total?.costUsd);
      expect(buckets.reduce((n, bucket) => n + bucket.requests, 0)).toBe(total?.requests);
      expect(buckets.reduce((n, bucket) => n + bucket.totalTokens, 0)).toBe(total?.totalTokens);
    });
  }

  it('refuses a window whose from is not before to', async () => {
    const response = await server.gql(
      '{ organization(slug: "ledger") { usageSummary(from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { totalCount } } }',
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("sums an agent's usage the same way as its records", async () => {
    const response = await server.gql<{
      agents: {
        edges: {
          node: {
            name: string;
            usageSummary: { total: { costUsd: string } };
            usage: { totalCount: number; edges: { node: { costUsd: string } }[] };
          };
        }[];
      };
    }>(
      `{ agents(first: 3, filter: { search: "ledger" }) { edges { node { name
          usageSummary(from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { total { costUsd } }
          usage(first: 100) { totalCount edges { node { costUsd } } } } } } }`,
    );
    const agents = response.data?.agents.edges ?? [];
    expect(agents).toHaveLength(3);
    for (const { node } of agents) {
      expect(node.usage.totalCount).toBe(80);
      expect(sumUsd(node.usage.edges.map((edge) => edge.node.costUsd))).toBe(node.usageSummary.total.costUsd);
    }
  });
});

describe('costUsd', () => {
  it('is a decimal string with nine places, never a float', async () => {
    const response = await server.gql<{ organization: { usage: { edges: { node: { costUsd: string } }[] } } }>(
      '{ organization(slug: "ledger") { usage(first: 5) { edges { node { costUsd } } } } }',
    );
    const values = response.data?.organization.usage.edges.map((edge) => edge.node.costUsd) ?? [];
    expect(values).toHaveLength(5);
    for (const value of values) expect(value).toMatch(/^\d+\.\d{9}$/);
  });
});

describe('usage order', () => {
  it('is by time only: ordering records by cost is refused as an unknown value (summaries rank costs)', async () => {
    const response = await server.gql('{ organization(slug: "ledger") { usage(first: 5, orderBy: { field: COST }) { totalCount } } }');
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.data).toBeUndefined();
  });
});

describe('quota', () => {
  it("shows limits, this month's use and what remains", async () => {
    const now = new Date();
    const inMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 0, 0, 1)).toISOString();
    await server.services.db.transaction((tx) =>
      tx.run(
        `INSERT INTO budgets (id, organization_id, level, subject_id, period, token_limit, cost_limit_nano_usd, created_at, updated_at)
       VALUES ('ledger-month', 'ledger', 'ORGANIZATION', 'ledger', 'MONTH', 1000, 5000000000, :at, :at)`,
        { at: inMonth },
      ),
    );
    await addUsage(server, {
      id: 'ledger-now-1',
      organizationId: 'ledger',
      promptTokens: 300,
      completionTokens: 100,
      costNanoUsd: 1_250_000_001,
      createdAt: inMonth,
    });
    await addUsage(server, {
      id: 'ledger-now-2',
      organizationId: 'ledger',
      promptTokens: 500,
      completionTokens: 300,
      costNanoUsd: 4_000_000_000,
      createdAt: inMonth,
    });
    const response = await server.gql<{ organization: { quota: Record<string, unknown> } }>(
      '{ organization(slug: "ledger") { quota { monthlyTokenLimit monthlyCostLimitUsd tokensUsed costUsedUsd tokensRemaining costRemainingUsd periodStart } } }',
    );
    expect(response.data?.organization.quota).toEqual({
      monthlyTokenLimit: 1000,
      monthlyCostLimitUsd: '5.000000000',
      tokensUsed: 1200,
      costUsedUsd: '5.250000001',
      tokensRemaining: 0,
      costRemainingUsd: '0.000000000',
      periodStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    });
  });
});
