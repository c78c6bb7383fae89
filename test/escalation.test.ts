// Privilege escalation: no grant exceeds the granter, platform roles come only
// from a platform_owner, and a revoked key stops working at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const CREATE_KEY = `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id keyId role { name } } } }`;
const ASSIGN = `mutation ($input: RoleGrantInput!) { assignRole(input: $input) { user { id } } }`;
const WHO = '{ viewer { principal { kind name } } }';

async function lastAudit() {
  return await server.services.db.get<{ action: string; result: string }>('SELECT action, result FROM audit_log ORDER BY id DESC LIMIT 1');
}

describe('an org_developer', () => {
  it('may create a key for itself with its own role, but not an org_admin key', async () => {
    const user = await userWith(server, { grants: [{ org: 'quant', role: 'org_developer' }] });
    const token = await loginAs(server, user.email, user.password);
    const own = await server.gql<{ createApiKey: { key: string; apiKey: { role: { name: string } } } }>(
      CREATE_KEY,
      { input: { organizationId: gid('Organization', 'quant'), role: 'org_developer', name: 'my key', forSelf: true } },
      token,
    );
    expect(own.errors).toBeUndefined();
    expect(own.data?.createApiKey.key).toMatch(/^afk_/);
    expect(own.data?.createApiKey.apiKey.role.name).toBe('org_developer');

    const admin = await server.gql(
      CREATE_KEY,
      { input: { organizationId: gid('Organization', 'quant'), role: 'org_admin', name: 'escalate', forSelf: true } },
      token,
    );
    expect(errorCodes(admin)).toEqual(['FORBIDDEN']);
    expect(await lastAudit()).toEqual({ action: 'api_key.create', result: 'denied' });
  });
});

describe('an org_admin', () => {
  it('cannot grant platform_support, nor make a key with a service role', async () => {
    const { token } = await apiKeyFor(server, { org: 'quant', role: 'org_admin' });
    const grant = await server.gql(ASSIGN, { input: { userId: gid('User', 'sarah.chen'), role: 'platform_support' } }, token);
    expect(errorCodes(grant)).toEqual(['FORBIDDEN']);
    expect(await lastAudit()).toEqual({ action: 'member.role_assign', result: 'denied' });
    const service = await server.gql(
      CREATE_KEY,
      { input: { organizationId: gid('Organization', 'quant'), role: 'backend_service', name: 'svc' } },
      token,
    );
    expect(errorCodes(service)).toEqual(['FORBIDDEN']);
    const roles = await server.services.db.all("SELECT role_id FROM user_roles WHERE user_id = 'sarah.chen' ORDER BY role_id");
    expect(roles).toEqual([{ role_id: 'org_developer' }]);
  });

  it('can grant org roles it covers in its own organization, and nothing in another', async () => {
    const { token } = await apiKeyFor(server, { org: 'quant', role: 'org_admin' });
    const ok = await server.gql(
      ASSIGN,
      { input: { userId: gid('User', 'sarah.chen'), role: 'org_operator', organizationId: gid('Organization', 'quant') } },
      token,
    );
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
    const elsewhere = await server.gql(
      ASSIGN,
      { input: { userId: gid('User', 'sarah.chen'), role: 'org_viewer', organizationId: gid('Organization', 'cibc') } },
      token,
    );
    expect(errorCodes(elsewhere)).toEqual(['NOT_FOUND']);
  });
});

describe('a platform_owner', () => {
  it('can grant a platform role', async () => {
    const response = await server.gql(ASSIGN, { input: { userId: gid('User', 'tom.mitchell'), role: 'platform_support' } });
    expect(response.errors).toBeUndefined();
    expect(
      await server.services.db.get(
        "SELECT 1 AS ok FROM user_roles WHERE user_id = 'tom.mitchell' AND role_id = 'platform_support' AND organization_id IS NULL",
      ),
    ).toEqual({ ok: 1 });
  });
});

describe('revokeApiKey', () => {
  it('stops a key on the very next request, though its verification was cached', async () => {
    const created = await server.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(CREATE_KEY, {
      input: { organizationId: gid('Organization', 'quant'), role: 'org_viewer', name: 'short-lived' },
    });
    const key = created.data?.createApiKey.key as string;
    expect((await server.gql(WHO, {}, key)).data).toBeTruthy();
    expect((await server.gql(WHO, {}, key)).data).toBeTruthy();
    const revoked = await server.gql('mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', {
      id: created.data?.createApiKey.apiKey.id,
    });
    expect(revoked.errors).toBeUndefined();
    expect(errorCodes(await server.gql(WHO, {}, key))).toEqual(['UNAUTHENTICATED']);
    const again = await server.gql('mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }', {
      id: created.data?.createApiKey.apiKey.id,
    });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });
});
