// Keyset pagination: walking a connection page by page visits every visible
// row exactly once, in order, for every orderBy and in both directions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, minutesAfterBase } from './helpers/fixtures';
import { apiKeyFor, userWith } from './helpers/principals';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
let developer: string;

beforeAll(async () => {
  server = await startServer();
  // 31 more agents in quant, with repeated names and creation times so that the id tie-break matters.
  await server.services.db.transaction(async (tx) => {
    for (let i = 0; i < 31; i++) {
      await addAgent(tx, {
        id: `page-${String(i).padStart(2, '0')}`,
        organizationId: 'quant',
        domainId: 'demo',
        name: `agent-${i % 4}-${i}`,
        displayName: `Agent ${(i * 7) % 5}`,
        createdAt: minutesAfterBase(i % 3),
      });
    }
  });
  developer = (await apiKeyFor(server, { org: 'quant', role: 'org_developer' })).token;
});
afterAll(() => server.close());

type Page = {
  agents: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null; startCursor: string | null };
    edges: { cursor: string; node: { id: string; name: string; displayName: string; createdAt: string; updatedAt: string } }[];
  };
};

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $orderBy: AgentOrder) {
  agents(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name displayName createdAt updatedAt } }
  }
}`;

const SORT_FIELDS = { NAME: 'name', DISPLAY_NAME: 'displayName', CREATED_AT: 'createdAt', UPDATED_AT: 'updatedAt' } as const;

/** The expected order, computed independently: by the field, then by row id (the global ids' row part). */
function expectedOrder(nodes: Page['agents']['edges'][number]['node'][], field: keyof typeof SORT_FIELDS, direction: 'ASC' | 'DESC') {
  const rowId = (id: string) => Buffer.from(id, 'base64').toString().split(':').slice(1).join(':');
  const key = SORT_FIELDS[field];
  const sorted = [...nodes].sort((a, b) => {
    const primary = a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0;
    if (primary !== 0) return primary;
    return rowId(a.id) < rowId(b.id) ? -1 : rowId(a.id) > rowId(b.id) ? 1 : 0;
  });
  return (direction === 'ASC' ? sorted : sorted.reverse()).map((node) => node.id);
}

async function walkForward(orderBy: object) {
  const seen: Page['agents']['edges'][number]['node'][] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 20; guard++) {
    const response = await server.gql<Page>(PAGE, { first: 7, after, orderBy }, developer);
    expect(response.errors).toBeUndefined();
    const page = response.data?.agents as Page['agents'];
    expect(page.edges.length).toBeLessThanOrEqual(7);
    seen.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return { seen, totalCount: page.totalCount };
    expect(page.edges).toHaveLength(7);
    after = page.pageInfo.endCursor;
  }
  throw new Error('did not reach the last page');
}

describe('walking agents with first: 7', () => {
  for (const field of Object.keys(SORT_FIELDS) as (keyof typeof SORT_FIELDS)[]) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`visits every visible agent exactly once, in order, by ${field} ${direction}`, async () => {
        const { seen, totalCount } = await walkForward({ field, direction });
        expect(totalCount).toBe(36);
        expect(seen).toHaveLength(36);
        expect(new Set(seen.map((node) => node.id)).size).toBe(36);
        expect(seen.map((node) => node.id)).toEqual(expectedOrder(seen, field, direction));
      });
    }
  }

  it('walks backwards with last and before to the same order', async () => {
    const { seen } = await walkForward({ field: 'NAME', direction: 'ASC' });
    const backwards: string[] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const response = await server.gql<Page>(PAGE, { last: 7, before, orderBy: { field: 'NAME' } }, developer);
      const page = response.data?.agents as Page['agents'];
      backwards.unshift(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backwards).toEqual(seen.map((node) => node.id));
  });

  it('refuses a cursor of another ordering, a malformed cursor and first over 100 with BAD_USER_INPUT', async () => {
    const first = await server.gql<Page>(PAGE, { first: 7, orderBy: { field: 'NAME' } }, developer);
    const cursor = first.data?.agents.pageInfo.endCursor;
    const mismatched = await server.gql(PAGE, { first: 7, after: cursor, orderBy: { field: 'CREATED_AT' } }, developer);
    expect(errorCodes(mismatched)).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await server.gql(PAGE, { first: 7, after: 'not-a-cursor' }, developer))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await server.gql(PAGE, { first: 101 }, developer))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await server.gql(PAGE, { first: -1 }, developer))).toEqual(['BAD_USER_INPUT']);
  });

  it('defaults to 20 rows per page', async () => {
    const response = await server.gql<Page>(PAGE, {}, developer);
    expect(response.data?.agents.edges).toHaveLength(20);
    expect(response.data?.agents.pageInfo.hasNextPage).toBe(true);
  });
});

describe('members ordered by email', () => {
  it('walks emails that differ in case in one order, page by page, whichever engine answers', async () => {
    const emails = ['Bravo@order.example', 'alpha@order.example', 'charlie@order.example', 'ALPHA2@order.example', 'delta@order.example'];
    for (const email of emails) await userWith(server, { email, grants: [{ org: 'cibc', role: 'org_viewer' }] });
    const admin = (await apiKeyFor(server, { org: 'cibc', role: 'org_admin' })).token;
    const MEMBERS = `query ($after: String) { organization(slug: "cibc") {
      members(first: 2, after: $after, orderBy: { field: EMAIL }) { pageInfo { hasNextPage endCursor } edges { node { email } } } } }`;
    type Members = {
      organization: { members: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { email: string } }[] } };
    };
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const response: Awaited<ReturnType<typeof server.gql<Members>>> = await server.gql<Members>(MEMBERS, { after }, admin);
      expect(response.errors).toBeUndefined();
      const members = response.data?.organization.members;
      seen.push(...(members?.edges ?? []).map((edge) => edge.node.email));
      if (!members?.pageInfo.hasNextPage) break;
      after = members.pageInfo.endCursor;
    }
    // Case folded, as SQLite's NOCASE column orders it ('2' sorts before '@'); each member once.
    const ours = seen.filter((email) => email.endsWith('@order.example'));
    expect(ours).toEqual([
      'ALPHA2@order.example',
      'alpha@order.example',
      'Bravo@order.example',
      'charlie@order.example',
      'delta@order.example',
    ]);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
