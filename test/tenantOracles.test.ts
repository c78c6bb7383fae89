// Nothing tells one tenant about another, and the audit log stores no secret
// by accident: inviting an address registered in another organization answers
// exactly as a new address does, and a failed login records a typed email only
// when it is a well-formed one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMaxId, auditSince } from './helpers/database';
import { gid } from './helpers/fixtures';
import { apiKeyFor, userWith } from './helpers/principals';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
let quantAdmin: string;
beforeAll(async () => {
  server = await startServer();
  quantAdmin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
  // Someone with an account in cibc only: quant must not learn that the address exists.
  await userWith(server, { email: 'carol@cibc.example', name: 'Carol of CIBC', grants: [{ org: 'cibc', role: 'org_viewer' }] });
});
afterAll(() => server.close());

const INVITE = `mutation Invite($input: InviteUserInput!) {
  inviteUser(input: $input) { created user { email } }
}`;

function invite(email: string, extra: Record<string, unknown> = { name: 'Invited Person' }) {
  return server.gql(INVITE, { input: { organizationId: gid('Organization', 'quant'), email, role: 'org_viewer', ...extra } }, quantAdmin);
}

describe('inviteUser', () => {
  it('answers for an address registered in another organization exactly as for a new one', async () => {
    const fresh = await invite('nobody-yet@quant.example');
    const elsewhere = await invite('carol@cibc.example');
    expect(fresh.errors).toBeUndefined();
    expect(elsewhere.errors).toBeUndefined();
    expect(fresh.data).toEqual({ inviteUser: { created: true, user: { email: 'nobody-yet@quant.example' } } });
    expect(elsewhere.data).toEqual({ inviteUser: { created: true, user: { email: 'carol@cibc.example' } } });
  });

  it('refuses a missing name alike for a new address and a registered one', async () => {
    const fresh = await invite('another-new@quant.example', {});
    const elsewhere = await invite('dave@cibc.example', {});
    await userWith(server, { email: 'erin@cibc.example', grants: [{ org: 'cibc', role: 'org_viewer' }] });
    const registered = await invite('erin@cibc.example', {});
    for (const answer of [fresh, elsewhere, registered]) {
      expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.message).toBe(fresh.errors?.[0]?.message);
    }
  });

  it('writes an audit entry that does not say whether the account was new', async () => {
    await userWith(server, { email: 'frank@cibc.example', grants: [{ org: 'cibc', role: 'org_viewer' }] });
    const before = await auditMaxId(server);
    await invite('frank@cibc.example');
    await invite('gina-new@quant.example');
    const entries = (await auditSince(server, before)).filter((entry) => entry.action === 'member.invite');
    expect(entries).toHaveLength(2);
    const [registered, fresh] = entries.map((entry) => entry.metadata);
    expect(Object.keys(registered ?? {}).sort()).toEqual(Object.keys(fresh ?? {}).sort());
    expect(JSON.stringify(entries)).not.toMatch(/created/);
  });
});

describe('a failed login', () => {
  const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { token } }';

  it('does not record what was typed into the email field when it is not an email', async () => {
    const before = await auditMaxId(server);
    const typed = 'my-Secret-passw0rd!';
    const answer = await server.gql(LOGIN, { input: { email: typed, password: 'whatever it is' } }, null);
    expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
    const entries = await auditSince(server, before);
    expect(entries.map((entry) => [entry.action, entry.result])).toEqual([['user.login', 'denied']]);
    expect(JSON.stringify(entries)).not.toContain('Secret');
    expect(entries[0]?.metadata).toEqual({ email: null });
  });

  it('records a well-formed email, as typed but trimmed and lower-cased', async () => {
    const before = await auditMaxId(server);
    await server.gql(LOGIN, { input: { email: '  Nobody@Quant.Example ', password: 'whatever it is' } }, null);
    const [entry] = await auditSince(server, before);
    expect(entry?.metadata).toEqual({ email: 'nobody@quant.example' });
  });
});
