// Tenant isolation over the whole schema: queries generated from
// introspection reach every object type by every path from Query; run as
// every role of one organization they never return a row of the other, no
// count or sum moves when the other organization grows, and node/nodes and
// filters with the other organization's ids find nothing.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, addSession, addUsage, addWebhook, gid, minutesAfterBase } from './helpers/fixtures';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { type GraphQLResponse, startServer, type TestServer } from './helpers/server';
import { battery, collect, introspect, readableObjectTypes, type Schema } from './helpers/walker';

type Org = 'quant' | 'cibc';
const OTHER: Record<Org, Org> = { quant: 'cibc', cibc: 'quant' };
const ORG_ROLES = [
  'org_admin',
  'org_developer',
  'org_operator',
  'org_viewer',
  'api_client',
  'backend_service',
  'compiler_service',
  'job_runner_service',
];

let server: TestServer;
let schema: Schema;
const principals: Record<Org, { label: string; token: string }[]> = { quant: [], cibc: [] };

beforeAll(async () => {
  server = await startServer();
  schema = await introspect(server);
  for (const org of ['quant', 'cibc'] as const) await addWebhook(server, { id: `iso-hook-${org}`, organizationId: org });
  for (const org of ['quant', 'cibc'] as const) {
    for (const role of ORG_ROLES) principals[org].push({ label: `${role} key`, token: (await apiKeyFor(server, { org, role })).token });
    for (const role of ['org_developer', 'org_admin']) {
      const user = await userWith(server, { grants: [{ org, role }] });
      // Rows this user owns, so that the :self rules have something to find on both sides.
      await addSession(server, {
        id: `iso-${org}-${role}`,
        organizationId: org,
        agentId: org === 'quant' ? 'agt-001' : 'agt-101',
        startedByUserId: user.id,
      });
      await addUsage(server, {
        id: `iso-use-${org}-${role}`,
        organizationId: org,
        sessionId: `iso-${org}-${role}`,
        userId: user.id,
        costNanoUsd: 123,
      });
      principals[org].push({ label: `${role} user`, token: await loginAs(server, user.email, user.password) });
    }
  }
}, 120_000);
afterAll(() => server.close());

/** Every global id of an organization's rows, from the database. */
async function globalIdsOf(org: Org): Promise<Set<string>> {
  const db = server.services.db;
  const ids = new Set<string>([gid('Organization', org), gid('Quota', org)]);
  const tables: [string, string][] = [
    ['Domain', 'domains'],
    ['Instance', 'instances'],
    ['Agent', 'agents'],
    ['AgentVersion', 'agent_versions'],
    ['Session', 'sessions'],
    ['LlmUsageRecord', 'llm_usage'],
    ['IntegrationConfig', 'integration_configs'],
    ['AuditLogEntry', 'audit_log'],
    ['ApiKey', 'api_keys'],
    ['Webhook', 'webhooks'],
    ['WebhookDelivery', 'webhook_deliveries'],
  ];
  for (const [typename, table] of tables) {
    for (const row of await db.all<{ id: string | number }>(`SELECT id FROM ${table} WHERE organization_id = :org`, { org }))
      ids.add(gid(typename, row.id));
  }
  // Users who belong to this organization only.
  for (const row of await db.all<{ user_id: string }>(
    `SELECT user_id FROM user_roles GROUP BY user_id HAVING count(*) = count(CASE WHEN organization_id = :org THEN 1 END)`,
    { org },
  )) {
    ids.add(gid('User', row.user_id));
  }
  return ids;
}

function queriesFor(org: Org) {
  return battery(schema, { slug: org, dateFrom: '2000-01-01T00:00:00.000Z', dateTo: '2100-01-01T00:00:00.000Z', pageSize: 5 });
}

/** The other organization's ids as filter arguments, which must find nothing. */
async function probes(org: Org): Promise<string[]> {
  const other = OTHER[org];
  const db = server.services.db;
  const domain = (await db.get<{ id: string }>('SELECT id FROM domains WHERE organization_id = :other', { other }))?.id as string;
  const agent = (await db.get<{ id: string }>('SELECT id FROM agents WHERE organization_id = :other', { other }))?.id as string;
  const session = (await db.get<{ id: string }>('SELECT id FROM sessions WHERE organization_id = :other', { other }))?.id as string;
  const user = (await db.get<{ user_id: string }>('SELECT user_id FROM user_roles WHERE organization_id = :other', { other }))
    ?.user_id as string;
  return [
    `{ agents(filter: { domainId: "${gid('Domain', domain)}" }) { totalCount edges { node { id } } } }`,
    `{ agents(filter: { createdById: "${gid('User', user)}" }) { totalCount edges { node { id } } } }`,
    `{ sessions(filter: { agentId: "${gid('Agent', agent)}" }) { totalCount edges { node { id } } } }`,
    `{ auditLog(filter: { actorId: "${gid('User', user)}" }) { totalCount edges { node { id } } } }`,
    `{ organization(slug: "${org}") { usage(filter: { agentId: "${gid('Agent', agent)}" }) { totalCount }
        sessions(filter: { agentId: "${gid('Agent', agent)}" }) { totalCount } } }`,
    `{ organization(slug: "${other}") { id } }`,
    `{ agents(filter: { search: "card dispute" }) { totalCount } }`,
    `{ sessions(filter: { instanceId: "${gid('Instance', (await db.get<{ id: string }>('SELECT id FROM instances WHERE organization_id = :other', { other }))?.id as string)}" }) { totalCount } }`,
    `{ s: node(id: "${gid('Session', session)}") { id } }`,
  ];
}

async function runAll(queries: string[], token: string): Promise<GraphQLResponse<unknown>[]> {
  const responses: GraphQLResponse<unknown>[] = [];
  for (const query of queries) {
    const { extensions: _timing, ...response } = await server.gql(query, {}, token);
    responses.push(response);
  }
  return responses;
}

function expectNoForeignRows(responses: GraphQLResponse<unknown>[], foreign: Set<string>, label: string) {
  for (const response of responses) {
    for (const error of response.errors ?? []) {
      expect(error.extensions?.code, `${label}: ${error.message}`).toBe('FORBIDDEN');
    }
    const { ids } = collect(response.data);
    const leaked = [...ids].filter((id) => foreign.has(id));
    expect(
      leaked.map((id) => decodeGlobalID(id)),
      label,
    ).toEqual([]);
  }
}

describe('the generated queries', () => {
  it('reach every object type a read can return, as the platform owner', async () => {
    const { queries, reachable } = queriesFor('quant');
    const returned = new Set<string>();
    for (const response of await runAll(queries, server.firstApiKey)) {
      expect(response.errors).toBeUndefined();
      for (const typename of collect(response.data).typenames) returned.add(typename);
    }
    const expected = readableObjectTypes(schema);
    expect(
      expected.filter((name) => !reachable.has(name)),
      'types no query path reaches',
    ).toEqual([]);
    expect(
      expected.filter((name) => !returned.has(name)),
      'types no response returned',
    ).toEqual([]);
  });
});

for (const org of ['quant', 'cibc'] as const) {
  describe(`principals of ${org}`, () => {
    it(`never get a row of ${OTHER[org]} through any path, filter, node or nodes`, async () => {
      const foreign = await globalIdsOf(OTHER[org]);
      expect(foreign.size).toBeGreaterThan(10);
      const { queries } = queriesFor(org);
      const nodeQuery = `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`;
      for (const { label, token } of principals[org]) {
        expectNoForeignRows(await runAll([...queries, ...(await probes(org))], token), foreign, label);
        const nodes = await server.gql<{ nodes: unknown[] }>(nodeQuery, { ids: [...foreign] }, token);
        expect(nodes.errors, label).toBeUndefined();
        expect(
          nodes.data?.nodes.every((node) => node === null),
          label,
        ).toBe(true);
        for (const id of [...foreign].slice(0, 40)) {
          const single = await server.gql<{ node: unknown }>('query ($id: ID!) { node(id: $id) { id } }', { id }, token);
          expect(single.data?.node ?? null, `${label}: node(${decodeGlobalID(id).typename})`).toBeNull();
        }
      }
    }, 120_000);
  });
}

/** Grows an organization by rows of every kind the gateway counts or sums. */
async function grow(org: Org): Promise<void> {
  const db = server.services.db;
  const domain = org === 'quant' ? 'demo' : 'card-services';
  await db.transaction(async (tx) => {
    for (let i = 0; i < 7; i++) {
      const agent = `grow-${org}-${i}`;
      await addAgent(tx, { id: agent, organizationId: org, domainId: domain, createdAt: minutesAfterBase(i), tags: ['grow'] });
      await addSession(tx, { id: `${agent}-s`, organizationId: org, agentId: agent });
      await addUsage(tx, { id: `${agent}-u`, organizationId: org, agentId: agent, sessionId: `${agent}-s`, costNanoUsd: 999_999_999 });
    }
    await tx.run(
      `INSERT INTO audit_log (organization_id, actor_kind, action, resource_type, result, metadata, created_at, hash)
       VALUES (:org, 'service', 'agent.create', 'agent', 'success', '{}', :at, 'not-chained')`,
      { org, at: minutesAfterBase(9) },
    );
  });
}

/** A response without the one field that moves by itself (a key's lastUsedAt, touched at most once a minute). */
function stable(responses: GraphQLResponse<unknown>[]): string {
  return JSON.stringify(responses, (key, value) => (key === 'lastUsedAt' ? undefined : value));
}

describe('counts and sums', () => {
  for (const org of ['quant', 'cibc'] as const) {
    it(`seen by every principal of ${org} do not move when ${OTHER[org]} grows`, async () => {
      const { queries } = queriesFor(org);
      const battery = [...queries, ...(await probes(org))];
      const before = new Map<string, string>();
      for (const { label, token } of principals[org]) before.set(label, stable(await runAll(battery, token)));
      await grow(OTHER[org]);
      for (const { label, token } of principals[org]) {
        expect(stable(await runAll(battery, token)), label).toBe(before.get(label));
      }
    }, 120_000);
  }
});
