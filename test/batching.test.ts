// No N+1: nested fields and connections load through per-request loaders,
// so the statements a request runs do not grow with the number of parents.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../src/db/store';
import { addAgent, addOrganization, addSession, addUsage, minutesAfterBase } from './helpers/fixtures';
import { type GraphQLResponse, startServer, type TestServer } from './helpers/server';

let server: TestServer;

/** Gives organization `slug` `count` agents, each with 6 sessions of 6 usage records. */
async function populate(tx: Tx, slug: string, count: number): Promise<void> {
  await addOrganization(tx, slug);
  for (let a = 0; a < count; a++) {
    const agentId = `${slug}-agent-${a}`;
    await addAgent(tx, {
      id: agentId,
      organizationId: slug,
      domainId: `${slug}-main`,
      createdByUserId: 'nwalker85',
      createdAt: minutesAfterBase(a),
    });
    for (let s = 0; s < 6; s++) {
      const sessionId = `${agentId}-s${s}`;
      await addSession(tx, { id: sessionId, organizationId: slug, agentId, startedAt: minutesAfterBase(a * 10 + s) });
      for (let u = 0; u < 6; u++) {
        await addUsage(tx, { id: `${sessionId}-u${u}`, organizationId: slug, agentId, sessionId, costNanoUsd: 1000 + u });
      }
    }
  }
}

beforeAll(async () => {
  server = await startServer();
  // nwalker85 must be visible to the caller for createdBy to load: the platform owner sees every user.
  await server.services.db.transaction(async (tx) => {
    await populate(tx, 'five', 5);
    await populate(tx, 'fifty', 50);
  });
});
afterAll(() => server.close());

const NESTED = `query ($slug: String!) {
  organization(slug: $slug) {
    agents(first: 50) {
      totalCount
      edges { node {
        name
        organization { slug }
        domain { name instances { totalCount edges { node { name } } } }
        createdBy { name email }
        versions(first: 2) { totalCount }
        usageSummary(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", groupBy: [MODEL]) { totalCount total { costUsd } edges { node { model costUsd } } }
        sessions(first: 5) {
          totalCount
          edges { node {
            status totalTokens costUsd
            agent { name }
            instance { name }
            usage(first: 5) { totalCount edges { node { costUsd model session { status } agent { name } } } }
          } }
        }
      } }
    }
  }
}`;

type Agents = {
  organization: { agents: { totalCount: number; edges: { node: { sessions: { edges: { node: { usage: { edges: unknown[] } } }[] } } }[] } };
};

function statements(response: GraphQLResponse<unknown>): number {
  expect(response.errors).toBeUndefined();
  const count = response.extensions?.sql?.statements;
  expect(count).toBeGreaterThan(0);
  return count as number;
}

describe('a nested query over many agents', () => {
  it('returns every level: 50 agents, 5 sessions each, 5 usage records each', async () => {
    const response = await server.gql<Agents>(NESTED, { slug: 'fifty' });
    const agents = response.data?.organization.agents;
    expect(agents?.totalCount).toBe(50);
    expect(agents?.edges).toHaveLength(50);
    for (const edge of agents?.edges ?? []) {
      expect(edge.node.sessions.edges).toHaveLength(5);
      for (const session of edge.node.sessions.edges) expect(session.node.usage.edges).toHaveLength(5);
    }
  });

  it('runs the same number of statements for 5 agents as for 50', async () => {
    const five = statements(await server.gql(NESTED, { slug: 'five' }));
    const fifty = statements(await server.gql(NESTED, { slug: 'fifty' }));
    expect(fifty).toBe(five);
    // One statement per level and per count, not per parent: well under the 50 agents.
    expect(fifty).toBeLessThan(30);
  });

  it('batches the root agents list and node lookups the same way', async () => {
    const root = `query ($n: Int!) { agents(first: $n, orderBy: { field: CREATED_AT }) {
      edges { node { name organization { slug } domain { name } createdBy { name } sessions(first: 3) { edges { node { costUsd usage(first: 2) { totalCount } } } } } } } }`;
    const small = statements(await server.gql(root, { n: 5 }));
    const large = statements(await server.gql(root, { n: 60 }));
    expect(large).toBe(small);
  });
});

describe('a level of many large pages', () => {
  it('is read a group of parents per statement, every page whole and in order', async () => {
    // first: 100 under 50 agents: at most 2,500 rows a statement makes three groups of parents.
    const query = `{ organization(slug: "fifty") { agents(first: 50) { edges { node { name
      sessions(first: 100) { edges { node { startedAt } } } } } } } }`;
    let pageStatements = 0;
    server.services.db.observer = (sql) => {
      // The per-parent page statement of either engine (src/db/keyset.ts fetchIndexedPagesPerParent).
      const perParent =
        /FROM json_each\(\?\) p\s+JOIN json_each|FROM json_array_elements_text\(\$1\) WITH ORDINALITY p\s+CROSS JOIN LATERAL/;
      if (perParent.test(sql) && sql.includes('FROM sessions s')) pageStatements++;
    };
    try {
      const response = await server.gql<{
        organization: { agents: { edges: { node: { name: string; sessions: { edges: { node: { startedAt: string } }[] } } }[] } };
      }>(query);
      expect(response.errors).toBeUndefined();
      const agents = response.data?.organization.agents.edges ?? [];
      expect(agents).toHaveLength(50);
      for (const { node } of agents) {
        const started = node.sessions.edges.map((edge) => edge.node.startedAt);
        expect(started).toHaveLength(6);
        expect(started).toEqual([...started].sort().reverse());
      }
      expect(pageStatements).toBe(3);
    } finally {
      server.services.db.observer = null;
    }
  });
});
