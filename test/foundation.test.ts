// The seeded database as a platform owner sees it, and the service endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('a fresh database, seen by the first platform_owner key', () => {
  it('counts 2 organizations, 55 permissions and 10 roles', async () => {
    const response = await server.gql(`{
      organizations { totalCount edges { node { slug name tier } } }
      permissions { totalCount }
      roles { totalCount }
    }`);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      organizations: {
        totalCount: 2,
        edges: [
          { node: { slug: 'quant', name: 'Quant', tier: 'ENTERPRISE' } },
          { node: { slug: 'cibc', name: 'CIBC', tier: 'ENTERPRISE' } },
        ],
      },
      permissions: { totalCount: 55 },
      roles: { totalCount: 10 },
    });
  });

  it('gives every role exactly the permissions of the catalogue', async () => {
    const response = await server.gql(`{
      roles(first: 100) { edges { node { name isSystem level permissions(first: 100) { totalCount edges { node { code } } } } } }
    }`);
    const roles = Object.fromEntries(
      response.data.roles.edges.map((e: any) => [e.node.name, e.node.permissions.edges.map((p: any) => p.node.code)]),
    );
    expect(Object.keys(roles).sort()).toEqual([
      'api_client',
      'backend_service',
      'compiler_service',
      'job_runner_service',
      'org_admin',
      'org_developer',
      'org_operator',
      'org_viewer',
      'platform_owner',
      'platform_support',
    ]);
    expect(roles.platform_owner).toHaveLength(55);
    expect(roles.backend_service).toHaveLength(55 - 7);
    expect(roles.backend_service.some((code: string) => code.includes(':platform'))).toBe(false);
    expect(roles.org_viewer).toEqual([
      'agent:read:org',
      'artifact:read:org',
      'domain:read',
      'instance:read',
      'llm:quota:read:self',
      'session:read:org',
    ]);
    expect(roles.compiler_service).toEqual(['agent:read:org', 'agent:update:org', 'domain:read', 'instance:read']);
  });

  it('pages through permissions with keyset cursors, each exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response: any = await server.gql(
        'query($after: String) { permissions(first: 7, after: $after) { edges { node { code } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      seen.push(...response.data.permissions.edges.map((e: any) => e.node.code));
      if (!response.data.permissions.pageInfo.hasNextPage) break;
      after = response.data.permissions.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(55);
    expect(new Set(seen).size).toBe(55);
    expect(seen).toEqual([...seen].sort());
  });

  it('refuses first over 100 and a cursor of another ordering with BAD_USER_INPUT', async () => {
    expect(errorCodes(await server.gql('{ permissions(first: 101) { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    const page = await server.gql('{ organizations(first: 1) { pageInfo { endCursor } } }');
    const cursor = page.data.organizations.pageInfo.endCursor;
    const other = await server.gql('query($c: String) { organizations(after: $c, orderBy: { field: NAME }) { totalCount } }', {
      c: cursor,
    });
    expect(errorCodes(other)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a malformed query with BAD_USER_INPUT and no stack', async () => {
    const invalid = await server.gql('{ organizations { nope } }');
    expect(errorCodes(invalid)).toEqual(['BAD_USER_INPUT']);
    const unparsable = await server.gql('{ organizations { ');
    expect(errorCodes(unparsable)).toEqual(['BAD_USER_INPUT']);
    const badId = await server.gql('{ node(id: "not-a-global-id") { id } }');
    expect(errorCodes(badId)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify([invalid, unparsable, badId])).not.toMatch(/at .*\.ts:\d+|stack|SELECT/);
  });

  it('serves /health and /ready', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves GraphiQL to a browser', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
  });

  it('reports the statements each request ran when FOUNDRY_SQL_STATS is on', async () => {
    const response = await server.gql('{ organizations { totalCount } }');
    expect(response.extensions?.sql?.statements).toBeGreaterThan(0);
  });
});
