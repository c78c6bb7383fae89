// createWebhook, deleteWebhook over HTTP: the webhooks module's table (run by test/helpers/mutations.ts), then what
// one row of the table cannot show. Deliveries are in test/webhooks.test.ts.
import { describe, expect, it } from 'vitest';
import { count } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import { type Case, describeMutations, inQuant, mutate, mutationHarness, rawId } from '../helpers/mutations';

const h = mutationHarness();
const quant = gid('Organization', 'quant');
const cibc = gid('Organization', 'cibc');
const EVENTS = ['BUDGET_THRESHOLD_CROSSED'];
const url = 'https://hooks.example.com/foundry/secret-path-token';

const CASES: Case[] = [
  {
    mutation: 'createWebhook',
    action: 'webhook.create',
    select: 'secret webhook { id url events }',
    failures: [
      {
        when: 'an org_viewer adds one (it lacks settings:update)',
        as: 'viewer',
        input: () => ({ organizationId: quant, url, events: EVENTS }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin adds one to cibc',
        as: 'admin',
        input: () => ({ organizationId: cibc, url, events: EVENTS }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the URL is not http or https',
        as: 'admin',
        input: () => ({ organizationId: quant, url: 'ftp://hooks.example.com/x', events: EVENTS }),
        code: 'BAD_USER_INPUT',
        field: 'input.url',
      },
      {
        when: 'the URL carries a user and password',
        as: 'admin',
        input: () => ({ organizationId: quant, url: 'https://user:pass@hooks.example.com/x', events: EVENTS }),
        code: 'BAD_USER_INPUT',
        field: 'input.url',
      },
      {
        when: 'the URL is relative',
        as: 'admin',
        input: () => ({ organizationId: quant, url: '/hooks', events: EVENTS }),
        code: 'BAD_USER_INPUT',
        field: 'input.url',
      },
      {
        when: 'no event is named',
        as: 'admin',
        input: () => ({ organizationId: quant, url, events: [] }),
        code: 'BAD_USER_INPUT',
        field: 'input.events',
      },
    ],
    happy: {
      when: 'for an org_admin: the secret is shown once, stored sealed, and in no audit entry',
      as: 'admin',
      input: () => ({ organizationId: quant, url, events: EVENTS }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
        expect(payload.webhook).toMatchObject({ url, events: EVENTS });
        h.ids.hook = payload.webhook.id;
        h.ids.secret = payload.secret;
        // The audit entry keeps the origin only: a path may carry a token of the receiver's.
        expect(entry.metadata.after).toEqual({ origin: 'https://hooks.example.com', events: ['budget.threshold_crossed'] });
        const audit = JSON.stringify(await h.server.services.db.all('SELECT * FROM audit_log'));
        const stored = JSON.stringify(await h.server.services.db.all('SELECT * FROM webhooks'));
        for (const text of [audit, stored]) expect(text).not.toContain(payload.secret.slice('whsec_'.length));
        expect(audit).not.toContain('secret-path-token');
      },
    },
  },
  {
    mutation: 'deleteWebhook',
    action: 'webhook.delete',
    select: 'deletedId',
    failures: [
      { when: 'an org_viewer deletes one', as: 'viewer', input: () => ({ id: h.id('hook') }), code: 'NOT_FOUND' },
      { when: 'the id is garbage', as: 'admin', input: () => ({ id: 'garbage' }), code: 'BAD_USER_INPUT', field: 'input.id' },
      {
        when: 'the id is of another type',
        as: 'admin',
        input: () => ({ id: gid('Agent', 'agt-001') }),
        code: 'BAD_USER_INPUT',
        field: 'input.id',
      },
    ],
    happy: {
      when: 'for an org_admin, with its deliveries',
      as: 'admin',
      input: () => ({ id: h.id('hook') }),
      organization: inQuant,
      check: async (payload, entry) => {
        expect(payload.deletedId).toBe(h.id('hook'));
        expect(entry.metadata.before).toEqual({ origin: 'https://hooks.example.com', events: ['budget.threshold_crossed'] });
        expect(await count(h.server, 'SELECT count(*) AS n FROM webhooks WHERE id = :id', { id: rawId(h.id('hook')) })).toBe(0);
      },
    },
  },
];

describeMutations(h, 'webhooks', CASES);

describe('webhooks, beyond one row of the table', () => {
  it('are listed on the organization and found by id for settings:read only', async () => {
    const made = await mutate(h.server, 'createWebhook', 'webhook { id }', { organizationId: quant, url, events: EVENTS }, h.tokens.admin);
    expect(made.errors).toBeUndefined();
    const query = '{ organization(slug: "quant") { webhooks(first: 10) { totalCount edges { node { id url events createdAt } } } } }';
    const asAdmin = await h.server.gql<{ organization: { webhooks: { totalCount: number; edges: { node: { id: string } }[] } } }>(
      query,
      {},
      h.tokens.admin,
    );
    expect(asAdmin.errors, JSON.stringify(asAdmin.errors)).toBeUndefined();
    expect(asAdmin.data?.organization.webhooks.edges.map((edge) => edge.node.id)).toContain(made.data?.createWebhook.webhook.id);
    // Only settings:read shows a webhook: no other quant principal reaches it by id.
    for (const who of ['viewer', 'developer', 'operator', 'apiClient'] as const) {
      const node = await h.server.gql<{ node: unknown }>(
        'query ($id: ID!) { node(id: $id) { id } }',
        { id: made.data?.createWebhook.webhook.id },
        h.tokens[who],
      );
      expect(node.data?.node ?? null, who).toBeNull();
    }
  });

  it('are at most 20 per organization', async () => {
    const existing = await count(h.server, "SELECT count(*) AS n FROM webhooks WHERE organization_id = 'quant'");
    for (let i = existing; i < 20; i++) {
      const made = await mutate(
        h.server,
        'createWebhook',
        'webhook { id }',
        { organizationId: quant, url, events: EVENTS },
        h.tokens.admin,
      );
      expect(made.errors).toBeUndefined();
    }
    const refused = await mutate(
      h.server,
      'createWebhook',
      'webhook { id }',
      { organizationId: quant, url, events: EVENTS },
      h.tokens.admin,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count(h.server, "SELECT count(*) AS n FROM webhooks WHERE organization_id = 'quant'")).toBe(20);
  });
});
