// usageSummary pages over a window the gateway reads in several pieces: forward
// and backward pages of any size, joined, equal the raw records grouped and
// ordered by the bucket key, with and without DAY among the keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { apiKeyFor } from './helpers/principals';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
let token: string;
const DAY = 86_400_000;
const START = Date.UTC(2026, 5, 1);
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-haiku-3.5', 'gemini-1.5-flash'];
const AGENTS = ['agt-001', 'agt-002', 'agt-003', null];
const WINDOW = { from: new Date(START + 3_600_000).toISOString(), to: new Date(START + 110 * DAY - 3_600_000).toISOString() };
const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }';

beforeAll(async () => {
  server = await startServer();
  await server.services.db.transaction((tx) => tx.run("DELETE FROM budgets WHERE organization_id = 'quant'"));
  token = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
  // 110 days × 5 models × 4 agents: 2,200 fine rollup rows, more than one piece of the window.
  const records = [];
  for (let day = 0; day < 110; day++) {
    for (const [m, model] of MODELS.entries()) {
      for (const [a, agent] of AGENTS.entries()) {
        records.push({
          model,
          promptTokens: 100 + day * 7 + m * 3 + a,
          completionTokens: 10 + a,
          ...(agent ? { agentId: gid('Agent', agent) } : {}),
          createdAt: new Date(START + day * DAY + (m * 4 + a) * 60_000).toISOString(),
        });
      }
    }
  }
  for (let i = 0; i < records.length; i += 1000) {
    const response = await server.gql(
      RECORD,
      { input: { organizationId: gid('Organization', 'quant'), records: records.slice(i, i + 1000) } },
      token,
    );
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  }
});
afterAll(() => server.close());

const COLUMNS = { DAY: 'substr(created_at, 1, 10)', MODEL: 'model', PROVIDER: 'provider', AGENT: 'agent_id', USER: 'user_id' } as const;
type Group = keyof typeof COLUMNS;

/**
 * The buckets straight from llm_usage, in the order of their key (the JSON array of the group values, written as
 * JSON.stringify writes it: PostgreSQL's json_build_array puts a space after each comma, which orders the same).
 */
async function rawBuckets(groups: readonly Group[]): Promise<string[]> {
  const keys = groups.map((group) => COLUMNS[group]).join(', ');
  const db = server.services.db;
  const key = db.engine === 'postgres' ? `json_build_array(${keys})::text COLLATE "C"` : `json_array(${keys})`;
  return (
    await db.all<{ key: string; requests: number; tokens: number }>(
      `SELECT ${key} AS key, count(*) AS requests, sum(total_tokens) AS tokens FROM llm_usage
        WHERE organization_id = 'quant' AND created_at >= :from AND created_at < :to GROUP BY ${keys} ORDER BY key`,
      WINDOW,
    )
  ).map((row) => `${JSON.stringify(JSON.parse(row.key))}|${row.requests}|${row.tokens}`);
}

type Bucket = { day: string | null; model: string | null; agent: { id: string } | null; requests: number; totalTokens: number };
type Summary = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { node: Bucket }[];
};

const SUMMARY = `query ($from: DateTime!, $to: DateTime!, $groupBy: [UsageGroupBy!], $first: Int, $after: String, $last: Int, $before: String) {
  organization(slug: "quant") { usageSummary(from: $from, to: $to, groupBy: $groupBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { day model agent { id } requests totalTokens } } } } }`;

async function page(variables: Record<string, unknown>): Promise<Summary> {
  const response = await server.gql<{ organization: { usageSummary: Summary } }>(SUMMARY, { ...WINDOW, ...variables }, token);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.organization.usageSummary as Summary;
}

/** The bucket as rawBuckets writes it, from the keys asked for. */
function described(groups: readonly Group[], bucket: Bucket): string {
  const agentId = bucket.agent ? (Buffer.from(bucket.agent.id, 'base64').toString().split(':')[1] ?? null) : null;
  const values: Record<Group, string | null> = { DAY: bucket.day, MODEL: bucket.model, PROVIDER: null, AGENT: agentId, USER: null };
  return `${JSON.stringify(groups.map((group) => values[group]))}|${bucket.requests}|${bucket.totalTokens}`;
}

describe('usageSummary pages', () => {
  const groupings: Group[][] = [['DAY', 'MODEL'], ['MODEL', 'AGENT'], ['DAY', 'AGENT'], ['AGENT']];
  for (const groupBy of groupings) {
    it(`joined forward and backward, equal the raw buckets in key order, grouped by ${groupBy.join(' + ')}`, async () => {
      const expected = await rawBuckets(groupBy);
      expect(expected.length).toBeGreaterThan(3);
      const size = Math.max(2, Math.floor(expected.length / 7));

      const forward: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const summary: Summary = await page({ groupBy, first: size, after });
        expect(summary.totalCount).toBe(expected.length);
        forward.push(...summary.edges.map((edge) => described(groupBy, edge.node)));
        if (!summary.pageInfo.hasNextPage) break;
        after = summary.pageInfo.endCursor;
      }
      expect(forward).toEqual(expected);

      const backward: string[] = [];
      let before: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const summary: Summary = await page({ groupBy, last: size, before });
        backward.unshift(...summary.edges.map((edge) => described(groupBy, edge.node)));
        if (!summary.pageInfo.hasPreviousPage) break;
        before = summary.pageInfo.startCursor;
      }
      expect(backward).toEqual(expected);
    });
  }
});
