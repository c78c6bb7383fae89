// Authentication over HTTP: API keys (fresh, cached, wrong, revoked, expired)
// and login tokens, each answering UNAUTHENTICATED without saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoNow } from '../src/db/store';
import { revokeApiKeyRow } from '../src/modules/apiKeys/repo';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const WHO = '{ viewer { principal { kind name } } }';

function expectUnauthenticated(response: GraphQLResponse<unknown>) {
  expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  expect(response.data ?? null).toBeNull();
  return response.errors?.[0]?.message;
}

describe('a request without a valid token', () => {
  it('answers UNAUTHENTICATED with no token, and the same message for a wrong, revoked and expired key', async () => {
    const missing = expectUnauthenticated(await server.gql(WHO, {}, null));
    expect(missing).toMatch(/Authorization: Bearer/);

    const valid = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    const [prefix, keyId] = valid.token.split('_');
    const wrongSecret = `${prefix}_${keyId}_${'A'.repeat(43)}`;
    const unknownKey = `afk_${'0'.repeat(16)}_${'A'.repeat(43)}`;

    const revoked = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    expect((await server.gql(WHO, {}, revoked.token)).data).toBeTruthy();
    const { db, keyCache } = server.services;
    await db.transaction((tx) => revokeApiKeyRow(tx, revoked.id, isoNow()));
    keyCache.forgetKey(revoked.id);

    const expired = await apiKeyFor(server, { org: 'quant', role: 'org_viewer', expiresAt: '2020-01-01T00:00:00.000Z' });

    const messages = new Set<string | undefined>();
    for (const token of [wrongSecret, unknownKey, revoked.token, expired.token, 'not-a-token', 'aft_nope']) {
      messages.add(expectUnauthenticated(await server.gql(WHO, {}, token)));
    }
    expect(messages.size).toBe(1);
  });

  it('refuses a revoked key at once, even while its verification is cached', async () => {
    const key = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    expect((await server.gql(WHO, {}, key.token)).data).toBeTruthy();
    // Revoke in the database only: the cache must not keep the key alive.
    await server.services.db.transaction((tx) => revokeApiKeyRow(tx, key.id, isoNow()));
    expectUnauthenticated(await server.gql(WHO, {}, key.token));
  });

  it('answers 401 over HTTP and may still introspect outside production', async () => {
    const response = await server.gql(WHO, {}, null);
    expect(response.status).toBe(401);
    const introspection = await server.gql('{ __schema { queryType { name } } }', {}, null);
    expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('never echoes the presented secret back', async () => {
    const token = `afk_${'1'.repeat(16)}_secretsecretsecretsecretsecretsecretsecret1`;
    const response = await server.gql(WHO, {}, token);
    expect(JSON.stringify(response)).not.toContain('secretsecret');
  });
});

describe('an API key', () => {
  it('acts as its role inside its organization and records when it was used', async () => {
    const key = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    const response = await server.gql<{ viewer: { principal: { kind: string; name: string } } }>(WHO, {}, key.token);
    expect(response.data?.viewer.principal).toEqual({ kind: 'API_KEY', name: 'org_viewer test key' });
    // The use is written off the request path: wait for that write (on PostgreSQL it may commit after the answer).
    await server.services.keyUse.flush();
    const row = await server.services.db.get<{ last_used_at: string | null }>('SELECT last_used_at FROM api_keys WHERE id = ?', [key.id]);
    expect(row?.last_used_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('is a SERVICE principal when its role is a service role', async () => {
    const key = await apiKeyFor(server, { org: 'quant', role: 'backend_service' });
    const response = await server.gql<{ viewer: { principal: { kind: string } } }>(WHO, {}, key.token);
    expect(response.data?.viewer.principal.kind).toBe('SERVICE');
  });
});

describe('login and logout', () => {
  const LOGIN = 'mutation ($input: LoginInput!) { login(input: $input) { token expiresAt } }';

  it('logs a user in, acts as that user, and logs out for good', async () => {
    const user = await userWith(server, { name: 'Ada Admin', grants: [{ org: 'quant', role: 'org_admin' }] });
    const token = await loginAs(server, user.email, user.password);
    expect(token).toMatch(/^aft_/);

    const me = await server.gql<{ viewer: { principal: { kind: string; name: string }; user: { email: string } } }>(
      '{ viewer { principal { kind name } user { email } } }',
      {},
      token,
    );
    expect(me.data?.viewer).toEqual({ principal: { kind: 'USER', name: 'Ada Admin' }, user: { email: user.email } });

    const out = await server.gql<{ logout: { loggedOut: boolean } }>('mutation { logout { loggedOut } }', {}, token);
    expect(out.data?.logout.loggedOut).toBe(true);
    expectUnauthenticated(await server.gql(WHO, {}, token));
  });

  it('fails a wrong password and an unknown email with the same error', async () => {
    const user = await userWith(server, { grants: [{ org: 'quant', role: 'org_viewer' }] });
    const wrongPassword = await server.gql(LOGIN, { input: { email: user.email, password: 'not the password' } }, null);
    const unknownEmail = await server.gql(LOGIN, { input: { email: 'nobody@nowhere.example', password: 'whatever' } }, null);
    expect(errorCodes(wrongPassword)).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(unknownEmail)).toEqual(['UNAUTHENTICATED']);
    expect(wrongPassword.errors?.[0]?.message).toBe(unknownEmail.errors?.[0]?.message);
    expect(JSON.stringify(wrongPassword)).not.toContain(user.email);
    const tokens = await server.services.db.get<{ n: number }>(
      'SELECT count(*) AS n FROM login_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = ?',
      [user.email],
    );
    expect(tokens?.n).toBe(0);
  });

  it('finds the user whatever the case of the email typed, as users.email compares', async () => {
    const user = await userWith(server, { email: `Mixed.Case-${Date.now()}@Test.example` });
    expect(await loginAs(server, user.email.toLowerCase(), user.password)).toMatch(/^aft_/);
    expect(await loginAs(server, user.email.toUpperCase(), user.password)).toMatch(/^aft_/);
  });

  it('refuses logout for an API key with BAD_USER_INPUT', async () => {
    const response = await server.gql('mutation { logout { loggedOut } }');
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('does not log in a user without a password, such as the seeded sample users', async () => {
    const seeded = await server.services.db.get<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE email = ?', [
      'nwalker85@quant.example',
    ]);
    expect(seeded).toEqual({ password_hash: null });
    const response = await server.gql(LOGIN, { input: { email: 'nwalker85@quant.example', password: '' } }, null);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('a warm token', () => {
  const CAN = '{ viewer { can(permission: "agent:create", organizationSlug: "quant") } }';

  it('resolves from memory: one read of the security epoch, no key lookup, no write', async () => {
    const key = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
    const cold = await server.gql(WHO, {}, key.token);
    const warm = await server.gql(WHO, {}, key.token);
    expect(warm.data).toEqual(cold.data);
    expect(cold.extensions?.sql?.statements).toBeGreaterThan(2);
    expect(warm.extensions?.sql?.statements).toBe(1);
  });

  it('loses a role at once when the grant is revoked by another writer, and gains one at once', async () => {
    const user = await userWith(server, { grants: [{ org: 'quant', role: 'org_viewer' }] });
    const token = await loginAs(server, user.email, user.password);
    const can = async () => (await server.gql<{ viewer: { can: boolean } }>(CAN, {}, token)).data?.viewer.can;
    expect(await can()).toBe(false);
    // Written straight to the file, as the foundry CLI or another worker would: no cache is told.
    await server.services.db.transaction((tx) =>
      tx.run(
        "INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at) VALUES ('grant-dev', :userId, 'org_developer', 'quant', :now)",
        { userId: user.id, now: isoNow() },
      ),
    );
    expect(await can()).toBe(true);
    await server.services.db.transaction((tx) => tx.run("DELETE FROM user_roles WHERE id = 'grant-dev'"));
    expect(await can()).toBe(false);
  });

  it('is not kept past the first expiry among its grants', async () => {
    const user = await userWith(server, { grants: [{ org: 'quant', role: 'org_viewer' }] });
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    await server.services.db.transaction((tx) =>
      tx.run(
        "INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at, expires_at) VALUES ('grant-brief', :userId, 'org_developer', 'quant', :now, :expiresAt)",
        { userId: user.id, now: isoNow(), expiresAt },
      ),
    );
    const token = await loginAs(server, user.email, user.password);
    expect((await server.gql<{ viewer: { can: boolean } }>(CAN, {}, token)).data?.viewer.can).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    expect((await server.gql<{ viewer: { can: boolean } }>(CAN, {}, token)).data?.viewer.can).toBe(false);
  });
});
