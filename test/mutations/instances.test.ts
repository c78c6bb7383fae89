// createInstance, updateInstance, deleteInstance over HTTP: the instances module's table, run by test/helpers/mutations.ts.
import { expect } from 'vitest';
import { count } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import { BIG, type Case, cardServices, demo, describeMutations, expectChange, inQuant, mutationHarness, rawId } from '../helpers/mutations';

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'createInstance',
    action: 'instance.create',
    select: 'instance { id name environment status config domain { id } }',
    failures: [
      {
        when: 'an org_viewer deploys',
        as: 'viewer',
        input: () => ({ domainId: demo, environment: 'PROD', name: 'prod' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin deploys a cibc domain',
        as: 'admin',
        input: () => ({ domainId: cardServices, environment: 'PROD', name: 'prod' }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the config is over 64 KiB of JSON',
        as: 'admin',
        input: () => ({ domainId: demo, environment: 'PROD', name: 'prod', config: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.config',
      },
      {
        when: 'the name has capitals',
        as: 'admin',
        input: () => ({ domainId: demo, environment: 'PROD', name: 'PROD' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        when: 'the domain has that instance in that environment',
        as: 'admin',
        input: () => ({ domainId: demo, environment: 'DEV', name: 'dev' }),
        code: 'CONFLICT',
      },
    ],
    happy: {
      when: 'for an org_admin, PROVISIONING by default',
      as: 'admin',
      input: () => ({ domainId: demo, environment: 'STAGING', name: 'stg', config: { replicas: 2 } }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.instance).toMatchObject({
          name: 'stg',
          environment: 'STAGING',
          status: 'PROVISIONING',
          config: { replicas: 2 },
          domain: { id: demo },
        });
        h.ids.stg = payload.instance.id;
        expect(entry.metadata.after).toMatchObject({ name: 'stg' });
      },
    },
  },
  {
    mutation: 'updateInstance',
    action: 'instance.update',
    select: 'instance { id name status }',
    failures: [
      {
        when: 'an org_viewer changes it',
        as: 'viewer',
        input: () => ({ id: gid('Instance', 'quant-demo-dev'), status: 'FAILED' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin changes a cibc instance',
        as: 'admin',
        input: () => ({ id: gid('Instance', 'cibc-card-services-dev'), status: 'FAILED' }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the name has capitals',
        as: 'admin',
        input: () => ({ id: h.id('stg'), name: 'UPPER' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        when: 'the config is over 64 KiB',
        as: 'admin',
        input: () => ({ id: h.id('stg'), config: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.config',
      },
      {
        when: 'the new name of a seeded instance has capitals',
        as: 'admin',
        input: () => ({ id: gid('Instance', 'quant-demo-dev'), name: 'UPPER' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
    ],
    happy: {
      when: 'for an org_admin, recording the status before and after',
      as: 'admin',
      input: () => ({ id: h.id('stg'), status: 'RUNNING' }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.instance).toMatchObject({ id: h.id('stg'), status: 'RUNNING' });
        expectChange(entry, { status: 'PROVISIONING' }, { status: 'RUNNING' });
      },
    },
  },
  {
    mutation: 'deleteInstance',
    action: 'instance.delete',
    select: 'deletedId',
    failures: [
      { when: 'an org_viewer deletes it', as: 'viewer', input: () => ({ id: gid('Instance', 'quant-demo-dev') }), code: 'FORBIDDEN' },
      {
        when: 'a quant org_admin deletes a cibc instance',
        as: 'admin',
        input: () => ({ id: gid('Instance', 'cibc-card-services-dev') }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the id names an Agent',
        as: 'admin',
        input: () => ({ id: gid('Agent', 'agt-001') }),
        code: 'BAD_USER_INPUT',
        field: 'input.id',
      },
    ],
    happy: {
      when: 'for an org_admin, and the instance is gone',
      as: 'admin',
      input: () => ({ id: h.id('stg') }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.deletedId).toBe(h.id('stg'));
        expect(entry.metadata.before).toMatchObject({ name: 'stg' });
        expect(await count(h.server, 'SELECT count(*) AS n FROM instances WHERE id = :id', { id: rawId(h.id('stg')) })).toBe(0);
      },
    },
  },
];

describeMutations(h, 'instances', CASES);
