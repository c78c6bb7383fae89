// Property test: after a random sequence of usage batches (and deletions that
// move records between rollup rows), summaries and quotas read from the daily
// rollups equal a scan of the raw records exactly, for random windows and groupings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { apiKeyFor } from './helpers/principals';
import { startServer, type TestServer } from './helpers/server';

const SEED = Number(process.env.ROLLUP_SEED ?? 20261124);

/** mulberry32: a small seeded PRNG, so a failure can be replayed with ROLLUP_SEED. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server: TestServer;
const next = random(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-haiku-3.5', 'gemini-1.5-flash'];
const AGENTS = ['agt-001', 'agt-002', 'agt-003', null];
const GROUPS = ['DAY', 'MODEL', 'PROVIDER', 'AGENT', 'USER'] as const;
const NOW = Date.now();
const DAY = 86_400_000;

beforeAll(async () => {
  server = await startServer();
  // The seeded monthly limit of quant would refuse the later batches; this test is about sums, not limits.
  server.services.db.run("DELETE FROM llm_quotas WHERE organization_id = 'quant'");
});
afterAll(() => server.close());

const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }';

/** The same numbers computed straight from llm_usage, grouped in SQL independently of the gateway's code. */
function rawScan(from: string, to: string, groups: readonly (typeof GROUPS)[number][]) {
  const columns: Record<(typeof GROUPS)[number], string> = {
    DAY: 'substr(created_at, 1, 10)',
    MODEL: 'model',
    PROVIDER: 'provider',
    AGENT: 'agent_id',
    USER: 'user_id',
  };
  const keys = groups.map((group) => columns[group]);
  const select = keys.length ? `${keys.map((key, i) => `${key} AS k${i}`).join(', ')},` : '';
  const groupBy = keys.length ? `GROUP BY ${keys.join(', ')}` : '';
  return server.services.db.all<{ requests: number; tokens: number; cost: string }>(
    `SELECT ${select} count(*) AS requests, sum(total_tokens) AS tokens, printf('%d', sum(cost_nano_usd)) AS cost
       FROM llm_usage WHERE organization_id = 'quant' AND created_at >= :from AND created_at < :to ${groupBy}`,
    { from, to },
  );
}

const usd = (nano: string) => {
  const value = BigInt(nano);
  return `${value / 1_000_000_000n}.${(value % 1_000_000_000n).toString().padStart(9, '0')}`;
};

describe('rollups', () => {
  it('equal raw scans after a random sequence of usage batches', async () => {
    const keys = [
      (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token,
      (await apiKeyFor(server, { org: 'quant', role: 'org_developer' })).token,
      (await apiKeyFor(server, { org: 'quant', role: 'api_client' })).token,
    ];
    for (let batch = 0; batch < 25; batch++) {
      const size = 1 + Math.floor(next() * 40);
      const records = Array.from({ length: size }, () => {
        const agent = pick(AGENTS);
        return {
          model: pick(MODELS),
          promptTokens: Math.floor(next() * 50_000),
          completionTokens: Math.floor(next() * 9_000),
          ...(agent ? { agentId: gid('Agent', agent) } : {}),
          // Anywhere in the last 70 days, at any millisecond.
          createdAt: new Date(NOW - Math.floor(next() * 70 * DAY)).toISOString(),
        };
      });
      const response = await server.gql(RECORD, { input: { organizationId: gid('Organization', 'quant'), records } }, pick(keys));
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      if (batch % 8 === 7) {
        // Deleting an agent moves its records to "no agent" (ON DELETE SET NULL): the rollups must follow.
        server.services.db.run("UPDATE llm_usage SET agent_id = NULL WHERE id IN (SELECT id FROM llm_usage WHERE agent_id = 'agt-003' LIMIT 5)");
        server.services.db.run('DELETE FROM llm_usage WHERE id IN (SELECT id FROM llm_usage ORDER BY random() LIMIT 3)');
      }
    }

    // The rollup table itself equals the raw records, row by row.
    const rollups = server.services.db.all(
      `SELECT organization_id, day, provider, model, agent_id, user_id, api_key_id, requests, total_tokens, cost_nano_usd
         FROM llm_usage_daily ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    );
    const raw = server.services.db.all(
      `SELECT organization_id, substr(created_at, 1, 10) AS day, provider, model, ifnull(agent_id, '') AS agent_id,
              ifnull(user_id, '') AS user_id, ifnull(api_key_id, '') AS api_key_id, count(*) AS requests,
              sum(total_tokens) AS total_tokens, sum(cost_nano_usd) AS cost_nano_usd
         FROM llm_usage GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    );
    expect(rollups).toEqual(raw);

    // usageSummary over random windows (edges inside days, across days) and groupings equals the raw scan.
    for (let trial = 0; trial < 30; trial++) {
      const a = NOW - Math.floor(next() * 75 * DAY);
      const b = NOW - Math.floor(next() * 75 * DAY);
      const from = new Date(Math.min(a, b)).toISOString();
      const to = new Date(Math.max(a, b) + 1).toISOString();
      const groups = GROUPS.filter(() => next() < 0.4);
      const response = await server.gql<{
        organization: { usageSummary: { totalCount: number; total: { requests: number; totalTokens: number; costUsd: string }; edges: { node: { requests: number; totalTokens: number; costUsd: string } }[] } };
      }>(
        `query ($from: DateTime!, $to: DateTime!, $groupBy: [UsageGroupBy!]) { organization(slug: "quant") {
           usageSummary(from: $from, to: $to, groupBy: $groupBy, first: 100) { totalCount total { requests totalTokens costUsd }
             edges { node { requests totalTokens costUsd } } } } }`,
        { from, to, groupBy: groups },
      );
      expect(response.errors).toBeUndefined();
      const summary = response.data?.organization.usageSummary;
      const expected = rawScan(from, to, groups);
      const [total] = rawScan(from, to, []);
      expect(summary?.total).toEqual({ requests: total?.requests ?? 0, totalTokens: total?.tokens ?? 0, costUsd: usd(total?.cost ?? '0') });
      expect(summary?.totalCount).toBe(expected.filter((row) => row.requests > 0).length);
      if ((summary?.totalCount ?? 0) <= 100) {
        const sortKey = (row: { requests: number; totalTokens: number; costUsd: string }) => `${row.costUsd}|${row.requests}|${row.totalTokens}`;
        const got = (summary?.edges ?? []).map((edge) => edge.node).map(sortKey).sort();
        const want = expected
          .filter((row) => row.requests > 0)
          .map((row) => ({ requests: row.requests, totalTokens: row.tokens, costUsd: usd(row.cost) }))
          .map(sortKey)
          .sort();
        expect(got).toEqual(want);
      }
    }
  });

  it('give quota use equal to a raw scan of this month', async () => {
    const start = new Date(Date.UTC(new Date(NOW).getUTCFullYear(), new Date(NOW).getUTCMonth(), 1)).toISOString();
    const raw = server.services.db.get<{ tokens: number; cost: string }>(
      "SELECT coalesce(sum(total_tokens), 0) AS tokens, printf('%d', coalesce(sum(cost_nano_usd), 0)) AS cost FROM llm_usage WHERE organization_id = 'quant' AND created_at >= :start",
      { start },
    );
    const response = await server.gql<{ organization: { quota: { tokensUsed: number; costUsedUsd: string } } }>(
      '{ organization(slug: "quant") { quota { tokensUsed costUsedUsd } } }',
    );
    expect(response.data?.organization.quota).toEqual({ tokensUsed: raw?.tokens, costUsedUsd: usd(raw?.cost ?? '0') });
  });
});
