// Trusted documents over HTTP: with FOUNDRY_TRUSTED_DOCUMENTS set, a principal without a platform role runs only
// the manifest's operations, by hash; a platform key may still send any document.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { apiKeyFor } from './helpers/principals';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './helpers/server';

const VIEWER = 'query Viewer { viewer { principal { kind name } } }';
const AGENTS = 'query Agents($first: Int!) { agents(first: $first) { totalCount } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;
let manifestPath: string;
let server: TestServer;
let orgKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foundry-trusted-'));
  manifestPath = join(dir, 'persisted-documents.json');
  // As graphql-codegen's client preset writes it: the document's sha256 → the document.
  writeFileSync(manifestPath, JSON.stringify({ [sha256(VIEWER)]: VIEWER, [`sha256:${sha256(AGENTS)}`]: AGENTS }));
  server = await startServer({ FOUNDRY_TRUSTED_DOCUMENTS: manifestPath });
  orgKey = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs a request body as it is, so that the test controls every field. */
async function post(body: Record<string, unknown>, token: string | null): Promise<GraphQLResponse> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
}

describe('with FOUNDRY_TRUSTED_DOCUMENTS', () => {
  it('runs a known hash sent as documentId, for an organization key', async () => {
    const response = await post({ documentId: sha256(VIEWER) }, orgKey);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ viewer: { principal: { kind: 'API_KEY', name: 'org_admin test key' } } });
  });

  it('runs a known hash in Apollo form (extensions.persistedQuery.sha256Hash), with variables, and as a GET', async () => {
    const apollo = await post(
      { variables: { first: 1 }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(AGENTS) } } },
      orgKey,
    );
    expect(apollo.errors).toBeUndefined();
    expect(apollo.data).toEqual({ agents: { totalCount: expect.any(Number) } });

    const url = `${server.url}/graphql?documentId=sha256:${sha256(VIEWER)}`;
    const get = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${orgKey}` } });
    const body = (await get.json()) as GraphQLResponse;
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ viewer: { principal: { kind: 'API_KEY', name: 'org_admin test key' } } });
  });

  it('refuses an unknown hash with BAD_USER_INPUT, for any principal', async () => {
    for (const token of [orgKey, server.firstApiKey]) {
      const response = await post({ documentId: sha256('query Other { viewer { user { id } } }') }, token);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.message).toMatch(/not in the trusted documents manifest/);
      expect(response.data ?? null).toBeNull();
    }
  });

  it('refuses a free document from an organization key with FORBIDDEN, even the text of a trusted one', async () => {
    for (const query of ['{ organizations { totalCount } }', VIEWER]) {
      const response = await post({ query }, orgKey);
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.errors?.[0]?.message).toMatch(/trusted documents/);
      expect(response.data ?? null).toBeNull();
    }
  });

  it('runs the manifest text, not the body, when a free document comes with a known hash', async () => {
    const response = await post({ query: '{ organizations { totalCount } }', documentId: sha256(VIEWER) }, orgKey);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ viewer: { principal: { kind: 'API_KEY', name: 'org_admin test key' } } });
  });

  it('refuses a free document without a valid token with UNAUTHENTICATED (a hash still logs in or is refused by the gate)', async () => {
    for (const token of [null, 'afk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const response = await post({ query: '{ __schema { queryType { name } } }' }, token);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    }
    expect(errorCodes(await post({ documentId: sha256(VIEWER) }, null))).toEqual(['UNAUTHENTICATED']);
  });

  it('lets a platform key run a free document', async () => {
    const response = await server.gql<{ organizations: { totalCount: number } }>('{ organizations { totalCount } }');
    expect(response.errors).toBeUndefined();
    expect(response.data?.organizations.totalCount).toBeGreaterThan(0);
  });
});

describe('the manifest', () => {
  it('is read at start, and a file that is not a manifest stops the gateway with one line', () => {
    const config = loadConfig({ FOUNDRY_TRUSTED_DOCUMENTS: manifestPath });
    expect([...(config.trustedDocuments?.keys() ?? [])]).toEqual([sha256(VIEWER), sha256(AGENTS)]);
    expect(loadConfig({}).trustedDocuments).toBeNull();

    const bad = join(dir, 'bad.json');
    for (const [content, reason] of [
      ['not json', /cannot read the manifest/],
      ['["a list"]', /JSON object of hash → document/],
      [JSON.stringify({ abc: 'query {' }), /document abc does not parse/],
    ] as const) {
      writeFileSync(bad, content);
      expect(() => loadConfig({ FOUNDRY_TRUSTED_DOCUMENTS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ FOUNDRY_TRUSTED_DOCUMENTS: bad })).toThrow(reason);
    }
    expect(() => loadConfig({ FOUNDRY_TRUSTED_DOCUMENTS: join(dir, 'missing.json') })).toThrow(/ENOENT/);
  });
});
