// Throttling: failed logins locked per email and per client address (counted in the database, shared by processes),
// request rate limits per API key by role and per address without a token, each answering RATE_LIMITED with retryAfterSeconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { TokenBuckets } from '../src/plugins/use-rate-limits';
import { type Answer, type Gateway, openDatabase, post, runFoundry, startGateway } from './helpers/gateway';
import { apiKeyFor, userWith } from './helpers/principals';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './helpers/server';

const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { token } }';
const WHO = '{ viewer { principal { kind } } }';
const INTROSPECT = '{ __typename }';

type Refusal = { extensions?: { code?: string; retryAfterSeconds?: number } };
const codeOf = (answer: { errors?: Refusal[] }) => answer.errors?.[0]?.extensions?.code ?? 'OK';
const retryAfter = (answer: { errors?: Refusal[] }) => answer.errors?.[0]?.extensions?.retryAfterSeconds;

describe('failed logins, from two gateway processes sharing one database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-throttle-'));
  const databasePath = join(dir, 'foundry.db');
  const email = 'ada@quant.example';
  const password = 'the right password';
  const env = { LOGIN_FAILURES_PER_EMAIL: '3', LOGIN_FAILURES_PER_ADDRESS: '1000', LOGIN_LOCK_SECONDS: '2' };
  let a: Gateway;
  let b: Gateway;
  const login = (gateway: Gateway, input: { email: string; password: string }): Promise<Answer<{ login: { token: string } }>> =>
    post(gateway.url, LOGIN, { input });

  beforeAll(async () => {
    a = await startGateway(databasePath, env);
    const created = await runFoundry(databasePath, ['user', 'create', '--email', email, '--name', 'Ada', '--password', password]);
    expect(created.code).toBe(0);
    b = await startGateway(databasePath, env);
  }, 60_000);
  afterAll(async () => {
    for (const gateway of [a, b]) gateway?.child.kill('SIGTERM');
    await Promise.all([a?.exited, b?.exited]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('locks the email after the limit whichever process counted the failures, refuses even the right password, and lets it in after the lock', async () => {
    // Three failures, alternating processes, and in any letter case of the email: each counts.
    expect(codeOf(await login(a, { email, password: 'wrong 1' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login(b, { email: email.toUpperCase(), password: 'wrong 2' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login(a, { email: ` ${email}`, password: 'wrong 3' }))).toBe('UNAUTHENTICATED');

    const locked = await login(b, { email, password: 'wrong 4' });
    expect(locked.status).toBe(429);
    expect(codeOf(locked)).toBe('RATE_LIMITED');
    expect(retryAfter(locked)).toBe(2);
    // The right password during the lock answers exactly as a wrong one does.
    const right = await login(a, { email, password });
    expect(codeOf(right)).toBe('RATE_LIMITED');
    expect(right.errors?.[0]?.message).toBe(locked.errors?.[0]?.message);

    await sleep(2100);
    const after = await login(b, { email, password });
    expect(after.errors).toBeUndefined();
    expect(after.data?.login.token).toMatch(/^aft_/);
  });

  it('stores digests only: no email, no address in the table', async () => {
    const db = await openDatabase(databasePath);
    try {
      const rows = await db.all<{ kind: string; subject: string }>('SELECT kind, subject FROM login_failures');
      expect(rows.map((row) => row.kind)).toContain('address');
      for (const row of rows) expect(row.subject).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain('ada');
    } finally {
      await db.close();
    }
  });
});

describe('failed logins in one process', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ LOGIN_FAILURES_PER_EMAIL: '2', LOGIN_FAILURES_PER_ADDRESS: '4', LOGIN_LOCK_SECONDS: '1' });
  });
  afterAll(() => server.close());
  const login = (email: string, password: string) =>
    server.gql<{ login: { token: string } | null }>(LOGIN, { input: { email, password } }, null);

  it('doubles the lock with each failure after the first lock', async () => {
    const { email, password } = await userWith(server);
    expect(errorCodes(await login(email, 'wrong'))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await login(email, 'wrong'))).toEqual(['UNAUTHENTICATED']);
    expect(retryAfter(await login(email, password))).toBe(1);
    await sleep(1100);
    // One more try after the lock: wrong again, and the next lock is twice as long.
    expect(errorCodes(await login(email, 'wrong'))).toEqual(['UNAUTHENTICATED']);
    const locked = await login(email, password);
    expect(errorCodes(locked)).toEqual(['RATE_LIMITED']);
    expect(retryAfter(locked)).toBe(2);
    await server.services.db.transaction((tx) => tx.run('DELETE FROM login_failures'));
  });

  it('locks a client address that fails for many emails, for every email, unknown ones too', async () => {
    const { email, password } = await userWith(server);
    for (let i = 0; i < 4; i += 1) expect(errorCodes(await login(`nobody-${i}@test.example`, 'guess'))).toEqual(['UNAUTHENTICATED']);
    const refused = await login(email, password);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(retryAfter(refused)).toBe(1);
    await sleep(1100);
    expect((await login(email, password)).data?.login?.token).toMatch(/^aft_/);
    await server.services.db.transaction((tx) => tx.run('DELETE FROM login_failures'));
  });

  it('forgets an email’s failures after a successful login', async () => {
    const { email, password } = await userWith(server);
    expect(errorCodes(await login(email, 'wrong'))).toEqual(['UNAUTHENTICATED']);
    expect((await login(email, password)).data?.login?.token).toMatch(/^aft_/);
    expect(errorCodes(await login(email, 'wrong'))).toEqual(['UNAUTHENTICATED']);
    expect((await login(email, password)).data?.login?.token).toMatch(/^aft_/);
    await server.services.db.transaction((tx) => tx.run('DELETE FROM login_failures'));
  });
});

describe('request rate limits per API key, by role', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      RATE_LIMITS: 'org_viewer=3/m, api_client=1000/s',
      METRICS_TOKEN: 'metrics-token-for-the-tests-0123456789',
    });
  });
  afterAll(() => server.close());

  it('refuses a key of a limited role past its rate, with 429 and Retry-After, and no other key', async () => {
    const viewer = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    const otherViewer = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    const admin = await apiKeyFor(server, { org: 'quant', role: 'org_admin' });
    for (let i = 0; i < 3; i += 1) expect(errorCodes(await server.gql(WHO, {}, viewer.token))).toEqual([]);

    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer.token}` },
      body: JSON.stringify({ query: WHO }),
    });
    expect(response.status).toBe(429);
    // 3 a minute: one comes back every 20 seconds.
    expect(response.headers.get('retry-after')).toBe('20');
    const body = (await response.json()) as GraphQLResponse;
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toEqual([
      { message: 'Too many requests: slow down and try again later.', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 20 } },
    ]);

    expect(errorCodes(await server.gql(WHO, {}, otherViewer.token))).toEqual([]);
    // org_admin is not named in RATE_LIMITS and there is no `*`: not limited.
    for (let i = 0; i < 10; i += 1) expect(errorCodes(await server.gql(WHO, {}, admin.token))).toEqual([]);
  });

  it('counts RATE_LIMITED among the refusals in /metrics', async () => {
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-the-tests-0123456789' } });
    expect(await metrics.text()).toMatch(/^foundry_graphql_refusals_total\{code="RATE_LIMITED"\} 1$/m);
  });
});

describe('requests without a token, per client address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_UNAUTHENTICATED: '3/m' });
  });
  afterAll(() => server.close());

  it('refuses past the rate, tokenless and wrong-token requests alike, while valid tokens from the same address go on', async () => {
    expect(errorCodes(await server.gql(INTROSPECT, {}, null))).toEqual([]);
    expect(errorCodes(await server.gql(WHO, {}, null))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await server.gql(WHO, {}, 'afk_nope'))).toEqual(['UNAUTHENTICATED']);
    const refused = await server.gql(INTROSPECT, {}, null);
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 20 });
    expect(errorCodes(await server.gql(LOGIN, { input: { email: 'a@b.example', password: 'x' } }, null))).toEqual(['RATE_LIMITED']);
    expect(errorCodes(await server.gql(WHO, {}, server.firstApiKey))).toEqual([]);
  });
});

describe('the configuration', () => {
  it('limits requests without a token by default and no API key unless configured', () => {
    const config = loadConfig({});
    expect(config.unauthenticatedRateLimit).toEqual({ capacity: 120, perMs: 120 / 60_000 });
    expect(config.rateLimits.size).toBe(0);
    expect(config.loginThrottle).toEqual({
      failuresPerEmail: 5,
      failuresPerAddress: 20,
      lockMs: 30_000,
      maxLockMs: 900_000,
      windowMs: 3_600_000,
    });
    expect(loadConfig({ RATE_LIMIT_UNAUTHENTICATED: 'off' }).unauthenticatedRateLimit).toBeNull();
  });

  it('reads role=rate lists and refuses what it cannot read', () => {
    const limits = loadConfig({ RATE_LIMITS: 'org_admin=50/s,*=600/m,api_client=100/10s' }).rateLimits;
    expect([...limits].map(([role, rate]) => [role, rate.capacity, rate.perMs])).toEqual([
      ['org_admin', 50, 50 / 1000],
      ['*', 600, 600 / 60_000],
      ['api_client', 100, 100 / 10_000],
    ]);
    for (const bad of ['org_admin', 'org_admin=50', 'org_admin=0/s', 'org_admin=5/d', 'a=1/s,a=2/s', 'Org Admin=1/s']) {
      expect(() => loadConfig({ RATE_LIMITS: bad })).toThrow(/RATE_LIMITS/);
    }
    expect(() => loadConfig({ RATE_LIMIT_UNAUTHENTICATED: 'lots' })).toThrow(/RATE_LIMIT_UNAUTHENTICATED/);
  });
});

describe('a token bucket', () => {
  it('lets its capacity through at once, then one request per refill interval', () => {
    const buckets = new TokenBuckets({ capacity: 2, perMs: 1 / 500 });
    expect([buckets.take('k', 0), buckets.take('k', 0)]).toEqual([0, 0]);
    expect(buckets.take('k', 100)).toBeCloseTo(400);
    expect(buckets.take('other', 100)).toBe(0);
    expect(buckets.take('k', 500)).toBe(0);
    expect(buckets.take('k', 600)).toBeCloseTo(400);
    expect(buckets.take('k', 10_000)).toBe(0);
    expect(buckets.take('k', 10_000)).toBe(0);
    expect(buckets.take('k', 10_000)).toBeGreaterThan(0);
  });
});
