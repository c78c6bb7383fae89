// Throttling: failed logins locked per email and per client address (counted in the database, shared by processes),
// answering RATE_LIMITED with retryAfterSeconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { Sqlite } from '../src/db/driver';
import { type Answer, type Gateway, post, runFoundry, startGateway } from './helpers/gateway';
import { userWith } from './helpers/principals';
import { errorCodes, startServer, type TestServer } from './helpers/server';

const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { token } }';

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

  it('stores digests only: no email, no address in the table', () => {
    const db = new Sqlite(databasePath, { readonly: true });
    try {
      const rows = db.prepare('SELECT kind, subject FROM login_failures').all() as { kind: string; subject: string }[];
      expect(rows.map((row) => row.kind)).toContain('address');
      for (const row of rows) expect(row.subject).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain('ada');
    } finally {
      db.close();
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
    server.services.db.run('DELETE FROM login_failures');
  });

  it('locks a client address that fails for many emails, for every email, unknown ones too', async () => {
    const { email, password } = await userWith(server);
    for (let i = 0; i < 4; i += 1) expect(errorCodes(await login(`nobody-${i}@test.example`, 'guess'))).toEqual(['UNAUTHENTICATED']);
    const refused = await login(email, password);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(retryAfter(refused)).toBe(1);
    await sleep(1100);
    expect((await login(email, password)).data?.login?.token).toMatch(/^aft_/);
    server.services.db.run('DELETE FROM login_failures');
  });

  it('forgets an email’s failures after a successful login', async () => {
    const { email, password } = await userWith(server);
    expect(errorCodes(await login(email, 'wrong'))).toEqual(['UNAUTHENTICATED']);
    expect((await login(email, password)).data?.login?.token).toMatch(/^aft_/);
    expect(errorCodes(await login(email, 'wrong'))).toEqual(['UNAUTHENTICATED']);
    expect((await login(email, password)).data?.login?.token).toMatch(/^aft_/);
    server.services.db.run('DELETE FROM login_failures');
  });
});

describe('the configuration', () => {
  it('locks after 5 failures per email and 20 per address, 30 seconds doubling up to 15 minutes, forgotten after an hour', () => {
    const config = loadConfig({});
    expect(config.loginThrottle).toEqual({
      failuresPerEmail: 5,
      failuresPerAddress: 20,
      lockMs: 30_000,
      maxLockMs: 900_000,
      windowMs: 3_600_000,
    });
  });
});
