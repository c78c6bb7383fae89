// totalCount over more rows than one counting statement may walk: counted in
// bounded chunks (see COUNT_CHUNK in src/db/counts.ts), and still exact, at
// the root, nested under one parent and under several, with and without filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNT_CHUNK } from '../src/db/counts';
import { insertUsageBatch, type NewUsage } from '../src/modules/usage/repo';
import { addAgent, addOrganization, addSession, minutesAfterBase } from './helpers/fixtures';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
const RECORDS = 2 * COUNT_CHUNK + 1234;
const SESSIONS = COUNT_CHUNK + 17;

beforeAll(async () => {
  server = await startServer();
  const { db } = server.services;
  await db.transaction(async (tx) => {
    await addOrganization(tx, 'big');
    for (const agent of ['big-a', 'big-b']) await addAgent(tx, { id: agent, organizationId: 'big', domainId: 'big-main' });
    for (let s = 0; s < SESSIONS; s++) {
      await addSession(tx, {
        id: `big-s${s}`,
        organizationId: 'big',
        agentId: s % 3 === 0 ? 'big-b' : 'big-a',
        startedAt: minutesAfterBase(s % 5000),
      });
    }
    const rows: NewUsage[] = [];
    for (let i = 0; i < RECORDS; i++) {
      rows.push({
        id: `big-u${i}`,
        organizationId: 'big',
        agentId: i % 4 === 0 ? 'big-b' : 'big-a',
        sessionId: i % 2 === 0 ? 'big-s0' : null,
        userId: null,
        apiKeyId: null,
        provider: 'openai',
        model: i % 10 === 0 ? 'gpt-4o-mini' : 'gpt-4o',
        promptTokens: 10,
        completionTokens: 5,
        costNanoUsd: 1000n,
        latencyMs: null,
        createdAt: minutesAfterBase(i % 20_000),
      });
    }
    await insertUsageBatch(tx, rows);
  });
});
afterAll(() => server.close());

const count = async (sql: string) => (await server.services.db.get<{ n: number }>(sql))?.n;

/** The statements run while answering, by their first words. */
async function countStatements(query: string): Promise<{ data: unknown; counting: number }> {
  let counting = 0;
  server.services.db.observer = (sql) => {
    if (/count\(\*\)|OFFSET \?/.test(sql)) counting++;
  };
  try {
    const response = await server.gql(query);
    expect(response.errors).toBeUndefined();
    return { data: response.data, counting };
  } finally {
    server.services.db.observer = null;
  }
}

describe('totalCount past one chunk', () => {
  it("is exact for an organization's usage, with and without a filter, counted in several bounded statements", async () => {
    const { data, counting } = await countStatements(`{ organization(slug: "big") {
      all: usage(first: 1) { totalCount }
      mini: usage(first: 1, filter: { model: "gpt-4o-mini" }) { totalCount } } }`);
    expect(data).toEqual({
      organization: {
        all: { totalCount: await count("SELECT count(*) AS n FROM llm_usage WHERE organization_id = 'big'") },
        mini: { totalCount: await count("SELECT count(*) AS n FROM llm_usage WHERE organization_id = 'big' AND model = 'gpt-4o-mini'") },
      },
    });
    expect((data as { organization: { all: { totalCount: number } } }).organization.all.totalCount).toBe(RECORDS);
    expect(counting).toBeGreaterThan(4);
  });

  it('is exact per parent when several parents share a statement and some pass their share', async () => {
    const { data } = await countStatements(`{ organization(slug: "big") { agents(first: 2) { edges { node { name
      usage(first: 1) { totalCount } sessions(first: 1) { totalCount } } } } } }`);
    const agents = (
      data as {
        organization: { agents: { edges: { node: { name: string; usage: { totalCount: number }; sessions: { totalCount: number } } }[] } };
      }
    ).organization.agents.edges.map((edge) => edge.node);
    for (const agent of agents) {
      expect(agent.usage.totalCount).toBe(await count(`SELECT count(*) AS n FROM llm_usage WHERE agent_id = '${agent.name}'`));
      expect(agent.sessions.totalCount).toBe(await count(`SELECT count(*) AS n FROM sessions WHERE agent_id = '${agent.name}'`));
    }
    expect(agents.map((agent) => agent.usage.totalCount).reduce((a, b) => a + b)).toBe(RECORDS);
  });

  it('is exact at the root across more rows than one chunk', async () => {
    const { data } = await countStatements('{ sessions(first: 1) { totalCount } }');
    expect(data).toEqual({ sessions: { totalCount: await count('SELECT count(*) AS n FROM sessions') } });
  });
});
