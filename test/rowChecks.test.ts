// The second look at every row: a row the SQL lets through and the access policy's check refuses is never
// returned, by any kind of field that returns its type (a page's edges, a loaded parent, node and nodes), and a
// refused row is FORBIDDEN at that field. The SQL and the check agree by design, so here the check is made
// stricter than the SQL for one agent: the rows still come out of the database, and only the check stands between
// them and the answer.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Policy from '../src/auth/policy';
import { addAgent, addSession, minutesAfterBase } from './helpers/fixtures';
import { errorCodes, startServer, type TestServer } from './helpers/server';

const refused = vi.hoisted(() => new Set<string>());

vi.mock('../src/auth/policy', async (importOriginal) => {
  const policy = await importOriginal<typeof Policy>();
  return {
    ...policy,
    canSee: (...args: Parameters<typeof Policy.canSee>) => !refused.has(String(args[2].id)) && policy.canSee(...args),
  };
});

let server: TestServer;
const AGENT = 'row-checks-agent';
const SESSION = 'row-checks-session';

beforeAll(async () => {
  server = await startServer();
  await server.services.db.transaction(async (tx) => {
    await addAgent(tx, {
      id: AGENT,
      organizationId: 'quant',
      domainId: 'demo',
      createdByUserId: 'nwalker85',
      createdAt: minutesAfterBase(1),
    });
    await addSession(tx, { id: SESSION, organizationId: 'quant', agentId: AGENT, startedAt: minutesAfterBase(2) });
  });
});
afterAll(() => server.close());

const AGENT_ID = Buffer.from(`Agent:${AGENT}`).toString('base64');
const SESSION_ID = Buffer.from(`Session:${SESSION}`).toString('base64');

const QUERIES = {
  'a page of the root list': `{ agents(first: 100) { edges { node { id name } } } }`,
  'a page under a parent': `{ organization(slug: "quant") { agents(first: 100) { edges { node { id name } } } } }`,
  'a loaded parent': `{ node(id: "${SESSION_ID}") { ... on Session { agent { id name } } } }`,
  node: `{ node(id: "${AGENT_ID}") { id ... on Agent { name } } }`,
  nodes: `{ nodes(ids: ["${AGENT_ID}"]) { id ... on Agent { name } } }`,
};

describe('a row the access check refuses', () => {
  for (const [path, query] of Object.entries(QUERIES)) {
    it(`is returned by ${path} while the check passes it, and refused as FORBIDDEN once it does not`, async () => {
      refused.clear();
      const seen = await server.gql(query);
      expect(seen.errors).toBeUndefined();
      expect(JSON.stringify(seen.data)).toContain(AGENT_ID);

      refused.add(AGENT);
      try {
        const hidden = await server.gql(query);
        expect(JSON.stringify(hidden.data ?? null)).not.toContain(AGENT_ID);
        expect(errorCodes(hidden)).toContain('FORBIDDEN');
        expect(hidden.errors?.[0]?.message).toBe('Not allowed to read Agent.');
      } finally {
        refused.clear();
      }
    });
  }

  it('is an error at its own edge of a page', async () => {
    refused.add(AGENT);
    try {
      const page = await server.gql(`{ organization(slug: "quant") { id agents(first: 100) { edges { node { id } } } } }`);
      expect(errorCodes(page)).toEqual(['FORBIDDEN']);
      const path = page.errors?.[0]?.path ?? [];
      expect(path.slice(0, 3)).toEqual(['organization', 'agents', 'edges']);
      expect(typeof path[3]).toBe('number');
      expect(JSON.stringify(page.data ?? null)).not.toContain(AGENT_ID);
    } finally {
      refused.clear();
    }
  });

  it('leaves the other rows of the same page alone', async () => {
    refused.add(AGENT);
    try {
      const page = await server.gql<{ node: { agent: unknown; id: string } }>(
        `{ node(id: "${SESSION_ID}") { id ... on Session { agent { id } } } }`,
      );
      expect(page.data?.node.id).toBe(SESSION_ID);
      expect(page.data?.node.agent).toBeNull();
      expect(errorCodes(page)).toEqual(['FORBIDDEN']);
      expect(page.errors?.[0]?.path).toEqual(['node', 'agent']);
    } finally {
      refused.clear();
    }
  });
});
