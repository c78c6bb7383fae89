// After a run that uses every secret-bearing input (a password at invitation and at login, right and wrong, a
// password typed into the email field, an API key made, used, tried with a wrong secret and revoked, a login token
// used and ended, integration secrets written and read), no log line at `trace`, no error message and no audit row
// holds any password, API key secret, login token or integration secret.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, openDatabase, runFoundry, startGateway } from './helpers/gateway';

/**
 * `afk_<16 hex digits>_`: what precedes an API key's secret. The secret's own alphabet has `_` in it, so the
 * secret starts at this fixed offset, not after the last `_` (which could leave a tail of a character or two).
 */
const KEY_ID_PREFIX = 'afk_'.length + 16 + 1;

const dir = mkdtempSync(join(tmpdir(), 'foundry-secrets-nowhere-'));
const databasePath = join(dir, 'foundry.db');
let gateway: Gateway;
let owner: string;
const secrets = new Set<string>();
const messages: string[] = [];

/** Remembers a secret and returns it (every secret here is unique and long enough not to occur by chance). */
function secret(value: string): string {
  secrets.add(value);
  return value;
}

async function gql(query: string, variables: Record<string, unknown>, token: string | null) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any> | null; errors?: { message: string }[] };
  for (const error of body.errors ?? []) messages.push(error.message);
  return body;
}

beforeAll(async () => {
  expect((await runFoundry(databasePath, ['init'])).code).toBe(0);
  const key = JSON.parse((await runFoundry(databasePath, ['api-key', 'create', '--role', 'platform_owner', '--json'])).stdout) as {
    key: string;
  };
  owner = secret(key.key);
  gateway = await startGateway(databasePath, { LOG_LEVEL: 'trace' });
});

afterAll(async () => {
  gateway.child.kill('SIGTERM');
  await gateway.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('secrets', () => {
  it('appear in no log line, error message or audit row after every secret-bearing input', async () => {
    const quant = encodeGlobalID('Organization', 'quant');
    const password = secret('Invited-Password-7f3a9c1e2b');

    const invited = await gql(
      'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { created } }',
      { input: { organizationId: quant, email: 'secret.keeper@quant.example', name: 'Secret Keeper', password, role: 'org_admin' } },
      owner,
    );
    expect(invited.errors).toBeUndefined();

    const LOGIN = 'mutation ($input: LoginInput!) { login(input: $input) { token } }';
    const wrong = await gql(
      LOGIN,
      { input: { email: 'secret.keeper@quant.example', password: secret('Wrong-Password-0c8d2e4f6a') } },
      null,
    );
    expect(wrong.errors?.length).toBeGreaterThan(0);
    // A password typed into the email field: refused, and not kept in the audit chain.
    const misplaced = await gql(LOGIN, { input: { email: secret('Typed-Into-Email-91b2c3d4e5'), password: 'x' } }, null);
    expect(misplaced.errors?.length).toBeGreaterThan(0);
    const login = await gql(LOGIN, { input: { email: 'secret.keeper@quant.example', password } }, null);
    expect(login.errors).toBeUndefined();
    const loginToken = secret(login.data?.login.token as string);

    const created = await gql(
      'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }',
      { input: { organizationId: quant, name: 'secret test', role: 'org_viewer' } },
      loginToken,
    );
    expect(created.errors).toBeUndefined();
    const apiKey = secret(created.data?.createApiKey.key as string);
    expect((await gql('{ viewer { principal { kind } } }', {}, apiKey)).errors).toBeUndefined();
    // The same key id with another secret: refused, and neither secret is repeated.
    const forged = secret(`${apiKey.slice(0, KEY_ID_PREFIX)}${'Z'.repeat(43)}`);
    expect((await gql('{ viewer { principal { kind } } }', {}, forged)).errors?.length).toBeGreaterThan(0);

    const demo = encodeGlobalID('Domain', 'demo');
    const integration = secret('Integration-Secret-5e6f7a8b9c');
    const upserted = await gql(
      'mutation ($input: UpsertIntegrationConfigInput!) { upsertIntegrationConfig(input: $input) { integrationConfig { id secrets } } }',
      { input: { domainId: demo, environment: 'DEV', integration: 'salesforce', config: {}, secrets: { token: integration } } },
      owner,
    );
    expect(upserted.errors).toBeUndefined();
    // Secrets refused as input (not an object): the message names the field, not the value.
    await gql(
      'mutation ($input: UpsertIntegrationConfigInput!) { upsertIntegrationConfig(input: $input) { integrationConfig { id } } }',
      { input: { domainId: demo, environment: 'DEV', integration: 'salesforce', config: {}, secrets: secret('Not-An-Object-3c4d5e6f7a') } },
      owner,
    );

    const revoked = await gql(
      'mutation ($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id } } }',
      { input: { id: created.data?.createApiKey.apiKey.id } },
      loginToken,
    );
    expect(revoked.errors).toBeUndefined();
    expect((await gql('{ viewer { principal { kind } } }', {}, apiKey)).errors?.length).toBeGreaterThan(0);
    expect((await gql('mutation { logout { loggedOut } }', {}, loginToken)).errors).toBeUndefined();

    gateway.child.kill('SIGTERM');
    await gateway.exited;
    const logs = gateway.stdout() + gateway.stderr();
    // The log at trace level has its line per request (and whatever the gateway logs below info).
    expect(logs.split('\n').filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThan(10);
    const db = await openDatabase(databasePath);
    const audit = JSON.stringify(await db.all('SELECT * FROM audit_log'));
    await db.close();
    for (const value of secrets) {
      // The secret part of a key alone must not appear either.
      const parts = value.startsWith('afk_') ? [value, value.slice(KEY_ID_PREFIX)] : [value];
      for (const part of parts) {
        expect(logs.includes(part), `a log line holds ${part.slice(0, 6)}…`).toBe(false);
        expect(audit.includes(part), `an audit row holds ${part.slice(0, 6)}…`).toBe(false);
        expect(
          messages.some((message) => message.includes(part)),
          `an error message holds ${part.slice(0, 6)}…`,
        ).toBe(false);
      }
    }
    expect(secrets.size).toBeGreaterThanOrEqual(9);
  });
});
