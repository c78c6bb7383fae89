// The access policy per role: the :self rules, masked secrets, and fields
// that answer FORBIDDEN to principals without the permission they need.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSession, addUsage, gid, minutesAfterBase } from './helpers/fixtures';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
let developer: { id: string; token: string };

beforeAll(async () => {
  server = await startServer();
  const user = await userWith(server, { name: 'Dev One', grants: [{ org: 'quant', role: 'org_developer' }] });
  developer = { id: user.id, token: await loginAs(server, user.email, user.password) };
  await addSession(server, {
    id: 'dev-own-1',
    organizationId: 'quant',
    agentId: 'agt-002',
    startedByUserId: user.id,
    startedAt: minutesAfterBase(5),
  });
  await addUsage(server, {
    id: 'dev-own-use-1',
    organizationId: 'quant',
    agentId: 'agt-002',
    sessionId: 'dev-own-1',
    userId: user.id,
    costNanoUsd: 1_000_000,
  });
});
afterAll(() => server.close());

type Ids = { edges: { node: { id: string } }[]; totalCount: number };

describe('an org_developer of quant (agent:read:org, session:read:self, llm:quota:read:self)', () => {
  it('sees every agent of quant, because it also holds agent:read:org', async () => {
    const response = await server.gql<{ agents: Ids }>('{ agents(first: 100) { totalCount edges { node { id } } } }', {}, developer.token);
    expect(response.data?.agents.totalCount).toBe(5);
  });

  it('sees only the sessions it started, in root and nested lists and by id', async () => {
    const response = await server.gql<{ sessions: Ids; organization: { sessions: Ids }; node: unknown; own: { id: string } | null }>(
      `query ($other: ID!, $own: ID!) {
        sessions(first: 100) { totalCount edges { node { id } } }
        organization(slug: "quant") { sessions(first: 100) { totalCount edges { node { id } } } }
        node(id: $other) { id }
        own: node(id: $own) { id }
      }`,
      { other: gid('Session', 'ses-q-001'), own: gid('Session', 'dev-own-1') },
      developer.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.sessions.edges.map((edge) => edge.node.id)).toEqual([gid('Session', 'dev-own-1')]);
    expect(response.data?.sessions.totalCount).toBe(1);
    expect(response.data?.organization).toBeNull(); // no org:read: the organization row itself is invisible
    expect(response.data?.node).toBeNull();
    expect(response.data?.own).toEqual({ id: gid('Session', 'dev-own-1') });
  });

  it('sees only its own usage, and its session cost counts only that', async () => {
    const response = await server.gql<{ agent: { usage: Ids; sessions: { edges: { node: { costUsd: string } }[] } } }>(
      `query ($agent: ID!) { agent: node(id: $agent) { ... on Agent {
          usage(first: 100) { totalCount edges { node { id } } }
          sessions(first: 10) { edges { node { costUsd } } } } } }`,
      { agent: gid('Agent', 'agt-002') },
      developer.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.agent.usage.edges.map((edge) => edge.node.id)).toEqual([gid('LlmUsageRecord', 'dev-own-use-1')]);
    expect(response.data?.agent.sessions.edges.map((edge) => edge.node.costUsd)).toEqual(['0.001000000']);
  });

  it('sees integration secrets masked, the config itself in clear', async () => {
    const response = await server.gql<{ node: { integration: string; config: unknown; secrets: unknown } }>(
      `query ($id: ID!) { node(id: $id) { ... on IntegrationConfig { integration config secrets } } }`,
      { id: gid('IntegrationConfig', 'int-quant-salesforce') },
      developer.token,
    );
    expect(response.data?.node).toEqual({
      integration: 'salesforce',
      config: { instanceUrl: 'https://quant.my.salesforce.example' },
      secrets: { clientSecret: '********' },
    });
    expect(JSON.stringify(response)).not.toContain('sf-demo-secret-1');
  });

  it("reads an agent's usage summary limited to its own usage", async () => {
    const key = await apiKeyFor(server, { org: 'quant', role: 'org_developer' });
    const summary = await server.gql<{ node: { name: string; usageSummary: { total: { requests: number } } } }>(
      `query ($id: ID!) { node(id: $id) { ... on Agent { name usageSummary(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { total { requests } } } } }`,
      { id: gid('Agent', 'agt-001') },
      key.token,
    );
    expect(summary.errors).toBeUndefined();
    // The key started nothing and used nothing: its own usage is none, though agt-001 has usage.
    expect(summary.data?.node).toEqual({ name: 'customer-support-agent', usageSummary: { total: { requests: 0 } } });
  });
});

describe('a platform_support key (org:read:platform, no usage permission)', () => {
  it('sees every organization but gets FORBIDDEN for their quota, with the rest of the answer intact', async () => {
    const { token } = await apiKeyFor(server, { org: null, role: 'platform_support' });
    const response = await server.gql<{ organizations: { edges: { node: { slug: string; quota: null } }[] } }>(
      '{ organizations { edges { node { slug quota { tokensUsed } } } } }',
      {},
      token,
    );
    expect(response.data?.organizations.edges).toEqual([{ node: { slug: 'quant', quota: null } }, { node: { slug: 'cibc', quota: null } }]);
    expect(errorCodes(response)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});

describe('an org_admin of quant (integration:secret:read, llm:quota:read:org)', () => {
  it('sees integration secrets in clear and every session with its cost', async () => {
    const { token } = await apiKeyFor(server, { org: 'quant', role: 'org_admin' });
    const response = await server.gql<{ organization: { integrationConfigs: { edges: { node: { secrets: unknown } }[] }; sessions: Ids } }>(
      '{ organization(slug: "quant") { integrationConfigs { edges { node { secrets } } } sessions(first: 100) { totalCount edges { node { id } } } } }',
      {},
      token,
    );
    expect(response.data?.organization.integrationConfigs.edges[0]?.node.secrets).toEqual({ clientSecret: 'sf-demo-secret-1' });
    expect(response.data?.organization.sessions.totalCount).toBe(5);
  });
});

describe('an api_client key of quant (no usage permission)', () => {
  it('gets FORBIDDEN on cost and token fields, and the rest of the session', async () => {
    const client = await apiKeyFor(server, { org: 'quant', role: 'api_client' });
    await server.services.db.transaction((tx) =>
      tx.run("UPDATE sessions SET started_by_api_key_id = :key WHERE id = 'ses-q-002'", { key: client.id }),
    );
    const response = await server.gql<{
      sessions: { edges: { node: { status: string; costUsd: string | null; totalTokens: number | null } }[] };
    }>('{ sessions(first: 10) { edges { node { status costUsd totalTokens } } } }', {}, client.token);
    expect(response.data?.sessions.edges).toEqual([{ node: { status: 'COMPLETED', costUsd: null, totalTokens: null } }]);
    expect(errorCodes(response)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(response.errors?.map((error) => error.path?.at(-1))).toEqual(['costUsd', 'totalTokens']);
  });

  it("gets FORBIDDEN on an agent's usage summary", async () => {
    const client = await apiKeyFor(server, { org: 'quant', role: 'api_client' });
    const response = await server.gql<{ agents: { edges: { node: { usageSummary: null } }[] } }>(
      '{ agents(first: 1) { edges { node { name usageSummary(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { totalCount } } } } }',
      {},
      client.token,
    );
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(response.data?.agents.edges[0]?.node.usageSummary).toBeNull();
  });
});

describe('users', () => {
  it('hide their email from a principal without user:read, and show themselves to themselves', async () => {
    const response = await server.gql<{
      viewer: { user: { name: string; email: string } };
      agents: { edges: { node: { createdBy: unknown } }[] };
    }>('{ viewer { user { name email } } agents(first: 1) { edges { node { createdBy { name } } } } }', {}, developer.token);
    expect(response.data?.viewer.user).toEqual({ name: 'Dev One', email: expect.stringContaining('@') });
    // The creator is a member of quant, but an org_developer has no user:read: it reads as missing.
    expect(response.data?.agents.edges[0]?.node.createdBy).toBeNull();
  });
});
