// createDomain, updateDomain, deleteDomain over HTTP: the domains module's table (run by test/helpers/mutations.ts),
// then what one row of the table cannot show.
import { describe, expect, it } from 'vitest';
import { auditMaxId, auditSince, count, expectUnchanged, snapshot } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import {
  type Case,
  cardServices,
  cibc,
  demo,
  describeMutations,
  expectChange,
  inQuant,
  mutate,
  mutationHarness,
  quant,
  rawId,
} from '../helpers/mutations';
import { errorCodes } from '../helpers/server';

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'createDomain',
    action: 'domain.create',
    select: 'domain { id name displayName version organization { slug } }',
    failures: [
      {
        when: 'platform_support, who sees quant, creates one (it lacks domain:create)',
        as: 'support',
        input: () => ({ organizationId: quant, name: 'support', displayName: 'S' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin creates one in cibc',
        as: 'admin',
        input: () => ({ organizationId: cibc, name: 'inside', displayName: 'Inside' }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the name has capitals and a space',
        as: 'admin',
        input: () => ({ organizationId: quant, name: 'Bad Name', displayName: 'Bad' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        when: 'the version is not semantic',
        as: 'admin',
        input: () => ({ organizationId: quant, name: 'semver', displayName: 'S', version: '1.x' }),
        code: 'BAD_USER_INPUT',
        field: 'input.version',
      },
      {
        when: 'the name is taken in the organization',
        as: 'admin',
        input: () => ({ organizationId: quant, name: 'demo', displayName: 'Demo Again' }),
        code: 'CONFLICT',
      },
      {
        when: 'an org_viewer creates one',
        as: 'viewer',
        input: () => ({ organizationId: quant, name: 'viewers', displayName: 'V' }),
        code: 'FORBIDDEN',
      },
    ],
    happy: {
      when: 'for an org_admin, with version 1.0.0 by default',
      as: 'admin',
      input: () => ({ organizationId: quant, name: 'billing', displayName: 'Billing', description: 'Invoices' }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.domain).toMatchObject({
          name: 'billing',
          displayName: 'Billing',
          version: '1.0.0',
          organization: { slug: 'quant' },
        });
        h.ids.billing = payload.domain.id;
        expect(entry.metadata.after).toMatchObject({ name: 'billing' });
      },
    },
  },
  {
    mutation: 'updateDomain',
    action: 'domain.update',
    select: 'domain { id name displayName version }',
    failures: [
      { when: 'an org_viewer changes it', as: 'viewer', input: () => ({ id: demo, version: '9.0.0' }), code: 'FORBIDDEN' },
      {
        when: 'a quant org_admin changes a cibc domain',
        as: 'admin',
        input: () => ({ id: cardServices, version: '9.0.0' }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the version is not semantic',
        as: 'admin',
        input: () => ({ id: h.id('billing'), version: '1.x' }),
        code: 'BAD_USER_INPUT',
        field: 'input.version',
      },
      {
        when: 'the name has a space',
        as: 'admin',
        input: () => ({ id: h.id('billing'), name: 'has space' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      { when: 'the new name is taken', as: 'admin', input: () => ({ id: h.id('billing'), name: 'demo' }), code: 'CONFLICT' },
      {
        when: 'the version of a seeded domain is not semantic',
        as: 'admin',
        input: () => ({ id: demo, version: '1.x' }),
        code: 'BAD_USER_INPUT',
        field: 'input.version',
      },
    ],
    happy: {
      when: 'for an org_admin, recording before and after',
      as: 'admin',
      input: () => ({ id: h.id('billing'), version: '1.1.0', displayName: 'Billing and Payments' }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.domain).toMatchObject({ id: h.id('billing'), version: '1.1.0', displayName: 'Billing and Payments' });
        expectChange(entry, { version: '1.0.0', displayName: 'Billing' }, { version: '1.1.0', displayName: 'Billing and Payments' });
      },
    },
  },
  {
    mutation: 'deleteDomain',
    action: 'domain.delete',
    select: 'deletedId',
    failures: [
      { when: 'an org_viewer deletes one', as: 'viewer', input: () => ({ id: demo }), code: 'FORBIDDEN' },
      {
        when: 'a quant org_admin deletes a cibc domain, even with cascade',
        as: 'admin',
        input: () => ({ id: cardServices, cascade: true }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the id names an Agent',
        as: 'admin',
        input: () => ({ id: gid('Agent', 'agt-001') }),
        code: 'BAD_USER_INPUT',
        field: 'input.id',
      },
      {
        when: 'the domain still has agents and instances and cascade is left out',
        as: 'admin',
        input: () => ({ id: demo }),
        code: 'CONFLICT',
      },
    ],
    happy: {
      when: 'for an org_admin on an empty domain',
      as: 'admin',
      input: () => ({ id: h.id('billing') }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.deletedId).toBe(h.id('billing'));
        expect(entry.metadata.before).toMatchObject({ name: 'billing' });
        expect(await count(h.server, 'SELECT count(*) AS n FROM domains WHERE id = :id', { id: rawId(h.id('billing')) })).toBe(0);
      },
    },
  },
];

describeMutations(h, 'domains', CASES);

describe('domains mutations, beyond one row of the table', () => {
  it('deleteDomain refuses a domain with agents, instances, sessions and configs without cascade, and removes them all with it', async () => {
    const domain = await mutate(
      h.server,
      'createDomain',
      'domain { id }',
      { organizationId: quant, name: 'doomed', displayName: 'Doomed' },
      h.tokens.admin,
    );
    const domainId: string = domain.data?.createDomain.domain.id;
    const agent = await mutate(
      h.server,
      'createAgent',
      'agent { id }',
      { domainId, name: 'doomed-agent', displayName: 'D', status: 'ACTIVE' },
      h.tokens.admin,
    );
    const instance = await mutate(
      h.server,
      'createInstance',
      'instance { id }',
      { domainId, environment: 'DEV', name: 'dev' },
      h.tokens.admin,
    );
    const session = await mutate(
      h.server,
      'startSession',
      'session { id }',
      { agentId: agent.data?.createAgent.agent.id, instanceId: instance.data?.createInstance.instance.id },
      h.tokens.admin,
    );
    const config = await mutate(
      h.server,
      'upsertIntegrationConfig',
      'integrationConfig { id }',
      { domainId, environment: 'DEV', integration: 'zendesk', config: { subdomain: 'doomed' }, secrets: { apiToken: 'zd-doomed-secret' } },
      h.tokens.admin,
    );
    for (const response of [domain, agent, instance, session, config])
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    const raw = rawId(domainId);

    const before = await snapshot(h.server);
    const refused = await mutate(h.server, 'deleteDomain', 'deletedId', { id: domainId }, h.tokens.admin);
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    await expectUnchanged(h.server, before);
    const explicit = await mutate(h.server, 'deleteDomain', 'deletedId', { id: domainId, cascade: false }, h.tokens.admin);
    expect(errorCodes(explicit)).toEqual(['CONFLICT']);
    await expectUnchanged(h.server, before);

    const from = await auditMaxId(h.server);
    const done = await mutate(h.server, 'deleteDomain', 'deletedId', { id: domainId, cascade: true }, h.tokens.admin);
    expect(done.errors).toBeUndefined();
    expect(done.data?.deleteDomain.deletedId).toBe(domainId);
    expect((await auditSince(h.server, from)).map((entry) => [entry.result, entry.action, entry.organization_id])).toEqual([
      ['success', 'domain.delete', 'quant'],
    ]);
    expect(await count(h.server, 'SELECT count(*) AS n FROM agents WHERE domain_id = :raw', { raw })).toBe(0);
    expect(await count(h.server, 'SELECT count(*) AS n FROM instances WHERE domain_id = :raw', { raw })).toBe(0);
    expect(await count(h.server, 'SELECT count(*) AS n FROM integration_configs WHERE domain_id = :raw', { raw })).toBe(0);
    expect(
      await count(h.server, 'SELECT count(*) AS n FROM sessions WHERE id = :id', { id: rawId(session.data?.startSession.session.id) }),
    ).toBe(0);
    expect(
      await count(h.server, 'SELECT count(*) AS n FROM integration_secrets WHERE integration_config_id = :id', {
        id: rawId(config.data?.upsertIntegrationConfig.integrationConfig.id),
      }),
    ).toBe(0);
    expect(await count(h.server, 'SELECT count(*) AS n FROM domains WHERE id = :raw', { raw })).toBe(0);
    const node = await h.server.gql('query ($id: ID!) { node(id: $id) { id } }', { id: domainId }, h.tokens.admin);
    expect(node.data?.node).toBeNull();
    expect(JSON.stringify(await h.server.services.db.all('SELECT * FROM audit_log'))).not.toContain('zd-doomed-secret');
  });

  it('deleteDomain with cascade removes the domain and what it held, arguments written as literals', async () => {
    const created = await h.server.gql<{ createDomain: { domain: { id: string } } }>(
      'mutation { createDomain(input: { organizationId: "T3JnYW5pemF0aW9uOnF1YW50", name: "doomed", displayName: "Doomed" }) { domain { id } } }',
    );
    const domainId = created.data?.createDomain.domain.id as string;
    await h.server.gql('mutation ($d: ID!) { createAgent(input: { domainId: $d, name: "a1", displayName: "A1" }) { agent { id } } }', {
      d: domainId,
    });
    const refused = await h.server.gql('mutation ($id: ID!) { deleteDomain(input: { id: $id }) { deletedId } }', { id: domainId });
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    const done = await h.server.gql('mutation ($id: ID!) { deleteDomain(input: { id: $id, cascade: true }) { deletedId } }', {
      id: domainId,
    });
    expect(done.errors).toBeUndefined();
    expect(await h.server.services.db.get("SELECT count(*) AS n FROM agents WHERE name = 'a1'")).toEqual({ n: 0 });
  });
});
