// upsertIntegrationConfig, deleteIntegrationConfig over HTTP: the integrations module's table (run by test/helpers/mutations.ts),
// then what one row of the table cannot show.
import { describe, expect, it } from 'vitest';
import { type AuditEntry, auditMaxId, auditSince, count } from '../helpers/database';
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

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'upsertIntegrationConfig',
    action: 'integration_config.upsert',
    select: 'created integrationConfig { id integration environment config secrets }',
    failures: [
      {
        when: 'an org_developer, who reads configs, writes one (it lacks integration:update)',
        as: 'developer',
        input: () => ({ domainId: demo, environment: 'DEV', integration: 'slack', config: {} }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin writes one for a cibc domain',
        as: 'admin',
        input: () => ({ domainId: cardServices, environment: 'DEV', integration: 'slack', config: {} }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the config is over 64 KiB of JSON',
        as: 'admin',
        input: () => ({ domainId: demo, environment: 'DEV', integration: 'slack', config: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.config',
      },
      {
        when: 'the integration name has a "!"',
        as: 'admin',
        input: () => ({ domainId: demo, environment: 'DEV', integration: 'Bad!', config: {} }),
        code: 'BAD_USER_INPUT',
        field: 'input.integration',
      },
      {
        when: 'an org_viewer writes one',
        as: 'viewer',
        input: () => ({ domainId: demo, environment: 'DEV', integration: 'slack', config: {} }),
        code: 'FORBIDDEN',
      },
    ],
    happy: {
      when: 'for an org_admin, and its secrets appear nowhere in the audit log',
      as: 'admin',
      input: () => ({
        domainId: demo,
        environment: 'DEV',
        integration: 'slack',
        config: { channel: '#ops' },
        secrets: { token: 'xoxb-very-secret-1' },
      }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.created).toBe(true);
        expect(payload.integrationConfig).toMatchObject({
          integration: 'slack',
          environment: 'DEV',
          config: { channel: '#ops' },
          secrets: { token: 'xoxb-very-secret-1' },
        });
        h.ids.slack = payload.integrationConfig.id;
        expect(entry.metadata.after).toMatchObject({ config: { channel: '#ops' } });
        expect(JSON.stringify(await h.server.services.db.all('SELECT * FROM audit_log'))).not.toContain('xoxb-very-secret-1');
      },
    },
  },
  {
    mutation: 'deleteIntegrationConfig',
    action: 'integration_config.delete',
    select: 'deletedId',
    failures: [
      {
        when: 'an org_developer, who reads configs, deletes one',
        as: 'developer',
        input: () => ({ id: gid('IntegrationConfig', 'int-quant-salesforce') }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin deletes a cibc config',
        as: 'admin',
        input: () => ({ id: gid('IntegrationConfig', 'int-cibc-twilio') }),
        code: 'NOT_FOUND',
      },
      { when: 'the id is garbage', as: 'admin', input: () => ({ id: 'garbage' }), code: 'BAD_USER_INPUT', field: 'input.id' },
    ],
    happy: {
      when: 'for an org_admin, with its secrets',
      as: 'admin',
      input: () => ({ id: h.id('slack') }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.deletedId).toBe(h.id('slack'));
        expect(entry.metadata.before).toMatchObject({ config: { channel: '#ops' } });
        expect(await count(h.server, 'SELECT count(*) AS n FROM integration_configs WHERE id = :id', { id: rawId(h.id('slack')) })).toBe(0);
        expect(
          await count(h.server, 'SELECT count(*) AS n FROM integration_secrets WHERE integration_config_id = :id', {
            id: rawId(h.id('slack')),
          }),
        ).toBe(0);
        expect(JSON.stringify(await h.server.services.db.all('SELECT * FROM audit_log'))).not.toContain('xoxb-very-secret-1');
      },
    },
  },
];

describeMutations(h, 'integrations', CASES);

describe('integrations mutations, beyond one row of the table', () => {
  it('upsertIntegrationConfig replaces a config: created is false, before and after are recorded, and no secret reaches the audit log', async () => {
    const input = {
      domainId: demo,
      environment: 'PROD',
      integration: 'pagerduty',
      config: { service: 'P1' },
      secrets: { routingKey: 'pd-first-secret' },
    };
    const first = await mutate(h.server, 'upsertIntegrationConfig', 'created integrationConfig { id }', input, h.tokens.admin);
    expect(first.data?.upsertIntegrationConfig.created).toBe(true);
    const from = await auditMaxId(h.server);
    const second = await mutate(
      h.server,
      'upsertIntegrationConfig',
      'created integrationConfig { id config secrets }',
      { ...input, config: { service: 'P2' }, secrets: { routingKey: 'pd-rotated-secret' } },
      h.tokens.admin,
    );
    expect(second.errors).toBeUndefined();
    expect(second.data?.upsertIntegrationConfig).toMatchObject({
      created: false,
      integrationConfig: {
        id: first.data?.upsertIntegrationConfig.integrationConfig.id,
        config: { service: 'P2' },
        secrets: { routingKey: 'pd-rotated-secret' },
      },
    });
    const entries = await auditSince(h.server, from);
    expect(entries.map((entry) => [entry.result, entry.action])).toEqual([['success', 'integration_config.upsert']]);
    expectChange(entries[0] as AuditEntry, { config: { service: 'P1' } }, { config: { service: 'P2' } });
    const audit = JSON.stringify(await h.server.services.db.all('SELECT * FROM audit_log'));
    expect(audit).not.toContain('pd-first-secret');
    expect(audit).not.toContain('pd-rotated-secret');
    // Left out, the secrets stay as they are.
    const third = await mutate(
      h.server,
      'upsertIntegrationConfig',
      'integrationConfig { secrets }',
      { ...input, config: { service: 'P3' }, secrets: undefined },
      h.tokens.admin,
    );
    expect(third.data?.upsertIntegrationConfig.integrationConfig.secrets).toEqual({ routingKey: 'pd-rotated-secret' });
  });
});
