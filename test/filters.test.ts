// List filters: each narrows the visible rows in SQL, and bad filter input
// answers BAD_USER_INPUT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

type Names = { agents: { totalCount: number; edges: { node: { name: string } }[] } };

async function agentNames(filter: Record<string, unknown>): Promise<string[]> {
  const response = await server.gql<Names>(
    'query ($filter: AgentFilter) { agents(first: 100, filter: $filter, orderBy: { field: NAME }) { totalCount edges { node { name } } } }',
    { filter },
  );
  expect(response.errors).toBeUndefined();
  expect(response.data?.agents.totalCount).toBe(response.data?.agents.edges.length);
  return response.data?.agents.edges.map((edge) => edge.node.name) ?? [];
}

describe('the agents filter', () => {
  it('filters by environment and status', async () => {
    expect(await agentNames({ environment: 'STAGING' })).toEqual(['data-analyst-agent']);
    expect(await agentNames({ status: 'DRAFT' })).toEqual([]);
    expect(await agentNames({ status: 'ACTIVE', environment: 'DEV' })).toEqual(['card-dispute-agent']);
  });

  it('filters by tag, domain and creator', async () => {
    expect(await agentNames({ tag: 'crm' })).toEqual(['sales-qualifying-agent']);
    expect(await agentNames({ domainId: gid('Domain', 'card-services') })).toEqual(['card-dispute-agent']);
    expect(await agentNames({ createdById: gid('User', 'jessica.lee') })).toEqual(['hr-onboarding-agent']);
  });

  it('searches name, display name and description with FTS5, by word prefix', async () => {
    expect(await agentNames({ search: 'password resets' })).toEqual(['it-helpdesk-agent']);
    expect(await agentNames({ search: 'onboard' })).toEqual(['hr-onboarding-agent']);
    expect(await agentNames({ search: 'Analysis' })).toEqual(['data-analyst-agent']);
    // FTS syntax in the input is taken as words, never as a query language.
    expect(await agentNames({ search: 'support" OR "*' })).toEqual(['customer-support-agent']);
  });

  it('answers BAD_USER_INPUT for an id of the wrong type and a search without words', async () => {
    const query = 'query ($filter: AgentFilter) { agents(filter: $filter) { totalCount } }';
    expect(errorCodes(await server.gql(query, { filter: { domainId: gid('Agent', 'agt-001') } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await server.gql(query, { filter: { createdById: 'garbage' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await server.gql(query, { filter: { search: '"*" ()' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await server.gql(query, { filter: { status: 'SLEEPING' } }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the sessions filter', () => {
  it('filters by status, agent and start time', async () => {
    const query = `query ($filter: SessionFilter) { sessions(first: 100, filter: $filter, orderBy: { field: STARTED_AT }) {
      totalCount edges { node { id status } } } }`;
    const byAgent = await server.gql<{ sessions: { edges: { node: { id: string } }[] } }>(query, {
      filter: { agentId: gid('Agent', 'agt-001') },
    });
    expect(byAgent.data?.sessions.edges.map((edge) => edge.node.id)).toEqual([gid('Session', 'ses-q-001'), gid('Session', 'ses-q-004')]);
    const failed = await server.gql<{ sessions: { totalCount: number } }>(query, { filter: { status: 'FAILED' } });
    expect(failed.data?.sessions.totalCount).toBe(1);
    const window = await server.gql<{ sessions: { totalCount: number } }>(query, {
      filter: { startedAfter: '2026-01-13T00:00:00.000Z', startedBefore: '2026-01-15T00:00:00.000Z' },
    });
    expect(window.data?.sessions.totalCount).toBe(3);
  });
});

describe('the audit log filter', () => {
  it('filters by action prefix, resource type, actor and result', async () => {
    const query = `query ($filter: AuditLogFilter) { auditLog(first: 100, filter: $filter) { totalCount edges { node { action resourceId } } } }`;
    const count = async (filter: Record<string, unknown>) =>
      (await server.gql<{ auditLog: { totalCount: number } }>(query, { filter })).data?.auditLog.totalCount;
    expect(await count({ actionPrefix: 'agent.' })).toBe(3);
    expect(await count({ actionPrefix: 'session.' })).toBe(0);
    expect(await count({ resourceType: 'agent', result: 'SUCCESS' })).toBe(3);
    expect(await count({ actorId: gid('User', 'priya.patel') })).toBe(1);
    expect(await count({ result: 'DENIED' })).toBe(0);
  });
});

describe('the usage filter', () => {
  it('filters records by model, provider and session', async () => {
    const query = `query ($filter: LlmUsageFilter) { organization(slug: "quant") { usage(first: 100, filter: $filter) { totalCount } } }`;
    const count = async (filter: Record<string, unknown>) =>
      (await server.gql<{ organization: { usage: { totalCount: number } } }>(query, { filter })).data?.organization.usage.totalCount;
    expect(await count({})).toBe(5);
    expect(await count({ provider: 'openai' })).toBe(2);
    expect(await count({ model: 'claude-sonnet-4' })).toBe(1);
    expect(await count({ sessionId: gid('Session', 'ses-q-001') })).toBe(2);
  });
});
