// Organization visibility: a tenant's key sees its own organization and nothing of the other.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyFor } from './helpers/principals';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
let quantAdmin: string;
beforeAll(async () => {
  server = await startServer();
  quantAdmin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
});
afterAll(() => server.close());

describe('a quant org_admin key', () => {
  it('lists quant and only quant', async () => {
    const response = await server.gql('{ organizations { totalCount edges { node { slug } } } }', {}, quantAdmin);
    expect(response.data).toEqual({ organizations: { totalCount: 1, edges: [{ node: { slug: 'quant' } }] } });
  });

  it('gets null for organization(slug: "cibc")', async () => {
    const response = await server.gql(
      '{ cibc: organization(slug: "cibc") { slug } quant: organization(slug: "quant") { slug } }',
      {},
      quantAdmin,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ cibc: null, quant: { slug: 'quant' } });
  });

  it('gets null for node and nodes with the id of cibc', async () => {
    const cibc = encodeGlobalID('Organization', 'cibc');
    const quant = encodeGlobalID('Organization', 'quant');
    const response = await server.gql(
      'query($cibc: ID!, $ids: [ID!]!) { node(id: $cibc) { id } nodes(ids: $ids) { id } }',
      { cibc, ids: [cibc, quant] },
      quantAdmin,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ node: null, nodes: [null, { id: quant }] });
  });

  it('answers viewer.can per organization', async () => {
    const response = await server.gql(
      `{ viewer {
          quant: can(permission: "agent:update:org", organizationSlug: "quant")
          cibc: can(permission: "agent:update:org", organizationSlug: "cibc")
          platform: can(permission: "org:read:platform")
          unknownOrg: can(permission: "agent:read:org", organizationSlug: "no-such-org")
          permissions(organizationSlug: "cibc")
        } }`,
      {},
      quantAdmin,
    );
    expect(response.data).toEqual({
      viewer: { quant: true, cibc: false, platform: false, unknownOrg: false, permissions: [] },
    });
  });

  it('lists its permissions in quant as the org_admin role has them', async () => {
    const response = await server.gql('{ viewer { permissions(organizationSlug: "quant") principal { kind name } } }', {}, quantAdmin);
    expect(response.data.viewer.permissions).toHaveLength(36);
    expect(response.data.viewer.permissions).toContain('integration:secret:read');
    expect(response.data.viewer.principal.kind).toBe('API_KEY');
  });
});

describe('an org_developer of quant (no org:read)', () => {
  it('sees no Organization row, as the contract says', async () => {
    const developer = (await apiKeyFor(server, { org: 'quant', role: 'org_developer' })).token;
    const response = await server.gql('{ organizations { totalCount } organization(slug: "quant") { slug } }', {}, developer);
    expect(response.data).toEqual({ organizations: { totalCount: 0 }, organization: null });
  });
});

describe('a platform_support key', () => {
  it('sees every organization through org:read:platform', async () => {
    const support = (await apiKeyFor(server, { role: 'platform_support' })).token;
    const response = await server.gql(
      '{ organizations { totalCount } viewer { can(permission: "org:read", organizationSlug: "cibc") } }',
      {},
      support,
    );
    expect(response.data).toEqual({ organizations: { totalCount: 2 }, viewer: { can: false } });
  });
});
