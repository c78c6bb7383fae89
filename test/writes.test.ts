// Every mutation over HTTP: the happy path with its audit entry; FORBIDDEN for
// a principal without the permission (with a DENIED entry); NOT_FOUND for the
// other organization's rows; BAD_USER_INPUT naming the field; and after each
// failure the whole database is as it was (every table's rows compared).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { apiKeyFor } from './helpers/principals';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './helpers/server';

let server: TestServer;
const tokens = { owner: '', admin: '', viewer: '', developer: '', support: '', cibcAdmin: '' };
let cibcKeyId = '';
const WHO = '{ viewer { principal { kind } } }';

beforeAll(async () => {
  server = await startServer();
  tokens.owner = server.firstApiKey;
  tokens.admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
  const viewer = await apiKeyFor(server, { org: 'quant', role: 'org_viewer' });
  tokens.viewer = viewer.token;
  tokens.developer = (await apiKeyFor(server, { org: 'quant', role: 'org_developer' })).token;
  tokens.support = (await apiKeyFor(server, { org: null, role: 'platform_support' })).token;
  const cibc = await apiKeyFor(server, { org: 'cibc', role: 'org_admin' });
  tokens.cibcAdmin = cibc.token;
  cibcKeyId = cibc.id;
  // A key's first use records last_used_at; use each once before any snapshot.
  for (const token of Object.values(tokens)) await server.gql(WHO, {}, token);
});
afterAll(() => server.close());

/** Every table's row count and a digest of its rows. */
function snapshot(): Record<string, string> {
  const db = server.services.db;
  const tables = db.all<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' ORDER BY name",
  );
  return Object.fromEntries(
    tables.map(({ name }) => {
      const rows = db.all(`SELECT * FROM "${name}"`).map((row) => JSON.stringify(row)).sort();
      return [name, `${rows.length}:${createHash('sha256').update(rows.join('\n')).digest('hex')}`];
    }),
  );
}

const auditCount = () => server.services.db.get<{ n: number }>('SELECT count(*) AS n FROM audit_log')?.n ?? 0;
const lastAudit = () =>
  server.services.db.get<{ action: string; result: string; organization_id: string | null; metadata: string }>(
    'SELECT action, result, organization_id, metadata FROM audit_log ORDER BY id DESC LIMIT 1',
  );

type Attempt = { token: string; input: Record<string, unknown> };
type Case = {
  mutation: string;
  action: string;
  /** The payload selection. */
  select: string;
  happy: Attempt & { organization: string | null; check?: (data: any) => void };
  forbidden?: Attempt;
  notFound?: Attempt;
  bad?: Attempt & { field: string };
  conflict?: Attempt;
};

async function run(c: Case, attempt: Attempt): Promise<GraphQLResponse<any>> {
  const inputType = `${c.mutation[0]?.toUpperCase()}${c.mutation.slice(1)}Input`;
  return server.gql(`mutation ($input: ${TYPES[c.mutation] ?? inputType}!) { ${c.mutation}(input: $input) { ${c.select} } }`, { input: attempt.input }, attempt.token);
}

/** Input types whose names are not <Mutation>Input. */
const TYPES: Record<string, string> = {
  deleteAgent: 'AgentIdInput',
  publishAgent: 'AgentIdInput',
  assignRole: 'RoleGrantInput',
  revokeRole: 'RoleGrantInput',
};

const quant = gid('Organization', 'quant');
const cibc = gid('Organization', 'cibc');
const ids: Record<string, string> = {};
const big = { blob: 'x'.repeat(70 * 1024) };

const CASES: Case[] = [
  {
    mutation: 'createOrganization', action: 'organization.create', select: 'organization { id slug tier }',
    happy: { token: 'owner', input: { slug: 'acme', name: 'Acme', tier: 'PRO' }, organization: 'new', check: (d) => (ids.acme = d.organization.id) },
    forbidden: { token: 'admin', input: { slug: 'sneaky', name: 'Sneaky' } },
    bad: { token: 'owner', input: { slug: 'Bad Slug!', name: 'x' }, field: 'input.slug' },
    conflict: { token: 'owner', input: { slug: 'quant', name: 'Again' } },
  },
  {
    mutation: 'updateOrganization', action: 'organization.update', select: 'organization { name }',
    happy: { token: 'admin', input: { id: quant, name: 'Quant Inc' }, organization: 'quant', check: (d) => expect(d.organization.name).toBe('Quant Inc') },
    forbidden: { token: 'viewer', input: { id: quant, name: 'Viewer Was Here' } },
    notFound: { token: 'admin', input: { id: cibc, name: 'Taken Over' } },
    bad: { token: 'admin', input: { id: quant, name: '   ' }, field: 'input.name' },
  },
  {
    mutation: 'deleteOrganization', action: 'organization.delete', select: 'deletedId',
    happy: { token: 'owner', input: { get id() { return ids.acme; } }, organization: 'acme-id' },
    forbidden: { token: 'admin', input: { id: quant } },
    notFound: { token: 'admin', input: { id: cibc } },
    bad: { token: 'owner', input: { id: 'not-an-id' }, field: 'input.id' },
  },
  {
    mutation: 'createDomain', action: 'domain.create', select: 'domain { id name }',
    happy: { token: 'admin', input: { organizationId: quant, name: 'billing', displayName: 'Billing' }, organization: 'quant', check: (d) => (ids.billing = d.domain.id) },
    forbidden: { token: 'viewer', input: { organizationId: quant, name: 'viewers', displayName: 'V' } },
    notFound: { token: 'admin', input: { organizationId: cibc, name: 'inside', displayName: 'Inside' } },
    bad: { token: 'admin', input: { organizationId: quant, name: 'Bad Name', displayName: 'x' }, field: 'input.name' },
    conflict: { token: 'admin', input: { organizationId: quant, name: 'demo', displayName: 'Demo again' } },
  },
  {
    mutation: 'updateDomain', action: 'domain.update', select: 'domain { version }',
    happy: { token: 'admin', input: { get id() { return ids.billing; }, version: '1.1.0' }, organization: 'quant', check: (d) => expect(d.domain.version).toBe('1.1.0') },
    forbidden: { token: 'viewer', input: { id: gid('Domain', 'demo'), version: '9.0.0' } },
    notFound: { token: 'admin', input: { id: gid('Domain', 'card-services'), version: '9.0.0' } },
    bad: { token: 'admin', input: { id: gid('Domain', 'demo'), version: '1.x' }, field: 'input.version' },
  },
  {
    mutation: 'createInstance', action: 'instance.create', select: 'instance { id environment status }',
    happy: { token: 'admin', input: { domainId: gid('Domain', 'demo'), environment: 'STAGING', name: 'stg' }, organization: 'quant', check: (d) => (ids.stg = d.instance.id) },
    forbidden: { token: 'viewer', input: { domainId: gid('Domain', 'demo'), environment: 'PROD', name: 'prod' } },
    notFound: { token: 'admin', input: { domainId: gid('Domain', 'card-services'), environment: 'PROD', name: 'prod' } },
    bad: { token: 'admin', input: { domainId: gid('Domain', 'demo'), environment: 'PROD', name: 'prod', config: big }, field: 'input.config' },
    conflict: { token: 'admin', input: { domainId: gid('Domain', 'demo'), environment: 'DEV', name: 'dev' } },
  },
  {
    mutation: 'updateInstance', action: 'instance.update', select: 'instance { status }',
    happy: { token: 'admin', input: { id: gid('Instance', 'quant-demo-dev'), status: 'STOPPED' }, organization: 'quant', check: (d) => expect(d.instance.status).toBe('STOPPED') },
    forbidden: { token: 'viewer', input: { id: gid('Instance', 'quant-demo-dev'), status: 'FAILED' } },
    notFound: { token: 'admin', input: { id: gid('Instance', 'cibc-card-services-dev'), status: 'FAILED' } },
    bad: { token: 'admin', input: { id: gid('Instance', 'quant-demo-dev'), name: 'UPPER' }, field: 'input.name' },
  },
  {
    mutation: 'deleteInstance', action: 'instance.delete', select: 'deletedId',
    happy: { token: 'admin', input: { get id() { return ids.stg; } }, organization: 'quant' },
    forbidden: { token: 'viewer', input: { id: gid('Instance', 'quant-demo-dev') } },
    notFound: { token: 'admin', input: { id: gid('Instance', 'cibc-card-services-dev') } },
    bad: { token: 'admin', input: { id: gid('Agent', 'agt-001') }, field: 'input.id' },
  },
  {
    mutation: 'createAgent', action: 'agent.create', select: 'agent { id name status }',
    happy: { token: 'admin', input: { domainId: gid('Domain', 'demo'), name: 'new-agent', displayName: 'New', tags: ['x'] }, organization: 'quant', check: (d) => (ids.newAgent = d.agent.id) },
    forbidden: { token: 'viewer', input: { domainId: gid('Domain', 'demo'), name: 'viewer-agent', displayName: 'V' } },
    notFound: { token: 'admin', input: { domainId: gid('Domain', 'card-services'), name: 'inside', displayName: 'I' } },
    bad: { token: 'admin', input: { domainId: gid('Domain', 'demo'), name: 'v-agent', displayName: 'V', version: 'one' }, field: 'input.version' },
    conflict: { token: 'admin', input: { domainId: gid('Domain', 'demo'), name: 'customer-support-agent', displayName: 'Again' } },
  },
  {
    mutation: 'updateAgent', action: 'agent.update', select: 'agent { version versions { totalCount edges { node { version } } } }',
    happy: {
      token: 'admin', input: { id: gid('Agent', 'agt-003'), version: '3.1.0' }, organization: 'quant',
      check: (d) => expect(d.agent.versions.edges.map((e: { node: { version: string } }) => e.node.version)).toContain('3.1.0'),
    },
    forbidden: { token: 'viewer', input: { id: gid('Agent', 'agt-003'), displayName: 'Viewer' } },
    notFound: { token: 'admin', input: { id: gid('Agent', 'agt-101'), displayName: 'Taken' } },
    bad: { token: 'admin', input: { id: gid('Agent', 'agt-003'), tags: ['Bad Tag'] }, field: 'input.tags.0' },
  },
  {
    mutation: 'publishAgent', action: 'agent.publish', select: 'agent { publishedAt status }',
    happy: { token: 'admin', input: { get id() { return ids.newAgent; } }, organization: 'quant', check: (d) => expect(d.agent).toMatchObject({ status: 'ACTIVE', publishedAt: expect.stringMatching(/Z$/) }) },
    forbidden: { token: 'viewer', input: { id: gid('Agent', 'agt-003') } },
    notFound: { token: 'admin', input: { id: gid('Agent', 'agt-101') } },
    bad: { token: 'admin', input: { id: 'garbage' }, field: 'input.id' },
  },
  {
    mutation: 'deleteAgent', action: 'agent.delete', select: 'deletedId',
    happy: { token: 'admin', input: { get id() { return ids.newAgent; } }, organization: 'quant' },
    forbidden: { token: 'viewer', input: { id: gid('Agent', 'agt-002') } },
    notFound: { token: 'admin', input: { id: gid('Agent', 'agt-101') } },
    bad: { token: 'admin', input: { id: gid('Domain', 'demo') }, field: 'input.id' },
  },
  {
    mutation: 'upsertIntegrationConfig', action: 'integration_config.upsert', select: 'created integrationConfig { id integration secrets }',
    happy: {
      token: 'admin', input: { domainId: gid('Domain', 'demo'), environment: 'DEV', integration: 'slack', config: { channel: '#ops' }, secrets: { token: 'xoxb-very-secret' } },
      organization: 'quant',
      check: (d) => {
        ids.slack = d.integrationConfig.id;
        expect(d.created).toBe(true);
        const audit = server.services.db.all<{ metadata: string }>('SELECT metadata FROM audit_log');
        expect(JSON.stringify(audit)).not.toContain('xoxb-very-secret');
      },
    },
    forbidden: { token: 'viewer', input: { domainId: gid('Domain', 'demo'), environment: 'DEV', integration: 'slack', config: {} } },
    notFound: { token: 'admin', input: { domainId: gid('Domain', 'card-services'), environment: 'DEV', integration: 'slack', config: {} } },
    bad: { token: 'admin', input: { domainId: gid('Domain', 'demo'), environment: 'DEV', integration: 'Bad!', config: {} }, field: 'input.integration' },
  },
  {
    mutation: 'deleteIntegrationConfig', action: 'integration_config.delete', select: 'deletedId',
    happy: { token: 'admin', input: { get id() { return ids.slack; } }, organization: 'quant' },
    // An org_developer reads configs (integration:read) but may not change them.
    forbidden: { token: 'developer', input: { id: gid('IntegrationConfig', 'int-quant-salesforce') } },
    notFound: { token: 'admin', input: { id: gid('IntegrationConfig', 'int-cibc-twilio') } },
    bad: { token: 'admin', input: { id: 'garbage' }, field: 'input.id' },
  },
  {
    mutation: 'startSession', action: 'session.start', select: 'session { id status }',
    happy: { token: 'admin', input: { agentId: gid('Agent', 'agt-001'), instanceId: gid('Instance', 'quant-demo-dev') }, organization: 'quant', check: (d) => (ids.session = d.session.id) },
    forbidden: { token: 'viewer', input: { agentId: gid('Agent', 'agt-001') } },
    notFound: { token: 'admin', input: { agentId: gid('Agent', 'agt-101') } },
    bad: { token: 'admin', input: { agentId: gid('Agent', 'agt-001'), metadata: [1, 2] }, field: 'input.metadata' },
  },
  {
    mutation: 'endSession', action: 'session.end', select: 'session { status endedAt }',
    happy: { token: 'admin', input: { get id() { return ids.session; }, status: 'COMPLETED' }, organization: 'quant', check: (d) => expect(d.session.status).toBe('COMPLETED') },
    forbidden: { token: 'viewer', input: { id: gid('Session', 'ses-q-004') } },
    notFound: { token: 'admin', input: { id: gid('Session', 'ses-c-002') } },
    bad: { token: 'admin', input: { id: gid('Session', 'ses-q-004'), metadata: big }, field: 'input.metadata' },
    conflict: { token: 'admin', input: { get id() { return ids.session; } } },
  },
  {
    mutation: 'terminateSession', action: 'session.terminate', select: 'session { status }',
    happy: { token: 'admin', input: { id: gid('Session', 'ses-q-004'), reason: 'runaway' }, organization: 'quant', check: (d) => expect(d.session.status).toBe('TERMINATED') },
    forbidden: { token: 'viewer', input: { id: gid('Session', 'ses-q-002') } },
    notFound: { token: 'admin', input: { id: gid('Session', 'ses-c-002') } },
    bad: { token: 'admin', input: { id: gid('Session', 'ses-q-002'), reason: 'x'.repeat(2000) }, field: 'input.reason' },
    conflict: { token: 'admin', input: { id: gid('Session', 'ses-q-004') } },
  },
  {
    mutation: 'recordLlmUsage', action: 'llm_usage.record', select: 'count totalTokens costUsd records { model costUsd }',
    happy: {
      token: 'admin', input: { organizationId: quant, records: [{ model: 'gpt-4o', promptTokens: 1001, completionTokens: 333 }] }, organization: 'quant',
      // 1001 × 2,500,000 + 333 × 10,000,000 = 5,832,500,000 thousandths → 5,832,500 nano-USD.
      check: (d) => expect(d).toMatchObject({ count: 1, totalTokens: 1334, costUsd: '0.005832500' }),
    },
    forbidden: { token: 'viewer', input: { organizationId: quant, records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }] } },
    notFound: { token: 'admin', input: { organizationId: cibc, records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }] } },
    bad: { token: 'admin', input: { organizationId: quant, records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }, { model: 'gpt-unknown', promptTokens: 1, completionTokens: 1 }] }, field: 'input.records.1.model' },
  },
  {
    mutation: 'setLlmQuota', action: 'llm_quota.set', select: 'monthlyTokenLimit monthlyCostLimitUsd',
    happy: { token: 'admin', input: { organizationId: quant, monthlyTokenLimit: 900000000, monthlyCostLimitUsd: '1234.5' }, organization: 'quant', check: (d) => expect(d).toEqual({ monthlyTokenLimit: 900000000, monthlyCostLimitUsd: '1234.500000000' }) },
    forbidden: { token: 'viewer', input: { organizationId: quant, monthlyTokenLimit: 1 } },
    notFound: { token: 'admin', input: { organizationId: cibc, monthlyTokenLimit: 1 } },
    bad: { token: 'admin', input: { organizationId: quant, monthlyCostLimitUsd: '1.2.3' }, field: 'input.monthlyCostLimitUsd' },
  },
  {
    mutation: 'inviteUser', action: 'member.invite', select: 'created user { id email }',
    happy: {
      token: 'admin', input: { organizationId: quant, email: 'ada@quant.example', name: 'Ada', role: 'org_viewer', password: 'a long enough password' }, organization: 'quant',
      check: (d) => {
        ids.ada = d.user.id;
        expect(d.created).toBe(true);
      },
    },
    forbidden: { token: 'viewer', input: { organizationId: quant, email: 'eve@quant.example', name: 'Eve', role: 'org_viewer' } },
    notFound: { token: 'admin', input: { organizationId: cibc, email: 'eve@quant.example', name: 'Eve', role: 'org_viewer' } },
    bad: { token: 'admin', input: { organizationId: quant, email: 'not-an-email', name: 'X', role: 'org_viewer' }, field: 'input.email' },
    conflict: { token: 'admin', input: { organizationId: quant, email: 'ada@quant.example', role: 'org_viewer' } },
  },
  {
    mutation: 'assignRole', action: 'member.role_assign', select: 'user { id }',
    happy: { token: 'admin', input: { get userId() { return ids.ada; }, role: 'org_operator', organizationId: quant }, organization: 'quant' },
    forbidden: { token: 'support', input: { userId: gid('User', 'sarah.chen'), role: 'org_viewer', organizationId: quant } },
    notFound: { token: 'admin', input: { userId: gid('User', 'priya.patel'), role: 'org_viewer', organizationId: quant } },
    bad: { token: 'admin', input: { userId: gid('User', 'sarah.chen'), role: 'overlord', organizationId: quant }, field: 'input.role' },
  },
  {
    mutation: 'revokeRole', action: 'member.role_revoke', select: 'user { id }',
    happy: { token: 'admin', input: { get userId() { return ids.ada; }, role: 'org_operator', organizationId: quant }, organization: 'quant' },
    forbidden: { token: 'support', input: { userId: gid('User', 'sarah.chen'), role: 'org_developer', organizationId: quant } },
    notFound: { token: 'admin', input: { userId: gid('User', 'priya.patel'), role: 'org_developer', organizationId: cibc } },
    bad: { token: 'admin', input: { userId: gid('User', 'sarah.chen'), role: 'overlord', organizationId: quant }, field: 'input.role' },
  },
  {
    mutation: 'createApiKey', action: 'api_key.create', select: 'key apiKey { id keyId role { name } }',
    happy: {
      token: 'admin', input: { organizationId: quant, role: 'org_viewer', name: 'ci key' }, organization: 'quant',
      check: (d) => {
        ids.key = d.apiKey.id;
        ids.secret = d.key;
        expect(d.key).toMatch(/^afk_[0-9a-f]{16}_/);
      },
    },
    forbidden: { token: 'viewer', input: { organizationId: quant, role: 'org_viewer', name: 'mine' } },
    notFound: { token: 'admin', input: { organizationId: cibc, role: 'org_viewer', name: 'inside' } },
    bad: { token: 'admin', input: { organizationId: quant, role: 'org_viewer', name: 'old', expiresAt: '2020-01-01T00:00:00.000Z' }, field: 'input.expiresAt' },
  },
  {
    mutation: 'revokeApiKey', action: 'api_key.revoke', select: 'apiKey { revokedAt }',
    happy: { token: 'admin', input: { get id() { return ids.key; } }, organization: 'quant', check: (d) => expect(d.apiKey.revokedAt).toMatch(/Z$/) },
    // No seeded role sees a key it may not revoke (api_key:read:self comes with api_key:revoke:self or :org),
    // so revokeApiKey has no FORBIDDEN case; a key out of reach is NOT_FOUND.
    notFound: { token: 'admin', input: { get id() { return gid('ApiKey', cibcKeyId); } } },
    bad: { token: 'admin', input: { id: gid('User', 'sarah.chen') }, field: 'input.id' },
    conflict: { token: 'admin', input: { get id() { return ids.key; } } },
  },
  {
    mutation: 'removeMember', action: 'member.remove', select: 'revokedApiKeys user { id }',
    happy: { token: 'admin', input: { organizationId: quant, get userId() { return ids.ada; } }, organization: 'quant' },
    forbidden: { token: 'support', input: { organizationId: quant, userId: gid('User', 'sarah.chen') } },
    notFound: { token: 'admin', input: { organizationId: quant, userId: gid('User', 'priya.patel') } },
    bad: { token: 'admin', input: { organizationId: quant, userId: 'garbage' }, field: 'input.userId' },
  },
  {
    mutation: 'deleteDomain', action: 'domain.delete', select: 'deletedId',
    happy: { token: 'admin', input: { get id() { return ids.billing; } }, organization: 'quant' },
    forbidden: { token: 'viewer', input: { id: gid('Domain', 'demo') } },
    notFound: { token: 'admin', input: { id: gid('Domain', 'card-services'), cascade: true } },
    bad: { token: 'admin', input: { id: gid('Agent', 'agt-001') }, field: 'input.id' },
    conflict: { token: 'admin', input: { id: gid('Domain', 'demo') } },
  },
];

const tokenOf = (attempt: Attempt): Attempt => ({ ...attempt, token: tokens[attempt.token as keyof typeof tokens] ?? attempt.token });

describe('every mutation', () => {
  for (const c of CASES) {
    it(`${c.mutation}: succeeds with one audit entry, and fails cleanly as FORBIDDEN, NOT_FOUND, BAD_USER_INPUT${c.conflict ? ' and CONFLICT' : ''}`, async () => {
      // Failures first, while the rows they aim at are as seeded.
      if (c.forbidden) {
        const before = snapshot();
        const count = auditCount();
        const response = await run(c, tokenOf(c.forbidden));
        expect(errorCodes(response), JSON.stringify(response.errors)).toEqual(['FORBIDDEN']);
        expect(auditCount()).toBe(count + 1);
        expect(lastAudit()).toMatchObject({ action: c.action, result: 'denied' });
        const after = snapshot();
        expect({ ...after, audit_log: '' }).toEqual({ ...before, audit_log: '' });
      }
      for (const [attempt, code] of [[c.notFound, 'NOT_FOUND'], [c.bad, 'BAD_USER_INPUT']] as const) {
        if (!attempt) continue;
        const before = snapshot();
        const response = await run(c, tokenOf(attempt));
        expect(errorCodes(response), JSON.stringify(response.errors)).toEqual([code]);
        if (code === 'BAD_USER_INPUT') expect(response.errors?.[0]?.extensions?.field).toBe((attempt as { field: string }).field);
        expect(snapshot()).toEqual(before);
      }

      const count = auditCount();
      const response = await run(c, tokenOf(c.happy));
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      const data = (response.data as Record<string, unknown>)[c.mutation];
      expect(data).toBeTruthy();
      c.happy.check?.(data);
      expect(auditCount()).toBe(count + 1);
      const entry = lastAudit();
      expect(entry).toMatchObject({ action: c.action, result: 'success' });
      if (c.happy.organization === 'quant') expect(entry?.organization_id).toBe('quant');

      if (c.conflict) {
        const before = snapshot();
        const conflict = await run(c, tokenOf(c.conflict));
        expect(errorCodes(conflict), JSON.stringify(conflict.errors)).toEqual(['CONFLICT']);
        expect(snapshot()).toEqual(before);
      }
    });
  }
});

describe('side effects', () => {
  it('a revoked key answers UNAUTHENTICATED, and removeMember revoked the member\'s keys', async () => {
    expect(errorCodes(await server.gql(WHO, {}, ids.secret))).toEqual(['UNAUTHENTICATED']);
    const roles = server.services.db.all('SELECT role_id FROM user_roles WHERE user_id = (SELECT id FROM users WHERE email = :email)', { email: 'ada@quant.example' });
    expect(roles).toEqual([]);
  });

  it('QUOTA_EXCEEDED refuses a whole batch and records nothing', async () => {
    const set = await server.gql('mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { tokensUsed } }', {
      input: { organizationId: quant, monthlyTokenLimit: 3000 },
    });
    expect(set.errors).toBeUndefined();
    const before = snapshot();
    const response = await server.gql('mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }', {
      input: { organizationId: quant, records: [{ model: 'gpt-4o-mini', promptTokens: 1000, completionTokens: 0 }, { model: 'gpt-4o-mini', promptTokens: 1000, completionTokens: 900 }] },
    });
    expect(errorCodes(response)).toEqual(['QUOTA_EXCEEDED']);
    expect(snapshot()).toEqual(before);
  });

  it('refuses more than 1,000 records and negative token counts', async () => {
    const record = { model: 'gpt-4o-mini', promptTokens: 1, completionTokens: 1 };
    const tooMany = await server.gql('mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }', {
      input: { organizationId: quant, records: Array.from({ length: 1001 }, () => record) },
    });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.records' });
    const negative = await server.gql('mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }', {
      input: { organizationId: quant, records: [{ ...record, completionTokens: -5 }] },
    });
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.records.0.completionTokens' });
  });

  it('deleteDomain with cascade removes the domain and what it held', async () => {
    const created = await server.gql<{ createDomain: { domain: { id: string } } }>(
      'mutation { createDomain(input: { organizationId: "T3JnYW5pemF0aW9uOnF1YW50", name: "doomed", displayName: "Doomed" }) { domain { id } } }',
    );
    const domainId = created.data?.createDomain.domain.id as string;
    await server.gql('mutation ($d: ID!) { createAgent(input: { domainId: $d, name: "a1", displayName: "A1" }) { agent { id } } }', { d: domainId });
    const refused = await server.gql('mutation ($id: ID!) { deleteDomain(input: { id: $id }) { deletedId } }', { id: domainId });
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    const done = await server.gql('mutation ($id: ID!) { deleteDomain(input: { id: $id, cascade: true }) { deletedId } }', { id: domainId });
    expect(done.errors).toBeUndefined();
    expect(server.services.db.get("SELECT count(*) AS n FROM agents WHERE name = 'a1'")).toEqual({ n: 0 });
  });
});
