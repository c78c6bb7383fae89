// Property test: after a random sequence of usage batches (and deletions that
// move records between rollup rows), both daily rollups (fine and per model),
// and summaries, quotas and budgets' use read from them, equal a scan of the raw
// records exactly, for random windows, periods and groupings (days, ISO weeks, months,
// keys), every kind of tokens and costs computed or reported, org-wide and :self readers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Grants } from '../src/auth/grants';
import type { Principal } from '../src/auth/principal';
import { periodWindow } from '../src/modules/budgets/periods';
import { type BudgetRow, usesOf } from '../src/modules/budgets/repo';
import { rebuildUsageRollups } from '../src/modules/usage/repo';
import { rollupFor } from '../src/modules/usage/rollups';
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
const GROUPS = ['DAY', 'WEEK', 'MONTH', 'MODEL', 'PROVIDER', 'AGENT', 'USER', 'API_KEY'] as const;
type Group = (typeof GROUPS)[number];
const NOW = Date.now();
const DAY = 86_400_000;

beforeAll(async () => {
  server = await startServer();
  // The seeded monthly limit of quant would refuse the later batches; this test is about sums, not limits.
  await server.services.db.transaction((tx) => tx.run("DELETE FROM budgets WHERE organization_id = 'quant'"));
});
afterAll(() => server.close());

const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }';

type RawRow = {
  created_at: string;
  model: string;
  provider: string;
  agent_id: string | null;
  user_id: string | null;
  api_key_id: string | null;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cost_nano_usd: number | string;
};
type RawBucket = {
  keys: string;
  requests: number;
  prompt: number;
  cached: number;
  completion: number;
  reasoning: number;
  tokens: number;
  cost: string;
};

/** The Monday of a record's ISO week (UTC), computed here with Date, not with the gateway's SQL. */
function mondayOf(createdAt: string): string {
  const day = new Date(`${createdAt.slice(0, 10)}T00:00:00.000Z`);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY).toISOString().slice(0, 10);
}

/** The same numbers computed straight from llm_usage's rows, grouped here, independently of the gateway's code. */
async function rawScan(from: string, to: string, groups: readonly Group[]): Promise<RawBucket[]> {
  const rows = await server.services.db.all<RawRow>(
    `SELECT created_at, model, provider, agent_id, user_id, api_key_id, prompt_tokens, cached_prompt_tokens, completion_tokens,
            reasoning_tokens, cost_nano_usd
       FROM llm_usage WHERE organization_id = 'quant' AND created_at >= :from AND created_at < :to`,
    { from, to },
  );
  const keyOf: Record<Group, (row: RawRow) => string | null> = {
    DAY: (row) => row.created_at.slice(0, 10),
    WEEK: (row) => mondayOf(row.created_at),
    MONTH: (row) => row.created_at.slice(0, 7),
    MODEL: (row) => row.model,
    PROVIDER: (row) => row.provider,
    AGENT: (row) => row.agent_id,
    USER: (row) => row.user_id,
    API_KEY: (row) => row.api_key_id,
  };
  const buckets = new Map<string, RawBucket & { sum: bigint }>();
  for (const row of rows) {
    const keys = JSON.stringify(groups.filter((group) => !['AGENT', 'USER', 'API_KEY'].includes(group)).map((group) => keyOf[group](row)));
    const name = JSON.stringify(groups.map((group) => keyOf[group](row)));
    const bucket = buckets.get(name) ?? {
      keys,
      requests: 0,
      prompt: 0,
      cached: 0,
      completion: 0,
      reasoning: 0,
      tokens: 0,
      cost: '0',
      sum: 0n,
    };
    bucket.requests += 1;
    bucket.prompt += row.prompt_tokens;
    bucket.cached += row.cached_prompt_tokens;
    bucket.completion += row.completion_tokens;
    bucket.reasoning += row.reasoning_tokens;
    bucket.tokens += row.prompt_tokens + row.cached_prompt_tokens + row.completion_tokens + row.reasoning_tokens;
    bucket.sum += BigInt(row.cost_nano_usd);
    bucket.cost = bucket.sum.toString();
    buckets.set(name, bucket);
  }
  return [...buckets.values()].map(({ sum: _sum, ...bucket }) => bucket);
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
      // Keys acting for users: their records carry a user, which user budgets hold.
      (await apiKeyFor(server, { org: 'quant', role: 'org_developer', userId: 'sarah.chen' })).token,
      (await apiKeyFor(server, { org: 'quant', role: 'org_developer', userId: 'nwalker85' })).token,
    ];
    for (let batch = 0; batch < 25; batch++) {
      const size = 1 + Math.floor(next() * 40);
      const records = Array.from({ length: size }, () => {
        const agent = pick(AGENTS);
        const kinds = next();
        return {
          model: pick(MODELS),
          promptTokens: Math.floor(next() * 50_000),
          completionTokens: Math.floor(next() * 9_000),
          // Cached and reasoning tokens sometimes, left out otherwise (0); now and then a cost the provider reported.
          ...(kinds < 0.6 ? { cachedPromptTokens: Math.floor(next() * 30_000) } : {}),
          ...(kinds > 0.4 ? { reasoningTokens: Math.floor(next() * 12_000) } : {}),
          ...(next() < 0.15 ? { costUsd: `0.${String(Math.floor(next() * 1e9)).padStart(9, '0')}` } : {}),
          ...(agent ? { agentId: gid('Agent', agent) } : {}),
          // Anywhere in the last 70 days, at any millisecond.
          createdAt: new Date(NOW - Math.floor(next() * 70 * DAY)).toISOString(),
        };
      });
      const response = await server.gql(RECORD, { input: { organizationId: gid('Organization', 'quant'), records } }, pick(keys));
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      if (batch % 8 === 7) {
        // Deleting an agent moves its records to "no agent" (ON DELETE SET NULL): the rollups must follow.
        await server.services.db.transaction((tx) =>
          tx.run("UPDATE llm_usage SET agent_id = NULL WHERE id IN (SELECT id FROM llm_usage WHERE agent_id = 'agt-003' LIMIT 5)"),
        );
        await server.services.db.transaction((tx) =>
          tx.run('DELETE FROM llm_usage WHERE id IN (SELECT id FROM llm_usage ORDER BY random() LIMIT 3)'),
        );
      }
    }

    // The rollup table itself equals the raw records, row by row.
    const fineRollup = `SELECT organization_id, day, provider, model, agent_id, user_id, api_key_id, requests, prompt_tokens,
         cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd
       FROM llm_usage_daily ORDER BY 1, 2, 3, 4, 5, 6, 7`;
    const rollups = await server.services.db.all(fineRollup);
    const raw = await server.services.db.all(
      `SELECT organization_id, substr(created_at, 1, 10) AS day, provider, model, coalesce(agent_id, '') AS agent_id,
              coalesce(user_id, '') AS user_id, coalesce(api_key_id, '') AS api_key_id, count(*) AS requests,
              sum(prompt_tokens) AS prompt_tokens, sum(cached_prompt_tokens) AS cached_prompt_tokens,
              sum(completion_tokens) AS completion_tokens, sum(reasoning_tokens) AS reasoning_tokens,
              sum(total_tokens) AS total_tokens, sum(cost_nano_usd) AS cost_nano_usd
         FROM llm_usage GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    );
    // The records did carry every kind of tokens and both sources of cost.
    const kinds = await server.services.db.get<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE cached_prompt_tokens > 0) AS cached, count(*) FILTER (WHERE reasoning_tokens > 0) AS reasoning,
              count(*) FILTER (WHERE cost_source = 'provider') AS provider FROM llm_usage`,
    );
    for (const count of Object.values(kinds ?? {})) expect(Number(count)).toBeGreaterThan(0);
    expect(rollups).toEqual(raw);
    // So does the coarse rollup (organization, day, provider, model).
    const coarseRollup = `SELECT organization_id, day, provider, model, requests, prompt_tokens, cached_prompt_tokens, completion_tokens,
         reasoning_tokens, total_tokens, cost_nano_usd
       FROM llm_usage_model_daily ORDER BY 1, 2, 3, 4`;
    const coarse = await server.services.db.all(coarseRollup);
    const rawCoarse = await server.services.db.all(
      `SELECT organization_id, substr(created_at, 1, 10) AS day, provider, model, count(*) AS requests, sum(prompt_tokens) AS prompt_tokens,
              sum(cached_prompt_tokens) AS cached_prompt_tokens, sum(completion_tokens) AS completion_tokens,
              sum(reasoning_tokens) AS reasoning_tokens, sum(total_tokens) AS total_tokens, sum(cost_nano_usd) AS cost_nano_usd
         FROM llm_usage GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    );
    expect(coarse).toEqual(rawCoarse);
    // Rebuilding from the records (what bulk loaders do) changes nothing.
    await rebuildUsageRollups(server.services.db);
    expect(await server.services.db.all(coarseRollup)).toEqual(rawCoarse);
    expect(await server.services.db.all(fineRollup)).toEqual(raw);

    // usageSummary over random windows (edges inside days, across days) and groupings equals the raw scan.
    for (let trial = 0; trial < 30; trial++) {
      const a = NOW - Math.floor(next() * 75 * DAY);
      const b = NOW - Math.floor(next() * 75 * DAY);
      const from = new Date(Math.min(a, b)).toISOString();
      const to = new Date(Math.max(a, b) + 1).toISOString();
      const groups = GROUPS.filter(() => next() < 0.4);
      type Node = {
        day: string | null;
        week: string | null;
        month: string | null;
        model: string | null;
        provider: string | null;
        requests: number;
        promptTokens: number;
        cachedPromptTokens: number;
        completionTokens: number;
        reasoningTokens: number;
        totalTokens: number;
        costUsd: string;
      };
      const fields =
        'day week month model provider requests promptTokens cachedPromptTokens completionTokens reasoningTokens totalTokens costUsd';
      const response = await server.gql<{ organization: { usageSummary: { totalCount: number; total: Node; edges: { node: Node }[] } } }>(
        `query ($from: DateTime!, $to: DateTime!, $groupBy: [UsageGroupBy!]) { organization(slug: "quant") {
           usageSummary(from: $from, to: $to, groupBy: $groupBy, first: 100) { totalCount total { ${fields} }
             edges { node { ${fields} } } } } }`,
        { from, to, groupBy: groups },
      );
      expect(response.errors).toBeUndefined();
      const summary = response.data?.organization.usageSummary;
      const expected = await rawScan(from, to, groups);
      const [total] = await rawScan(from, to, []);
      // A bucket as the raw scan has it: the keys that are values (not nodes), then every sum.
      const plainKeys = groups.filter((group) => ['DAY', 'WEEK', 'MONTH', 'MODEL', 'PROVIDER'].includes(group));
      const asRaw = (node: Node) => {
        const values: Record<string, string | null> = {
          DAY: node.day,
          WEEK: node.week,
          MONTH: node.month,
          MODEL: node.model,
          PROVIDER: node.provider,
        };
        return {
          keys: JSON.stringify(plainKeys.map((group) => values[group])),
          requests: node.requests,
          prompt: node.promptTokens,
          cached: node.cachedPromptTokens,
          completion: node.completionTokens,
          reasoning: node.reasoningTokens,
          tokens: node.totalTokens,
          cost: node.costUsd,
        };
      };
      const zero = { keys: '[]', requests: 0, prompt: 0, cached: 0, completion: 0, reasoning: 0, tokens: 0, cost: '0' };
      expect(summary && { ...asRaw(summary.total), keys: '[]' }).toEqual({ ...(total ?? zero), keys: '[]', cost: usd(total?.cost ?? '0') });
      expect(summary?.totalCount).toBe(expected.length);
      if ((summary?.totalCount ?? 0) <= 100) {
        const got = (summary?.edges ?? []).map((edge) => JSON.stringify(asRaw(edge.node))).sort();
        const want = expected.map((row) => JSON.stringify({ ...row, cost: usd(row.cost) })).sort();
        expect(got).toEqual(want);
      }
    }
  });

  it("give budgets' used amounts, at every level and period, equal to a raw scan of the period", async () => {
    // No limits: these budgets only count. Every subject the random batches wrote for, in every period.
    const subjects = await server.services.db.all<{ level: string; subject: string }>(
      `SELECT DISTINCT 'AGENT' AS level, agent_id AS subject FROM llm_usage WHERE organization_id = 'quant' AND agent_id IS NOT NULL
       UNION SELECT DISTINCT 'API_KEY', api_key_id FROM llm_usage WHERE organization_id = 'quant' AND api_key_id IS NOT NULL
       UNION SELECT DISTINCT 'USER', user_id FROM llm_usage WHERE organization_id = 'quant' AND user_id IS NOT NULL`,
    );
    expect(new Set(subjects.map((subject) => subject.level))).toEqual(new Set(['AGENT', 'API_KEY', 'USER']));
    const inputs = [
      { organizationId: gid('Organization', 'quant') },
      ...subjects.map(({ level, subject }) =>
        level === 'AGENT'
          ? { agentId: gid('Agent', subject) }
          : level === 'API_KEY'
            ? { apiKeyId: gid('ApiKey', subject) }
            : { organizationId: gid('Organization', 'quant'), userId: gid('User', subject) },
      ),
    ];
    for (const input of inputs) {
      for (const period of ['DAY', 'WEEK', 'MONTH']) {
        const set = await server.gql('mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }', {
          input: { ...input, period },
        });
        expect(set.errors, JSON.stringify(set.errors)).toBeUndefined();
      }
    }
    const rows = await server.services.db.all<BudgetRow>("SELECT * FROM budgets WHERE organization_id = 'quant'");
    expect(rows).toHaveLength(inputs.length * 3);
    const column = { ORGANIZATION: 'organization_id', AGENT: 'agent_id', API_KEY: 'api_key_id', USER: 'user_id' } as const;
    const rawUse = async (budget: BudgetRow, start: string, end: string) => {
      const row = await server.services.db.get<{ tokens: number; cost: string }>(
        `SELECT coalesce(sum(total_tokens), 0) AS tokens, CAST(coalesce(sum(cost_nano_usd), 0) AS TEXT) AS cost FROM llm_usage
          WHERE organization_id = 'quant' AND ${column[budget.level]} = :subject AND created_at >= :start AND created_at < :end`,
        { subject: budget.subject_id, start, end },
      );
      return { tokens: row?.tokens ?? 0, cost: BigInt(row?.cost ?? '0') };
    };

    // What the graph shows for the current period.
    const response = await server.gql<{
      organization: { budgets: { id: string; usedTokens: number; usedCostUsd: string; periodStart: string; resetsAt: string }[] };
    }>('{ organization(slug: "quant") { budgets { id usedTokens usedCostUsd periodStart resetsAt } } }');
    expect(response.errors).toBeUndefined();
    const shown = response.data?.organization.budgets ?? [];
    expect(shown).toHaveLength(rows.length);
    let used = 0;
    for (const budget of shown) {
      const row = rows.find((candidate) => gid('Budget', candidate.id) === budget.id) as BudgetRow;
      expect({ start: budget.periodStart, end: budget.resetsAt }).toEqual(periodWindow(row.period, new Date()));
      const raw = await rawUse(row, budget.periodStart, budget.resetsAt);
      expect([budget.usedTokens, budget.usedCostUsd], `${row.level} ${row.subject_id} ${row.period}`).toEqual([
        raw.tokens,
        usd(raw.cost.toString()),
      ]);
      if (raw.tokens > 0) used++;
    }
    expect(used).toBeGreaterThan(rows.length / 3);

    // What the budget check reads, for the periods of random instants of the batches' 70 days.
    for (let trial = 0; trial < 20; trial++) {
      const at = new Date(NOW - Math.floor(next() * 72 * DAY));
      const targets = rows.map((row) => ({
        key: row.id,
        level: row.level,
        organizationId: 'quant',
        subjectId: row.subject_id,
        ...periodWindow(row.period, at),
      }));
      const uses = await usesOf(server.services.db, targets);
      for (const target of targets) {
        const row = rows.find((candidate) => candidate.id === target.key) as BudgetRow;
        expect(uses.get(target.key), `${row.level} ${row.subject_id} ${target.start}`).toEqual(await rawUse(row, target.start, target.end));
      }
    }
  });

  it('give quota use equal to a raw scan of this month', async () => {
    const start = new Date(Date.UTC(new Date(NOW).getUTCFullYear(), new Date(NOW).getUTCMonth(), 1)).toISOString();
    const raw = await server.services.db.get<{ tokens: number; cost: string }>(
      "SELECT coalesce(sum(total_tokens), 0) AS tokens, CAST(coalesce(sum(cost_nano_usd), 0) AS TEXT) AS cost FROM llm_usage WHERE organization_id = 'quant' AND created_at >= :start",
      { start },
    );
    const response = await server.gql<{ organization: { quota: { tokensUsed: number; costUsedUsd: string } } }>(
      '{ organization(slug: "quant") { quota { tokensUsed costUsedUsd } } }',
    );
    expect(response.data?.organization.quota).toEqual({ tokensUsed: raw?.tokens, costUsedUsd: usd(raw?.cost ?? '0') });
  });

  it("give a month's summary by MODEL equal to raw sums, for an org-wide reader (coarse rollup) and a :self reader (fine rollup)", async () => {
    // A member who may read the organization but only its own usage.
    await server.services.db.transaction((tx) =>
      tx.run(
        `INSERT INTO roles (id, name, level, is_system, description, created_at)
       VALUES ('usage_self_reader', 'usage_self_reader', 'org', FALSE, 'reads the organization and its own usage', :now)`,
        { now: new Date(NOW).toISOString() },
      ),
    );
    for (const code of ['org:read', 'llm:invoke', 'llm:quota:read:self']) {
      await server.services.db.transaction((tx) =>
        tx.run("INSERT INTO role_permissions (role_id, permission_code) VALUES ('usage_self_reader', :code)", { code }),
      );
    }
    const self = await apiKeyFor(server, { org: 'quant', role: 'usage_self_reader' });
    const admin = await apiKeyFor(server, { org: 'quant', role: 'org_admin' });
    const records = MODELS.flatMap((model, i) =>
      [1, 2, 3].map((k) => ({
        model,
        promptTokens: 1000 * k + i,
        completionTokens: 100 * k,
        createdAt: new Date(NOW - k * DAY - i * 1000).toISOString(),
      })),
    );
    for (const token of [self.token, admin.token]) {
      const response = await server.gql(RECORD, { input: { organizationId: gid('Organization', 'quant'), records } }, token);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    }
    // Whole UTC days of the last 40 days: every day comes from a rollup.
    const to = new Date(Math.floor(NOW / DAY) * DAY).toISOString();
    const from = new Date(Math.floor(NOW / DAY) * DAY - 40 * DAY).toISOString();
    const query = `query ($from: DateTime!, $to: DateTime!) { organization(slug: "quant") {
      usageSummary(from: $from, to: $to, groupBy: [MODEL], first: 100) { totalCount total { requests totalTokens costUsd }
        edges { node { model requests totalTokens costUsd } } } } }`;
    const raw = async (ownOnly: string) =>
      await server.services.db.all<{ model: string; requests: number; tokens: number; cost: string }>(
        `SELECT model, count(*) AS requests, sum(total_tokens) AS tokens, CAST(sum(cost_nano_usd) AS TEXT) AS cost FROM llm_usage
          WHERE organization_id = 'quant' AND created_at >= :from AND created_at < :to ${ownOnly} GROUP BY model ORDER BY model`,
        { from, to, key: self.id },
      );
    const asNodes = (rows: Awaited<ReturnType<typeof raw>>) =>
      rows.map((row) => ({ model: row.model, requests: row.requests, totalTokens: row.tokens, costUsd: usd(row.cost) }));
    for (const [token, own] of [
      [admin.token, ''],
      [self.token, 'AND api_key_id = :key'],
    ] as const) {
      const response = await server.gql<{ organization: { usageSummary: { totalCount: number; edges: { node: { model: string } }[] } } }>(
        query,
        { from, to },
        token,
      );
      expect(response.errors).toBeUndefined();
      const expected = asNodes(await raw(own));
      expect(expected.length).toBeGreaterThan(0);
      const nodes = (response.data?.organization.usageSummary.edges ?? [])
        .map((edge) => edge.node)
        .sort((a, b) => a.model.localeCompare(b.model));
      expect(nodes).toEqual(expected);
      expect(response.data?.organization.usageSummary.totalCount).toBe(expected.length);
    }
  });

  it('pick the coarse rollup only for org-wide readers and period/model/provider groupings of organizations', () => {
    const principal = (codes: [string | null, string][]): Principal => ({
      kind: 'API_KEY',
      id: 'k',
      name: 'k',
      userId: null,
      apiKeyId: 'k',
      loginTokenId: null,
      apiKeyRoleId: null,
      isPlatformOwner: false,
      grants: Grants.from(codes.map(([organizationId, code]) => ({ organizationId, code }))),
    });
    const orgWide = principal([['quant', 'llm:quota:read:org']]);
    const self = principal([['quant', 'llm:quota:read:self']]);
    const platform = principal([[null, 'llm:quota:read:org']]);
    expect(rollupFor(orgWide, 'organization_id', ['quant'], ['MODEL'])).toBe('coarse');
    expect(rollupFor(orgWide, 'organization_id', ['quant'], ['DAY', 'PROVIDER'])).toBe('coarse');
    expect(rollupFor(platform, 'organization_id', ['quant', 'cibc'], [])).toBe('coarse');
    expect(rollupFor(orgWide, 'organization_id', ['quant', 'cibc'], ['MODEL'])).toBe('fine');
    expect(rollupFor(orgWide, 'organization_id', ['quant'], ['MODEL', 'AGENT'])).toBe('fine');
    // Weeks and months are made of days; API keys are only in the fine rollup.
    expect(rollupFor(orgWide, 'organization_id', ['quant'], ['WEEK', 'MONTH', 'MODEL'])).toBe('coarse');
    expect(rollupFor(orgWide, 'organization_id', ['quant'], ['MONTH', 'API_KEY'])).toBe('fine');
    expect(rollupFor(orgWide, 'agent_id', ['agt-001'], ['MODEL'])).toBe('fine');
    expect(rollupFor(self, 'organization_id', ['quant'], ['MODEL'])).toBe('fine');
  });

  it("read tens of coarse rollup rows for a month's summary by model", async () => {
    const db = server.services.db;
    const start = new Date(Date.UTC(new Date(NOW).getUTCFullYear(), new Date(NOW).getUTCMonth(), 1)).toISOString().slice(0, 10);
    const coarse = await db.get<{ n: number }>(
      "SELECT count(*) AS n FROM llm_usage_model_daily WHERE organization_id = 'quant' AND day >= :start",
      { start },
    );
    const fine = await db.get<{ n: number }>(
      "SELECT count(*) AS n FROM llm_usage_daily WHERE organization_id = 'quant' AND day >= :start",
      {
        start,
      },
    );
    expect(coarse?.n).toBeLessThanOrEqual(31 * MODELS.length);
    expect(coarse?.n).toBeLessThan(fine?.n ?? 0);
    // The primary key (organization_id, day, …) serves the month's read: searched, not scanned.
    const query = (values: string) => `SELECT model, sum(cost_nano_usd) FROM llm_usage_model_daily
        WHERE organization_id IN (SELECT value FROM ${values}(:orgs)) AND day >= :start AND day < :end GROUP BY model`;
    const params = { orgs: '["quant"]', start, end: '9999-12-31' };
    if (db.engine === 'postgres') {
      // A table of tens of rows is cheaper to read whole: sequential and bitmap scans are priced out, so the plan
      // shows whether the primary key serves the day range. Which side of the semi-join the organizations are met
      // on is the planner's choice by the table's size (an index condition once the table is large), so only
      // that they are compared is asserted here; the day range must be an index condition.
      const plan = await db.transaction(async (tx) => {
        await tx.run('SET LOCAL enable_seqscan = off');
        await tx.run('SET LOCAL enable_bitmapscan = off');
        return await tx.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${query('json_array_elements_text')}`, params);
      });
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index (Only )?Scan using llm_usage_model_daily_pkey on llm_usage_model_daily/);
      expect(text).toMatch(/Index Cond: .*\(\(day\)::text >= .*\) AND \(\(day\)::text < .*\)/);
      expect(text).toMatch(/(Index Cond|Join Filter): .*organization_id = /);
      expect(text).not.toMatch(/Seq Scan on llm_usage_model_daily/);
      return;
    }
    const plan = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${query('json_each')}`, params);
    expect(plan.map((row) => row.detail).join('\n')).toMatch(
      /SEARCH llm_usage_model_daily USING PRIMARY KEY \(organization_id=\? AND day>\? AND day<\?\)/,
    );
  });

  it('write a 1,000-record batch in a few statements: multi-row inserts and each rollup once per batch', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({
      model: MODELS[i % MODELS.length] as string,
      promptTokens: i,
      completionTokens: 1,
      agentId: gid('Agent', AGENTS[i % 3] as string),
      createdAt: new Date(NOW - (i % 5) * DAY).toISOString(),
    }));
    const response = await server.gql(RECORD, { input: { organizationId: gid('Organization', 'quant'), records } });
    expect(response.errors).toBeUndefined();
    // 10 INSERTs of 100 rows, 2 rollup upserts, and the lookups, quota check and audit entry: not one per record.
    expect(response.extensions?.sql?.statements).toBeLessThan(40);
  });
});
