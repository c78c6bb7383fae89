// createApiKey, revokeApiKey over HTTP: the apiKeys module's table (run by test/helpers/mutations.ts),
// then what one row of the table cannot show.
import { describe, expect, it } from 'vitest';
import { auditMaxId, auditSince } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import {
  type Case,
  cibc,
  describeMutations,
  expectChange,
  FUTURE,
  inQuant,
  mutate,
  mutationHarness,
  PAST,
  quant,
  WHO,
} from '../helpers/mutations';
import { errorCodes } from '../helpers/server';

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'createApiKey',
    action: 'api_key.create',
    select: 'key apiKey { id keyId name role { name } organization { slug } user { id } expiresAt revokedAt }',
    failures: [
      {
        when: 'platform_support creates an organization key (it lacks api_key:create:org)',
        as: 'support',
        input: () => ({ organizationId: quant, role: 'org_viewer', name: 'support key' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'an org_developer creates an organization key (it has api_key:create:self only)',
        as: 'developer',
        input: () => ({ organizationId: quant, role: 'org_viewer', name: 'org key' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'an org_developer creates a key of its own with the org_admin role',
        as: 'developer',
        input: () => ({ organizationId: quant, role: 'org_admin', name: 'escalate', forSelf: true }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin creates a cibc key',
        as: 'admin',
        input: () => ({ organizationId: cibc, role: 'org_viewer', name: 'inside' }),
        code: 'NOT_FOUND',
      },
      {
        when: 'it would expire in the past',
        as: 'admin',
        input: () => ({ organizationId: quant, role: 'org_viewer', name: 'old', expiresAt: PAST }),
        code: 'BAD_USER_INPUT',
        field: 'input.expiresAt',
      },
      {
        when: 'the role does not exist',
        as: 'admin',
        input: () => ({ organizationId: quant, role: 'overlord', name: 'x' }),
        code: 'BAD_USER_INPUT',
        field: 'input.role',
      },
      {
        when: 'the name is blank',
        as: 'admin',
        input: () => ({ organizationId: quant, role: 'org_viewer', name: '  ' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        when: 'an org_viewer creates one',
        as: 'viewer',
        input: () => ({ organizationId: quant, role: 'org_viewer', name: 'mine' }),
        code: 'FORBIDDEN',
      },
    ],
    happy: {
      when: 'for an org_admin: the secret comes once, as afk_<keyId>_…, and authenticates',
      as: 'admin',
      input: () => ({ organizationId: quant, role: 'org_viewer', name: 'ci key', expiresAt: FUTURE }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.apiKey).toMatchObject({
          name: 'ci key',
          role: { name: 'org_viewer' },
          organization: { slug: 'quant' },
          user: null,
          expiresAt: FUTURE,
          revokedAt: null,
        });
        expect(payload.key).toMatch(/^afk_[0-9a-f]{16}_/);
        expect(payload.key.startsWith(`afk_${payload.apiKey.keyId}_`)).toBe(true);
        h.ids.ciKey = payload.apiKey.id;
        h.ids.ciSecret = payload.key;
        expect(entry.metadata.after).toMatchObject({ keyId: payload.apiKey.keyId, role: 'org_viewer' });
        const secretPart = payload.key.slice(`afk_${payload.apiKey.keyId}_`.length);
        expect(JSON.stringify(await h.server.services.db.all('SELECT * FROM audit_log'))).not.toContain(secretPart);
        expect(JSON.stringify(await h.server.services.db.all('SELECT * FROM api_keys'))).not.toContain(secretPart);
        const who = await h.server.gql(WHO, {}, payload.key);
        expect(who.errors).toBeUndefined();
        expect(who.data?.viewer.principal).toEqual({ kind: 'API_KEY', id: payload.apiKey.id });
      },
    },
  },
  {
    mutation: 'revokeApiKey',
    action: 'api_key.revoke',
    select: 'apiKey { id revokedAt }',
    failures: [
      {
        when: 'a key_issuer (api_key:create:org, so it sees every key) revokes one (it lacks api_key:revoke:org)',
        as: 'keyIssuer',
        input: () => ({ id: h.id('ciKey') }),
        code: 'FORBIDDEN',
      },
      { when: 'a quant org_admin revokes a cibc key', as: 'admin', input: () => ({ id: gid('ApiKey', h.cibcKeyId) }), code: 'NOT_FOUND' },
      {
        when: 'the id names a User',
        as: 'admin',
        input: () => ({ id: gid('User', 'sarah.chen') }),
        code: 'BAD_USER_INPUT',
        field: 'input.id',
      },
    ],
    happy: {
      when: 'for an org_admin, and the key answers UNAUTHENTICATED on the very next request',
      as: 'admin',
      input: () => ({ id: h.id('ciKey') }),
      organization: inQuant,
      prepare: async () => {
        expect((await h.server.gql(WHO, {}, h.id('ciSecret'))).errors).toBeUndefined(); // authenticated (and cached) just before
      },
      check: async (payload, entry) => {
        expect(payload.apiKey.id).toBe(h.id('ciKey'));
        expect(payload.apiKey.revokedAt).toMatch(/Z$/);
        expectChange(entry, { revokedAt: null }, { revokedAt: payload.apiKey.revokedAt });
        expect(errorCodes(await h.server.gql(WHO, {}, h.id('ciSecret')))).toEqual(['UNAUTHENTICATED']);
      },
    },
    afterwards: [{ when: 'the key is revoked already', as: 'admin', input: () => ({ id: h.id('ciKey') }), code: 'CONFLICT' }],
  },
];

describeMutations(h, 'apiKeys', CASES);

describe('apiKeys mutations, beyond one row of the table', () => {
  it('createApiKey gives an org_developer a key of its own with a role it holds, acting as its user', async () => {
    const from = await auditMaxId(h.server);
    const created = await mutate(
      h.server,
      'createApiKey',
      'key apiKey { id user { id } role { name } }',
      { organizationId: quant, role: 'org_developer', name: 'my laptop', forSelf: true },
      h.tokens.developer,
    );
    expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
    expect(created.data?.createApiKey.apiKey).toMatchObject({ user: { id: gid('User', h.developerId) }, role: { name: 'org_developer' } });
    expect((await auditSince(h.server, from)).map((entry) => [entry.result, entry.action, entry.organization_id])).toEqual([
      ['success', 'api_key.create', 'quant'],
    ]);
    const who = await h.server.gql('{ viewer { principal { kind } user { id } } }', {}, created.data?.createApiKey.key);
    expect(who.data?.viewer).toEqual({ principal: { kind: 'API_KEY' }, user: { id: gid('User', h.developerId) } });
  });
});
