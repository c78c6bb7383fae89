// Hostile input answers a contract code, never INTERNAL_SERVER_ERROR: tampered
// cursors, global ids naming no loadable type, and documents nested thousands deep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const AGENTS = `query Agents($after: String, $orderBy: AgentOrder) {
  agents(first: 2, after: $after, orderBy: $orderBy) { edges { cursor node { id name } } }
}`;
const ROLES = 'query Roles($after: String) { roles(first: 2, after: $after) { edges { cursor } } }';

type AgentsPage = { agents: { edges: { cursor: string; node: { id: string; name: string } }[] } };

async function agentCursor(orderBy?: { field: string; direction?: string }): Promise<string> {
  const page = await server.gql<AgentsPage>(AGENTS, orderBy ? { orderBy } : {});
  return page.data?.agents.edges[0]?.cursor as string;
}

const encode = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
const decode = (cursor: string): unknown[] => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];

describe('cursors', () => {
  it('show no table or column name when decoded', async () => {
    const [version, tag, value, id] = decode(await agentCursor({ field: 'NAME' }));
    // The version, a digest of the list and its ordering, and the keyset position (the row's name and id): nothing else.
    expect(version).toBe(1);
    expect(tag).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(typeof value).toBe('string');
    expect(typeof id).toBe('string');
  });

  it('still page: the second page starts after the first page’s cursor', async () => {
    const first = await server.gql<AgentsPage>(AGENTS);
    const after = first.data?.agents.edges[1]?.cursor;
    const second = await server.gql<AgentsPage>(AGENTS, { after });
    expect(second.errors).toBeUndefined();
    const seen = new Set(first.data?.agents.edges.map((edge) => edge.node.id));
    for (const edge of second.data?.agents.edges ?? []) expect(seen.has(edge.node.id)).toBe(false);
  });

  it('are refused by another ordering and by another list with BAD_USER_INPUT', async () => {
    const byName = await agentCursor({ field: 'NAME' });
    expect(errorCodes(await server.gql(AGENTS, { after: byName }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await server.gql(AGENTS, { after: byName, orderBy: { field: 'NAME', direction: 'DESC' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(errorCodes(await server.gql(ROLES, { after: await agentCursor() }))).toEqual(['BAD_USER_INPUT']);
  });

  it('decoded to values of the wrong kind or shape answer BAD_USER_INPUT', async () => {
    const [version, tag, value, id] = decode(await agentCursor());
    const tampered = [
      [version, tag, { a: 1 }, id],
      [version, tag, [value], id],
      [version, tag, true, id],
      [version, tag, value, { id }],
      [version, tag, value, null],
      [version, tag, value, false],
      [version, tag, 'x'.repeat(600), id],
      [version, tag, value],
      [2, tag, value, id],
      { k: 'CREATED_AT:ASC', v: value, i: id },
      'a string',
      42,
      null,
    ];
    for (const body of tampered) {
      const answer = await server.gql(AGENTS, { after: encode(body) });
      expect(errorCodes(answer), JSON.stringify(body)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('that are garbage answer BAD_USER_INPUT', async () => {
    for (const after of ['not-a-cursor', '%%%', '', '=====', 'W10', 'x'.repeat(5000), '\u0000\ud800']) {
      const answer = await server.gql(AGENTS, { after });
      expect(errorCodes(answer), after.slice(0, 20)).not.toContain('INTERNAL_SERVER_ERROR');
      if (after !== '') expect(errorCodes(answer), after.slice(0, 20)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('global ids', () => {
  const NODE = 'query Node($id: ID!) { node(id: $id) { id } }';
  const NODES = 'query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }';
  const globalId = (text: string) => Buffer.from(text).toString('base64');

  it('naming a type that does not exist, or one that is not a node, answer BAD_USER_INPUT', async () => {
    for (const id of [globalId('Nope:1'), globalId('PageInfo:1'), globalId('Query:1'), globalId('AgentConnection:1')]) {
      expect(errorCodes(await server.gql(NODE, { id })), id).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await server.gql(NODES, { ids: [id] })), id).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('that are malformed answer BAD_USER_INPUT without repeating the id', async () => {
    const answer = await server.gql(NODE, { id: 'hunter2-is-my-password' });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(answer.errors)).not.toContain('hunter2');
  });

  it('of a real type and a missing row answer null', async () => {
    const answer = await server.gql(NODE, { id: globalId('Agent:no-such-agent') });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ node: null });
  });
});

describe('documents nested thousands deep', () => {
  const cases = {
    'selection sets': `{ ${'viewer { '.repeat(5_000)}${'}'.repeat(5_000)} }`,
    'list literals': `{ viewer { can(permission: ${'['.repeat(20_000)}"x"${']'.repeat(20_000)}) } }`,
    'object literals': `mutation { login(input: ${'{ a: '.repeat(10_000)}1${' }'.repeat(10_000)}) { token } }`,
  };
  for (const [name, query] of Object.entries(cases)) {
    it(`are refused before parsing with BAD_USER_INPUT (${name})`, async () => {
      const answer = await server.gql(query);
      expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.message).toMatch(/nested too deep/);
    });
  }

  it('count no brackets inside strings or comments', async () => {
    const answer = await server.gql(
      `# ${'{'.repeat(500)}\n{ viewer { can(permission: "${'['.repeat(500)}", organizationSlug: """${'('.repeat(500)}""") } }`,
    );
    expect(errorCodes(answer)).not.toContain('INTERNAL_SERVER_ERROR');
    expect(answer.errors?.[0]?.message ?? '').not.toMatch(/nested too deep/);
  });
});
