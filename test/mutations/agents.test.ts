// createAgent, updateAgent, publishAgent, deleteAgent over HTTP: the agents module's table (run by test/helpers/mutations.ts),
// then what one row of the table cannot show.
import { describe, expect, it } from 'vitest';
import { auditMaxId, auditSince, count, expectOnlyDenied, snapshot } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import {
  BIG,
  type Case,
  cardServices,
  demo,
  describeMutations,
  expectChange,
  inQuant,
  mutate,
  mutationHarness,
  rawId,
} from '../helpers/mutations';
import { errorCodes } from '../helpers/server';

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'createAgent',
    action: 'agent.create',
    select: 'agent { id name status version tags createdBy { id } }',
    failures: [
      {
        when: 'an org_viewer creates one',
        as: 'viewer',
        input: () => ({ domainId: demo, name: 'viewer-agent', displayName: 'V' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin creates one in a cibc domain',
        as: 'admin',
        input: () => ({ domainId: cardServices, name: 'inside', displayName: 'I' }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the version is not semantic',
        as: 'admin',
        input: () => ({ domainId: demo, name: 'v-agent', displayName: 'V', version: 'one' }),
        code: 'BAD_USER_INPUT',
        field: 'input.version',
      },
      {
        when: 'the name has capitals and a space',
        as: 'admin',
        input: () => ({ domainId: demo, name: 'My Agent', displayName: 'M' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        when: 'the config is over 64 KiB',
        as: 'admin',
        input: () => ({ domainId: demo, name: 'big-agent', displayName: 'B', config: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.config',
      },
      {
        when: 'the domain has an agent of that name',
        as: 'admin',
        input: () => ({ domainId: demo, name: 'customer-support-agent', displayName: 'Again' }),
        code: 'CONFLICT',
      },
    ],
    happy: {
      when: 'for an org_developer (agent:create), as a DRAFT at 0.1.0 that it created',
      as: 'developer',
      input: () => ({ domainId: demo, name: 'dev-agent', displayName: 'Dev Agent', tags: ['beta'] }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.agent).toMatchObject({
          name: 'dev-agent',
          status: 'DRAFT',
          version: '0.1.0',
          tags: ['beta'],
          createdBy: { id: gid('User', h.developerId) },
        });
        h.ids.devAgent = payload.agent.id;
        expect(entry.metadata.after).toMatchObject({ name: 'dev-agent' });
      },
    },
  },
  {
    mutation: 'updateAgent',
    action: 'agent.update',
    select: 'agent { id version description versions(first: 50) { totalCount edges { node { version } } } }',
    failures: [
      {
        when: 'an org_developer changes an agent it did not create (it has agent:update:self only)',
        as: 'developer',
        input: () => ({ id: gid('Agent', 'agt-001'), displayName: 'Hijacked' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'an org_viewer changes one',
        as: 'viewer',
        input: () => ({ id: gid('Agent', 'agt-003'), displayName: 'Viewer' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'an api_client key changes an agent it did not create (agent:update:self only)',
        as: 'apiClient',
        input: () => ({ id: gid('Agent', 'agt-002'), displayName: 'Client' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin changes a cibc agent',
        as: 'admin',
        input: () => ({ id: gid('Agent', 'agt-101'), displayName: 'Taken' }),
        code: 'NOT_FOUND',
      },
      {
        when: 'a tag has a capital and a space',
        as: 'developer',
        input: () => ({ id: h.id('devAgent'), tags: ['Bad Tag'] }),
        code: 'BAD_USER_INPUT',
        field: 'input.tags.0',
      },
      {
        when: 'the version is not semantic',
        as: 'developer',
        input: () => ({ id: h.id('devAgent'), version: '1.2' }),
        code: 'BAD_USER_INPUT',
        field: 'input.version',
      },
      {
        when: 'the new name is taken in the domain',
        as: 'developer',
        input: () => ({ id: h.id('devAgent'), name: 'customer-support-agent' }),
        code: 'CONFLICT',
      },
      {
        when: 'a tag of a seeded agent has a capital and a space',
        as: 'admin',
        input: () => ({ id: gid('Agent', 'agt-003'), tags: ['Bad Tag'] }),
        code: 'BAD_USER_INPUT',
        field: 'input.tags.0',
      },
    ],
    happy: {
      when: 'for its creator with agent:update:self; a new version adds a row to Agent.versions',
      as: 'developer',
      input: () => ({ id: h.id('devAgent'), version: '0.2.0', description: 'Now with tools' }),
      organization: inQuant,
      prepare: async () => {
        h.ids.devAgentVersionsBefore = String(
          await count(h.server, 'SELECT count(*) AS n FROM agent_versions WHERE agent_id = :id', { id: rawId(h.id('devAgent')) }),
        );
      },
      check: async (payload, entry) => {
        expect(payload.agent).toMatchObject({ version: '0.2.0', description: 'Now with tools' });
        const versionsBefore = Number(h.id('devAgentVersionsBefore'));
        expect(
          await count(h.server, 'SELECT count(*) AS n FROM agent_versions WHERE agent_id = :id', { id: rawId(h.id('devAgent')) }),
        ).toBe(versionsBefore + 1);
        expect(payload.agent.versions.totalCount).toBe(versionsBefore + 1);
        expect(payload.agent.versions.edges.map((edge: { node: { version: string } }) => edge.node.version)).toContain('0.2.0');
        expectChange(entry, { version: '0.1.0', description: '' }, { version: '0.2.0', description: 'Now with tools' });
      },
    },
  },
  {
    mutation: 'publishAgent',
    action: 'agent.publish',
    select: 'agent { id status publishedAt }',
    failures: [
      {
        when: 'an org_developer publishes its own agent (it lacks agent:publish)',
        as: 'developer',
        input: () => ({ id: h.id('devAgent') }),
        code: 'FORBIDDEN',
      },
      { when: 'a quant org_admin publishes a cibc agent', as: 'admin', input: () => ({ id: gid('Agent', 'agt-101') }), code: 'NOT_FOUND' },
      { when: 'the id is garbage', as: 'admin', input: () => ({ id: 'garbage' }), code: 'BAD_USER_INPUT', field: 'input.id' },
      { when: 'an org_viewer publishes one', as: 'viewer', input: () => ({ id: gid('Agent', 'agt-003') }), code: 'FORBIDDEN' },
    ],
    happy: {
      when: 'for an org_admin: publishedAt is set and a DRAFT becomes ACTIVE',
      as: 'admin',
      input: () => ({ id: h.id('devAgent') }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.agent.status).toBe('ACTIVE');
        expect(payload.agent.publishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expectChange(entry, { publishedAt: null, status: 'DRAFT' }, { publishedAt: payload.agent.publishedAt, status: 'ACTIVE' });
      },
    },
  },
  {
    mutation: 'deleteAgent',
    action: 'agent.delete',
    select: 'deletedId',
    failures: [
      {
        when: 'an org_developer deletes an agent it did not create (it has agent:delete:self only)',
        as: 'developer',
        input: () => ({ id: gid('Agent', 'agt-002') }),
        code: 'FORBIDDEN',
      },
      { when: 'an org_viewer deletes one', as: 'viewer', input: () => ({ id: gid('Agent', 'agt-002') }), code: 'FORBIDDEN' },
      { when: 'a quant org_admin deletes a cibc agent', as: 'admin', input: () => ({ id: gid('Agent', 'agt-101') }), code: 'NOT_FOUND' },
      { when: 'the id names a Domain', as: 'admin', input: () => ({ id: demo }), code: 'BAD_USER_INPUT', field: 'input.id' },
    ],
    happy: {
      when: 'for its creator with agent:delete:self, with its versions',
      as: 'developer',
      input: () => ({ id: h.id('devAgent') }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.deletedId).toBe(h.id('devAgent'));
        expect(entry.metadata.before).toMatchObject({ name: 'dev-agent' });
        expect(await count(h.server, 'SELECT count(*) AS n FROM agents WHERE id = :id', { id: rawId(h.id('devAgent')) })).toBe(0);
        expect(
          await count(h.server, 'SELECT count(*) AS n FROM agent_versions WHERE agent_id = :id', { id: rawId(h.id('devAgent')) }),
        ).toBe(0);
      },
    },
  },
];

describeMutations(h, 'agents', CASES);

describe('agents mutations, beyond one row of the table', () => {
  it('updateAgent adds no version when the version stays the same', async () => {
    const agent = gid('Agent', 'agt-003');
    const before = await count(h.server, "SELECT count(*) AS n FROM agent_versions WHERE agent_id = 'agt-003'");
    const response = await mutate(
      h.server,
      'updateAgent',
      'agent { displayName versions { totalCount } }',
      { id: agent, displayName: 'Data Analysis Agent II' },
      h.tokens.admin,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.updateAgent.agent).toEqual({ displayName: 'Data Analysis Agent II', versions: { totalCount: before } });
    const bumped = await mutate(
      h.server,
      'updateAgent',
      'agent { version versions(first: 50) { totalCount edges { node { version } } } }',
      { id: agent, version: '3.1.0' },
      h.tokens.admin,
    );
    expect(bumped.data?.updateAgent.agent.versions.totalCount).toBe(before + 1);
    expect(bumped.data?.updateAgent.agent.versions.edges.map((edge: { node: { version: string } }) => edge.node.version)).toContain(
      '3.1.0',
    );
  });

  it('an api_client key changes the agent it created (agent:update:self by key) but may not delete it', async () => {
    const created = await mutate(
      h.server,
      'createAgent',
      'agent { id }',
      { domainId: demo, name: 'client-agent', displayName: 'Client Agent' },
      h.tokens.apiClient,
    );
    expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
    const agentId: string = created.data?.createAgent.agent.id;
    const from = await auditMaxId(h.server);
    const updated = await mutate(
      h.server,
      'updateAgent',
      'agent { displayName }',
      { id: agentId, displayName: 'Client Agent 2' },
      h.tokens.apiClient,
    );
    expect(updated.errors, JSON.stringify(updated.errors)).toBeUndefined();
    expect(updated.data?.updateAgent.agent.displayName).toBe('Client Agent 2');
    expect((await auditSince(h.server, from)).map((entry) => [entry.result, entry.action, entry.organization_id])).toEqual([
      ['success', 'agent.update', 'quant'],
    ]);
    const before = await snapshot(h.server);
    const deleted = await mutate(h.server, 'deleteAgent', 'deletedId', { id: agentId }, h.tokens.apiClient);
    expect(errorCodes(deleted)).toEqual(['FORBIDDEN']);
    await expectOnlyDenied(h.server, before, 'agent.delete');
  });

  it('deleteAgent lets an org_admin delete an agent another principal created (agent:delete:org)', async () => {
    const from = await auditMaxId(h.server);
    const deleted = await mutate(h.server, 'deleteAgent', 'deletedId', { id: gid('Agent', 'agt-draft') }, h.tokens.admin);
    expect(deleted.errors, JSON.stringify(deleted.errors)).toBeUndefined();
    expect(deleted.data?.deleteAgent.deletedId).toBe(gid('Agent', 'agt-draft'));
    expect((await auditSince(h.server, from)).map((entry) => [entry.result, entry.action, entry.organization_id])).toEqual([
      ['success', 'agent.delete', 'quant'],
    ]);
  });
});
