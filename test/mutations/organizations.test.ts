// createOrganization, updateOrganization, deleteOrganization over HTTP: the organizations module's table, run by test/helpers/mutations.ts.
import { expect } from 'vitest';
import { count } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import { BIG, type Case, cibc, demo, describeMutations, expectChange, inQuant, mutationHarness, quant, rawId } from '../helpers/mutations';

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'createOrganization',
    action: 'organization.create',
    select: 'organization { id slug name tier }',
    // No NOT_FOUND case: a new organization names no existing row.
    failures: [
      {
        when: 'an org_admin creates one (it lacks org:update:platform)',
        as: 'admin',
        input: () => ({ slug: 'sneaky', name: 'Sneaky' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'the slug has capitals, a space and a "!"',
        as: 'owner',
        input: () => ({ slug: 'Bad Slug!', name: 'Bad' }),
        code: 'BAD_USER_INPUT',
        field: 'input.slug',
      },
      {
        when: 'the slug is one character',
        as: 'owner',
        input: () => ({ slug: 'a', name: 'Short' }),
        code: 'BAD_USER_INPUT',
        field: 'input.slug',
      },
      {
        when: 'the name is blank',
        as: 'owner',
        input: () => ({ slug: 'blank-name', name: '   ' }),
        code: 'BAD_USER_INPUT',
        field: 'input.name',
      },
      {
        when: 'the settings are over 64 KiB of JSON',
        as: 'owner',
        input: () => ({ slug: 'big-settings', name: 'Big', settings: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.settings',
      },
      { when: 'the slug is taken', as: 'owner', input: () => ({ slug: 'quant', name: 'Quant Again' }), code: 'CONFLICT' },
    ],
    happy: {
      when: 'for the platform_owner',
      as: 'owner',
      input: () => ({ slug: 'acme', name: 'Acme', tier: 'PRO', settings: { region: 'ca-central' } }),
      organization: () => h.id('acmeRaw'),
      check: async (payload) => {
        expect(payload.organization).toMatchObject({ slug: 'acme', name: 'Acme', tier: 'PRO' });
        h.ids.acme = payload.organization.id;
        h.ids.acmeRaw = rawId(payload.organization.id);
        expect(await count(h.server, 'SELECT count(*) AS n FROM organizations WHERE slug = :slug', { slug: 'acme' })).toBe(1);
      },
    },
  },
  {
    mutation: 'updateOrganization',
    action: 'organization.update',
    select: 'organization { id name tier }',
    failures: [
      {
        when: 'an org_admin changes the tier (it lacks org:tier:update)',
        as: 'admin',
        input: () => ({ id: quant, tier: 'FREE' }),
        code: 'FORBIDDEN',
      },
      {
        when: 'platform_support, who sees every organization, renames one',
        as: 'support',
        input: () => ({ id: quant, name: 'Support Was Here' }),
        code: 'FORBIDDEN',
      },
      { when: 'a quant org_admin renames cibc', as: 'admin', input: () => ({ id: cibc, name: 'Taken Over' }), code: 'NOT_FOUND' },
      { when: 'the name is blank', as: 'admin', input: () => ({ id: quant, name: '  ' }), code: 'BAD_USER_INPUT', field: 'input.name' },
      {
        when: 'the settings are over 64 KiB',
        as: 'admin',
        input: () => ({ id: quant, settings: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.settings',
      },
      {
        when: 'the id is not an Organization id',
        as: 'admin',
        input: () => ({ id: demo, name: 'Demo Org' }),
        code: 'BAD_USER_INPUT',
        field: 'input.id',
      },
      { when: 'an org_viewer renames it', as: 'viewer', input: () => ({ id: quant, name: 'Viewer Was Here' }), code: 'FORBIDDEN' },
    ],
    happy: {
      when: 'for its org_admin, recording the name before and after',
      as: 'admin',
      input: () => ({ id: quant, name: 'Quant Inc', settings: { theme: 'dark' } }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.organization).toMatchObject({ id: quant, name: 'Quant Inc', tier: 'ENTERPRISE' });
        expectChange(entry, { name: 'Quant' }, { name: 'Quant Inc', settings: { theme: 'dark' } });
      },
    },
  },
  {
    mutation: 'deleteOrganization',
    action: 'organization.delete',
    select: 'deletedId',
    failures: [
      {
        when: 'an org_admin deletes its own organization (it lacks org:delete:platform)',
        as: 'admin',
        input: () => ({ id: quant }),
        code: 'FORBIDDEN',
      },
      { when: 'a quant org_admin deletes cibc', as: 'admin', input: () => ({ id: cibc }), code: 'NOT_FOUND' },
      { when: 'the id is not a global id', as: 'owner', input: () => ({ id: 'not-an-id' }), code: 'BAD_USER_INPUT', field: 'input.id' },
      {
        when: 'the id names an Agent',
        as: 'owner',
        input: () => ({ id: gid('Agent', 'agt-001') }),
        code: 'BAD_USER_INPUT',
        field: 'input.id',
      },
    ],
    happy: {
      when: 'for the platform_owner, and the organization is gone',
      as: 'owner',
      input: () => ({ id: h.id('acme') }),
      organization: () => h.id('acmeRaw'),
      check: async (payload, entry) => {
        expect(payload.deletedId).toBe(h.id('acme'));
        expect(entry.metadata.before).toMatchObject({ slug: 'acme', name: 'Acme' });
        expect(await count(h.server, 'SELECT count(*) AS n FROM organizations WHERE id = :id', { id: h.id('acmeRaw') })).toBe(0);
      },
    },
  },
];

describeMutations(h, 'organizations', CASES);
