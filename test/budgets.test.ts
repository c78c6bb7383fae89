// Budgets over HTTP: each level refuses what would pass it, a batch is held by every budget that applies to any of
// its records and only by those, periods end on UTC calendar boundaries, a refusal names the budgets it hit, an
// alert is written once per period, and the budgets of a parent are read with its use batched.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payloads } from '../src/events/bus';
import { expectUnchanged, snapshot } from './helpers/database';
import { addAgent, addOrganization, gid } from './helpers/fixtures';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './helpers/server';

const ORG = 'budgeted';
const org = gid('Organization', ORG);
let server: TestServer;
/** An org_admin (logged in), and an org_developer key acting for a developer user: the caller of recordLlmUsage. */
let admin: string;
let developerKey: string;
let developerKeyId: string;
let developerId: string;
let viewer: string;

beforeAll(async () => {
  server = await startServer();
  await addOrganization(server, ORG);
  await server.services.db.transaction(async (tx) => {
    for (const agent of ['agent-a', 'agent-b']) await addAgent(tx, { id: agent, organizationId: ORG, domainId: `${ORG}-main` });
  });
  const adminUser = await userWith(server, { grants: [{ org: ORG, role: 'org_admin' }] });
  admin = await loginAs(server, adminUser.email, adminUser.password);
  const developer = await userWith(server, { grants: [{ org: ORG, role: 'org_developer' }] });
  developerId = developer.id;
  const key = await apiKeyFor(server, { org: ORG, role: 'org_developer', userId: developer.id });
  developerKey = key.token;
  developerKeyId = key.id;
  const viewerUser = await userWith(server, { grants: [{ org: ORG, role: 'org_viewer' }] });
  viewer = await loginAs(server, viewerUser.email, viewerUser.password);
});
afterAll(() => server.close());

const SET = `mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id level period tokenLimit costLimitUsd alertAtPercent } } }`;
const DELETE = `mutation ($input: DeleteBudgetInput!) { deleteBudget(input: $input) { deletedId budget { id level } } }`;
const RECORD = `mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count totalTokens } }`;

type Subject = { organizationId?: string; agentId?: string; apiKeyId?: string; userId?: string };
type BudgetError = { level: string; id: string; period: string; limitTokens: number | null; usedTokens: number; resetsAt: string };

async function setBudget(subject: Subject, limits: Record<string, unknown>): Promise<string> {
  const response = await server.gql<{ setBudget: { budget: { id: string } } }>(SET, { input: { ...subject, ...limits } }, admin);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.setBudget.budget.id as string;
}

async function deleteBudget(id: string): Promise<void> {
  const response = await server.gql(DELETE, { input: { id } }, admin);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
}

/** One record of `tokens` tokens (all prompt) at `createdAt`, of an agent or none. */
const record = (tokens: number, createdAt: string, agent: string | null = 'agent-a') => ({
  model: 'gpt-4o-mini',
  promptTokens: tokens,
  completionTokens: 0,
  createdAt,
  ...(agent ? { agentId: gid('Agent', agent) } : {}),
});

function recordBatch(records: ReturnType<typeof record>[], token = developerKey) {
  return server.gql<{ recordLlmUsage: { count: number; totalTokens: number } | null }>(
    RECORD,
    { input: { organizationId: org, records } },
    token,
  );
}

async function accepted(records: ReturnType<typeof record>[]): Promise<void> {
  const response = await recordBatch(records);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.data?.recordLlmUsage?.count).toBe(records.length);
}

/** Refused whole: QUOTA_EXCEEDED, nothing changed; the budgets it names. */
async function refused(records: ReturnType<typeof record>[]): Promise<{ budget: BudgetError; budgets: BudgetError[]; message: string }> {
  const before = await snapshot(server);
  const response = await recordBatch(records);
  expect(errorCodes(response)).toEqual(['QUOTA_EXCEEDED']);
  expect(response.data?.recordLlmUsage ?? null).toBeNull();
  await expectUnchanged(server, before);
  const error = response.errors?.[0] as { message: string; extensions: { budget: BudgetError; budgets: BudgetError[] } };
  expect(error.extensions.budgets[0]).toEqual(error.extensions.budget);
  return { ...error.extensions, message: error.message };
}

describe('a budget at each level', () => {
  // Each level in a month of its own, so that the use of one is not in the next one's period.
  const levels = [
    { level: 'ORGANIZATION', subject: () => ({ organizationId: org }), month: '2025-01' },
    { level: 'AGENT', subject: () => ({ agentId: gid('Agent', 'agent-a') }), month: '2025-02' },
    { level: 'API_KEY', subject: () => ({ apiKeyId: gid('ApiKey', developerKeyId) }), month: '2025-03' },
    { level: 'USER', subject: () => ({ organizationId: org, userId: gid('User', developerId) }), month: '2025-04' },
  ] as const;

  for (const { level, subject, month } of levels) {
    it(`${level}: takes a batch up to the limit exactly, and refuses whole one that would pass it`, async () => {
      const id = await setBudget(subject(), { period: 'MONTH', tokenLimit: 100 });
      const at = `${month}-10T12:00:00.000Z`;
      await accepted([record(60, at)]);
      const { budget, budgets, message } = await refused([record(20, at), record(21, at)]);
      expect(budget).toMatchObject({
        level,
        id,
        period: 'MONTH',
        limitTokens: 100,
        usedTokens: 60,
        resetsAt: new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 1)).toISOString(),
      });
      expect(budgets).toHaveLength(1);
      expect(message).toContain(`month budget from ${month}-01T00:00:00.000Z`);
      await accepted([record(20, at), record(20, at)]);
      await refused([record(1, at)]);
      await deleteBudget(id);
      // Without it, the same record goes in.
      await accepted([record(1, at)]);
    });
  }

  it('holds a cost limit as it holds a token limit, to the nano-dollar', async () => {
    // gpt-4o-mini in the seeded prices: 150,000 nano-USD per 1,000 prompt tokens.
    const id = await setBudget({ organizationId: org }, { period: 'DAY', costLimitUsd: '0.000300000' });
    const at = '2025-05-10T12:00:00.000Z';
    await accepted([record(1000, at)]);
    const { budget } = await refused([record(1001, at)]);
    expect(budget).toMatchObject({ level: 'ORGANIZATION', limitTokens: null, limitCostUsd: '0.000300000', usedCostUsd: '0.000150000' });
    await accepted([record(1000, at)]);
    await deleteBudget(id);
  });
});

describe('budgets together', () => {
  it('refuses a batch within the organization budget but past an agent budget, naming the agent budget only', async () => {
    const orgBudget = await setBudget({ organizationId: org }, { period: 'MONTH', tokenLimit: 10_000 });
    const agentBudget = await setBudget({ agentId: gid('Agent', 'agent-a') }, { period: 'DAY', tokenLimit: 100 });
    const at = '2025-06-10T12:00:00.000Z';
    const { budget, budgets, message } = await refused([record(50, at, 'agent-a'), record(51, at, 'agent-a'), record(500, at, 'agent-b')]);
    expect(budget).toMatchObject({ level: 'AGENT', id: agentBudget, period: 'DAY', usedTokens: 0, resetsAt: '2025-06-11T00:00:00.000Z' });
    expect(budgets.map((b) => b.id)).toEqual([agentBudget]);
    expect(message).toContain('the agent day budget');
    expect(message).not.toContain('organization');
    // Another agent's records are not held by agent-a's budget; the organization's holds them all.
    await accepted([record(100, at, 'agent-a'), record(5000, at, 'agent-b'), record(100, at, null)]);
    const both = await refused([record(1, at, 'agent-a'), record(4800, at, 'agent-b')]);
    expect(both.budgets.map((b) => [b.level, b.id])).toEqual([
      ['ORGANIZATION', orgBudget],
      ['AGENT', agentBudget],
    ]);
    expect(both.message).toContain('the organization month budget');
    expect(both.message).toContain('the agent day budget');
    await deleteBudget(orgBudget);
    await deleteBudget(agentBudget);
  });
});

describe('every kind of tokens', () => {
  it('counts cached prompt and reasoning tokens against a token limit, as totalTokens does', async () => {
    const id = await setBudget({ agentId: gid('Agent', 'agent-b') }, { period: 'DAY', tokenLimit: 100 });
    const at = '2025-09-10T12:00:00.000Z';
    const kinds = (prompt: number, cached: number, reasoning: number) => ({
      ...record(prompt, at, 'agent-b'),
      cachedPromptTokens: cached,
      reasoningTokens: reasoning,
    });
    // 10 + 40 + 40 = 90 of 100.
    await accepted([kinds(10, 40, 40) as ReturnType<typeof record>]);
    // 2 + 5 + 5 = 12 more would make 102.
    const { budget } = await refused([kinds(2, 5, 5) as ReturnType<typeof record>]);
    expect(budget).toMatchObject({ level: 'AGENT', id, limitTokens: 100, usedTokens: 90 });
    await deleteBudget(id);
  });
});

describe('period boundaries (UTC calendar days, ISO weeks from Monday, months)', () => {
  // Each in a year of its own (the same key's budgets): 2023-10-01 is a Sunday, the last day of an ISO week.
  const cases = [
    { period: 'DAY', last: '2024-05-05T23:59:59.999Z', next: '2024-05-06T00:00:00.000Z', earlier: '2024-05-05T00:00:00.000Z' },
    { period: 'WEEK', last: '2023-10-01T23:59:59.999Z', next: '2023-10-02T00:00:00.000Z', earlier: '2023-09-25T00:00:00.000Z' },
    { period: 'MONTH', last: '2022-02-28T23:59:59.999Z', next: '2022-03-01T00:00:00.000Z', earlier: '2022-02-01T00:00:00.000Z' },
  ] as const;
  for (const { period, last, next, earlier } of cases) {
    it(`${period}: use in the last millisecond of a period does not count against the next`, async () => {
      const key = await setBudget({ apiKeyId: gid('ApiKey', developerKeyId) }, { period, tokenLimit: 100 });
      await accepted([record(40, earlier), record(60, last)]);
      // The first period is full; the next one is empty, and one batch may fill it while touching the first: refused.
      await refused([record(1, last)]);
      const both = await refused([record(100, next), record(1, earlier)]);
      expect(both.budgets.map((b) => b.resetsAt)).toEqual([next]);
      await accepted([record(100, next)]);
      const again = await refused([record(1, next)]);
      expect(again.budget.usedTokens).toBe(100);
      await deleteBudget(key);
    });
  }
});

describe('alertAtPercent', () => {
  it('writes one audit entry and one event when a period first reaches it, none again in that period, and again in the next', async () => {
    const heard: Payloads['budgetThresholdCrossed'][] = [];
    const stop = server.services.events.subscribe('budgetThresholdCrossed', ORG, (payload) => heard.push(payload));
    const alerts = () =>
      server.services.db.all<{ resource_id: string; metadata: string }>(
        "SELECT resource_id, metadata FROM audit_log WHERE organization_id = :org AND action = 'budget.threshold_crossed' ORDER BY id",
        { org: ORG },
      );
    try {
      const id = await setBudget(
        { organizationId: org, userId: gid('User', developerId) },
        { period: 'MONTH', tokenLimit: 1000, alertAtPercent: 80 },
      );
      const july = '2025-07-15T00:00:00.000Z';
      await accepted([record(700, july)]);
      expect(await alerts()).toEqual([]);
      // A refused batch that would cross it alerts nothing.
      await refused([record(301, july)]);
      expect(await alerts()).toEqual([]);
      await accepted([record(100, july)]);
      const [first, ...none] = await alerts();
      expect(none).toEqual([]);
      expect(first?.resource_id).toBe(Buffer.from(id, 'base64').toString().split(':')[1]);
      expect(JSON.parse(first?.metadata as string)).toMatchObject({
        periodStart: '2025-07-01T00:00:00.000Z',
        usedTokens: 800,
        alertAtPercent: 80,
      });
      await accepted([record(100, july)]);
      expect(await alerts()).toHaveLength(1);
      // August is a new period: it may alert again.
      await accepted([record(900, '2025-08-02T00:00:00.000Z')]);
      const entries = await alerts();
      expect(entries).toHaveLength(2);
      expect(JSON.parse(entries[1]?.metadata as string)).toMatchObject({ periodStart: '2025-08-01T00:00:00.000Z', usedTokens: 900 });
      // Published after the commit, once per alert.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard.map((event) => [event.budgetId, event.periodStart, event.usedTokens])).toEqual([
        [id, '2025-07-01T00:00:00.000Z', 800],
        [id, '2025-08-01T00:00:00.000Z', 900],
      ]);
      await deleteBudget(id);
    } finally {
      stop();
    }
  });
});

describe('budgets in the graph', () => {
  const FIELDS =
    'id level period tokenLimit costLimitUsd alertAtPercent usedTokens usedCostUsd remainingTokens remainingCostUsd periodStart resetsAt';
  type Budget = Record<string, unknown> & { level: string; usedTokens: number };

  it("shows each parent's budgets with the current period's use, and to a :self reader only its own", async () => {
    const now = new Date().toISOString();
    const ids = [
      await setBudget({ organizationId: org }, { period: 'MONTH', tokenLimit: 1_000_000, costLimitUsd: '100' }),
      await setBudget({ agentId: gid('Agent', 'agent-b') }, { period: 'WEEK', tokenLimit: 1_000_000 }),
      await setBudget({ apiKeyId: gid('ApiKey', developerKeyId) }, { period: 'DAY', tokenLimit: 1_000_000 }),
      await setBudget({ organizationId: org, userId: gid('User', developerId) }, { period: 'DAY', tokenLimit: 1_000_000 }),
    ];
    await accepted([record(1000, now, 'agent-b')]);
    const query = `{ organization(slug: "${ORG}") { budgets { ${FIELDS} }
      agents(first: 10) { edges { node { id budgets { id usedTokens } } } } } }`;
    const response = await server.gql<{
      organization: { budgets: Budget[]; agents: { edges: { node: { id: string; budgets: Budget[] } }[] } };
    }>(query, {}, admin);
    expect(response.errors).toBeUndefined();
    const budgets = response.data?.organization.budgets ?? [];
    expect(budgets.map((b) => b.level)).toEqual(['ORGANIZATION', 'AGENT', 'API_KEY', 'USER']);
    expect(budgets.map((b) => b.id)).toEqual(ids);
    for (const budget of budgets) {
      expect(budget.usedTokens).toBe(1000);
      expect(budget.remainingTokens).toBe(999_000);
      expect(Date.parse(budget.periodStart as string)).toBeLessThanOrEqual(Date.parse(now));
      expect(Date.parse(budget.resetsAt as string)).toBeGreaterThan(Date.parse(now));
    }
    expect(budgets[0]).toMatchObject({ usedCostUsd: '0.000150000', remainingCostUsd: '99.999850000', costLimitUsd: '100.000000000' });
    const agentB = response.data?.organization.agents.edges.find((edge) => edge.node.id === gid('Agent', 'agent-b'));
    expect(agentB?.node.budgets.map((b) => b.id)).toEqual([ids[1]]);

    // The developer's key (llm:quota:read:self) sees its own key's and user's budgets, not the organization's or an agent's.
    const nodeBudgets = async (id: string, token: string) =>
      (
        await server.gql<{ node: { budgets: Budget[] } | null }>(
          `query ($id: ID!) { node(id: $id) { ... on ${decodeGlobalID(id).typename} { budgets { id level usedTokens } } } }`,
          { id },
          token,
        )
      ).data?.node?.budgets;
    expect(await nodeBudgets(gid('ApiKey', developerKeyId), developerKey)).toEqual([{ id: ids[2], level: 'API_KEY', usedTokens: 1000 }]);
    expect(await nodeBudgets(gid('User', developerId), developerKey)).toEqual([{ id: ids[3], level: 'USER', usedTokens: 1000 }]);
    const byNode = (id: string, token: string) => server.gql<{ node: unknown }>('query ($id: ID!) { node(id: $id) { id } }', { id }, token);
    for (const [index, id] of ids.entries()) {
      expect((await byNode(id, developerKey)).data?.node ?? null).toEqual(index >= 2 ? { id } : null);
      // An org_viewer (llm:quota:read:self too) owns none of them.
      expect((await byNode(id, viewer)).data?.node ?? null).toBeNull();
    }
    expect(await nodeBudgets(gid('Agent', 'agent-b'), viewer)).toEqual([]);
    for (const id of ids) await deleteBudget(id);
  });

  it('reads the budgets of many agents and their use in as many statements as of a few', async () => {
    const statements = async (slug: string) => {
      const response: GraphQLResponse = await server.gql(
        `{ organization(slug: "${slug}") { budgets { id usedTokens } agents(first: 50) { edges { node { budgets { ${FIELDS} } } } } } }`,
      );
      expect(response.errors).toBeUndefined();
      return response.extensions?.sql?.statements as number;
    };
    for (const [slug, agents] of [
      ['few-agents', 3],
      ['many-agents', 30],
    ] as const) {
      await addOrganization(server, slug);
      await server.services.db.transaction(async (tx) => {
        for (let i = 0; i < agents; i++) await addAgent(tx, { id: `${slug}-${i}`, organizationId: slug, domainId: `${slug}-main` });
      });
      for (let i = 0; i < agents; i++) {
        await server.gql(SET, { input: { agentId: gid('Agent', `${slug}-${i}`), period: 'DAY', tokenLimit: 10 + i } });
        await server.gql(SET, { input: { agentId: gid('Agent', `${slug}-${i}`), period: 'MONTH', tokenLimit: 100 + i } });
      }
    }
    const few = await statements('few-agents');
    const many = await statements('many-agents');
    expect(few).toBeGreaterThan(0);
    expect(many).toBe(few);
  });
});

describe('setBudget', () => {
  it('keeps one budget per subject and period: a second set replaces the first', async () => {
    const first = await setBudget({ agentId: gid('Agent', 'agent-a') }, { period: 'WEEK', tokenLimit: 5 });
    const second = await setBudget({ agentId: gid('Agent', 'agent-a') }, { period: 'WEEK', tokenLimit: 7, alertAtPercent: 50 });
    expect(second).toBe(first);
    const rows = await server.services.db.all<{ token_limit: number; alert_at_percent: number }>(
      "SELECT token_limit, alert_at_percent FROM budgets WHERE agent_id = 'agent-a' AND period = 'WEEK'",
    );
    expect(rows).toEqual([{ token_limit: 7, alert_at_percent: 50 }]);
    await deleteBudget(first);
  });

  it('refuses anything but exactly one subject with BAD_USER_INPUT, changing nothing', async () => {
    for (const input of [
      { period: 'DAY' },
      { agentId: gid('Agent', 'agent-a'), apiKeyId: gid('ApiKey', developerKeyId), period: 'DAY' },
      { organizationId: org, agentId: gid('Agent', 'agent-a'), period: 'DAY' },
      { userId: gid('User', developerId), period: 'DAY' },
    ]) {
      const before = await snapshot(server);
      const response = await server.gql(SET, { input: { ...input, tokenLimit: 1 } }, admin);
      expect(errorCodes(response), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
      await expectUnchanged(server, before);
    }
  });
});
