// Subscriptions over Server-Sent Events: every event passes the read policy for its subscriber at delivery,
// a subscription ends with UNAUTHENTICATED when its token stops holding, and only committed writes are heard.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSubscriptions } from '../src/events/bus';
import { gid } from './helpers/fixtures';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { errorCodes, startServer, type TestServer } from './helpers/server';
import { type Result, type Stream, subscribe } from './helpers/sse';

const QUANT = gid('Organization', 'quant');
const CIBC = gid('Organization', 'cibc');

const AUDIT = 'subscription ($org: ID!) { auditLogEntryAdded(organizationId: $org) { action result resourceId organization { slug } } }';
const SESSIONS = `subscription ($org: ID!, $agent: ID) {
  sessionChanged(organizationId: $org, agentId: $agent) { change session { id status agent { name } } }
}`;
const USAGE = `subscription ($org: ID!) {
  usageRecorded(organizationId: $org) { count totalTokens costUsd models organization { slug } quota { tokensUsed } }
}`;

const START = 'mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }';
const END = 'mutation ($id: ID!) { endSession(input: { id: $id }) { session { id } } }';
const TERMINATE = 'mutation ($id: ID!) { terminateSession(input: { id: $id }) { session { id } } }';
const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }';

let server: TestServer;
const open: Stream<any>[] = [];

beforeAll(async () => {
  server = await startServer({ BCRYPT_COST: '4', SUBSCRIPTION_RECHECK_MS: '100' });
}, 60_000);
afterAll(async () => {
  for (const stream of open) stream.close();
  await server.close();
});

async function listen(query: string, variables: Record<string, unknown>, token: string): Promise<Stream<any>> {
  const stream = await subscribe(server.url, query, variables, token);
  open.push(stream);
  return stream;
}

async function write<T = any>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const response = await server.gql<T>(query, variables, token);
  expect(response.errors, query).toBeUndefined();
  return response.data as T;
}

async function startSession(agent: string, token: string): Promise<string> {
  const data = await write<{ startSession: { session: { id: string } } }>(START, { input: { agentId: gid('Agent', agent) } }, token);
  return data.startSession.session.id;
}

function recordUsage(organization: string, records: number, token: string) {
  const input = {
    organizationId: organization,
    records: Array.from({ length: records }, () => ({ model: 'gpt-4o', promptTokens: 100, completionTokens: 20 })),
  };
  return write(RECORD, { input }, token);
}

/** The data of each result (a stream of events, no errors). */
function events(stream: Stream<any>): Record<string, any>[] {
  for (const result of stream.results) expect(result.errors).toBeUndefined();
  return stream.results.map((result: Result<any>) => result.data as Record<string, any>);
}

/** Waits until the in-process server has this many subscriptions listening on its bus. */
async function listening(count: number): Promise<void> {
  for (let waited = 0; openSubscriptions() !== count; waited += 10) {
    if (waited > 5_000) throw new Error(`${openSubscriptions()} subscriptions open, not ${count}`);
    await sleep(10);
  }
}

describe('subscriptions over SSE', () => {
  it('hear exactly the events each role may read, from writes of another principal, and none of the other organization', async () => {
    const writer = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
    const cibcWriter = (await apiKeyFor(server, { org: 'cibc', role: 'org_admin' })).token;
    const admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
    const developer = (await apiKeyFor(server, { org: 'quant', role: 'org_developer' })).token;
    const viewer = (await apiKeyFor(server, { org: 'quant', role: 'org_viewer' })).token;
    const cibcAdmin = (await apiKeyFor(server, { org: 'cibc', role: 'org_admin' })).token;

    const quant = { org: QUANT };
    const streams = {
      admin: {
        audit: await listen(AUDIT, quant, admin),
        sessions: await listen(SESSIONS, quant, admin),
        usage: await listen(USAGE, quant, admin),
      },
      developer: {
        audit: await listen(AUDIT, quant, developer),
        sessions: await listen(SESSIONS, quant, developer),
        usage: await listen(USAGE, quant, developer),
      },
      viewer: {
        audit: await listen(AUDIT, quant, viewer),
        sessions: await listen(SESSIONS, quant, viewer),
        usage: await listen(USAGE, quant, viewer),
      },
      cibc: { audit: await listen(AUDIT, { org: CIBC }, cibcAdmin), sessions: await listen(SESSIONS, { org: CIBC }, cibcAdmin) },
      oneAgent: await listen(SESSIONS, { org: QUANT, agent: gid('Agent', 'agt-002') }, admin),
    };
    for (const stream of open) expect(stream.status).toBe(200);
    await listening(12);

    // Another principal of quant: two sessions (ended, terminated) and a usage batch.
    const first = await startSession('agt-001', writer);
    await write(END, { id: first }, writer);
    const second = await startSession('agt-001', writer);
    await write(TERMINATE, { id: second }, writer);
    await recordUsage(QUANT, 2, writer);
    // The developer's own session and usage.
    const own = await startSession('agt-002', developer);
    await recordUsage(QUANT, 1, developer);
    // cibc, at the same time.
    await startSession('agt-101', cibcWriter);
    await recordUsage(CIBC, 1, cibcWriter);

    await Promise.all([
      streams.admin.audit.received(7),
      streams.admin.sessions.received(5),
      streams.admin.usage.received(2),
      streams.cibc.audit.received(2),
      streams.cibc.sessions.received(1),
    ]);
    await sleep(300); // whatever else was coming has come by now

    expect(events(streams.admin.audit).map((event) => event.auditLogEntryAdded.action)).toEqual([
      'session.start',
      'session.end',
      'session.start',
      'session.terminate',
      'llm_usage.record',
      'session.start',
      'llm_usage.record',
    ]);
    expect(events(streams.admin.audit).every((event) => event.auditLogEntryAdded.organization.slug === 'quant')).toBe(true);
    expect(events(streams.admin.sessions).map((event) => [event.sessionChanged.change, event.sessionChanged.session.id])).toEqual([
      ['STARTED', first],
      ['ENDED', first],
      ['STARTED', second],
      ['TERMINATED', second],
      ['STARTED', own],
    ]);
    expect(events(streams.admin.sessions).map((event) => event.sessionChanged.session.status)).toEqual([
      'ACTIVE',
      'COMPLETED',
      'ACTIVE',
      'TERMINATED',
      'ACTIVE',
    ]);
    const adminUsage = events(streams.admin.usage).map((event) => event.usageRecorded);
    expect(adminUsage.map((batch) => [batch.count, batch.totalTokens, batch.models])).toEqual([
      [2, 240, ['gpt-4o']],
      [1, 120, ['gpt-4o']],
    ]);
    expect(adminUsage[1].quota.tokensUsed - adminUsage[0].quota.tokensUsed).toBe(120);

    // org_developer: no audit permission; only the session and the usage it made itself (:self), without the quota.
    expect(events(streams.developer.audit)).toEqual([]);
    expect(events(streams.developer.sessions).map((event) => [event.sessionChanged.change, event.sessionChanged.session.id])).toEqual([
      ['STARTED', own],
    ]);
    expect(events(streams.developer.usage).map((event) => event.usageRecorded)).toMatchObject([
      { count: 1, totalTokens: 120, quota: null },
    ]);

    // org_viewer: every session of quant (session:read:org), no audit, and usage only its own (none).
    expect(events(streams.viewer.audit)).toEqual([]);
    expect(events(streams.viewer.sessions)).toHaveLength(5);
    expect(events(streams.viewer.usage)).toEqual([]);

    // cibc hears cibc only; an agent's subscription hears that agent only.
    expect(
      events(streams.cibc.audit).map((event) => [event.auditLogEntryAdded.action, event.auditLogEntryAdded.organization.slug]),
    ).toEqual([
      ['session.start', 'cibc'],
      ['llm_usage.record', 'cibc'],
    ]);
    expect(events(streams.cibc.sessions)).toHaveLength(1);
    expect(events(streams.oneAgent).map((event) => event.sessionChanged.session.agent.name)).toEqual(['sales-qualifying-agent']);

    for (const stream of open.splice(0)) stream.close();
    await listening(0);
  });

  it('refuses a subscription to an organization the subscriber has nothing in, and one without a token', async () => {
    const quantAdmin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
    const foreign = await listen(AUDIT, { org: CIBC }, quantAdmin);
    await foreign.completed;
    expect(foreign.results.map((result) => errorCodes({ status: 200, ...result }))).toEqual([['NOT_FOUND']]);

    const anonymous = await subscribe(server.url, AUDIT, { org: QUANT }, null);
    await anonymous.completed;
    expect(anonymous.results.map((result) => errorCodes({ status: 200, ...result }))).toEqual([['UNAUTHENTICATED']]);
    await listening(0);
  });

  it('ends with UNAUTHENTICATED when the key is revoked, before delivering anything after it', async () => {
    const writer = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
    const watched = await apiKeyFor(server, { org: 'quant', role: 'org_admin' });
    const stream = await listen(AUDIT, { org: QUANT }, watched.token);
    await listening(1);
    await startSession('agt-001', writer);
    await stream.received(1);

    await write('mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }', { id: gid('ApiKey', watched.id) }, writer);
    await stream.completed;
    expect(stream.results.map((result) => errorCodes({ status: 200, ...result }))).toEqual([[], ['UNAUTHENTICATED']]);
    expect(stream.results[1]?.data).toBeNull();
    await listening(0);
  });

  it('ends with UNAUTHENTICATED when the login token expires, without any event to deliver', async () => {
    const user = await userWith(server, { grants: [{ org: 'quant', role: 'org_admin' }] });
    const token = await loginAs(server, user.email, user.password);
    const stream = await listen(SESSIONS, { org: QUANT }, token);
    await listening(1);
    // As a SQL shell would: the token now ends in a moment (the security epoch moves with the change).
    const expiresAt = new Date(Date.now() + 600).toISOString();
    await server.services.db.transaction((tx) =>
      tx.run('UPDATE login_tokens SET expires_at = :expiresAt WHERE user_id = :user', { expiresAt, user: user.id }),
    );
    await stream.completed;
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(stream.results.map((result) => errorCodes({ status: 200, ...result }))).toEqual([['UNAUTHENTICATED']]);
    await listening(0);
  });

  it('publishes nothing for a write that rolled back, and a refused write only as its DENIED audit entry', async () => {
    const writer = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
    const viewer = (await apiKeyFor(server, { org: 'quant', role: 'org_viewer' })).token;
    const admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
    const session = await startSession('agt-001', writer);
    await write(
      'mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { organization { slug } } }',
      { input: { organizationId: QUANT, monthlyTokenLimit: 1 } },
      writer,
    );
    const audit = await listen(AUDIT, { org: QUANT }, admin);
    const usage = await listen(USAGE, { org: QUANT }, admin);
    const sessions = await listen(SESSIONS, { org: QUANT }, admin);
    await listening(3);

    const refused = await server.gql(
      RECORD,
      { input: { organizationId: QUANT, records: [{ model: 'gpt-4o', promptTokens: 10, completionTokens: 1 }] } },
      writer,
    );
    expect(errorCodes(refused)).toEqual(['QUOTA_EXCEEDED']);
    const denied = await server.gql(TERMINATE, { id: session }, viewer);
    expect(errorCodes(denied)).toEqual(['FORBIDDEN']);
    await write(
      'mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { organization { slug } } }',
      { input: { organizationId: QUANT } },
      writer,
    );

    await audit.received(2);
    await sleep(200);
    expect(events(audit).map((event) => [event.auditLogEntryAdded.action, event.auditLogEntryAdded.result])).toEqual([
      ['session.terminate', 'DENIED'],
      ['llm_quota.set', 'SUCCESS'],
    ]);
    expect(events(usage)).toEqual([]);
    expect(events(sessions)).toEqual([]);
    for (const stream of open.splice(0)) stream.close();
    await listening(0);
  });
});
