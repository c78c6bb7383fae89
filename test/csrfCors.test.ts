// CSRF prevention and CORS: a request a browser could send cross-origin without
// a preflight needs a header it cannot set; CORS answers no origin unless
// CORS_ORIGINS names it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { gid } from './helpers/fixtures';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
let open: TestServer;
beforeAll(async () => {
  [server, open] = await Promise.all([startServer(), startServer({ CORS_ORIGINS: 'https://app.example, http://localhost:5173' })]);
});
afterAll(async () => {
  await Promise.all([server.close(), open.close()]);
});

const QUERY = encodeURIComponent('{ __typename }');

async function answer(response: Response) {
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
}

describe('CSRF prevention', () => {
  it('refuses a GET without a CSRF header with 403 FORBIDDEN', async () => {
    const { status, body } = await answer(await fetch(`${server.url}/graphql?query=${QUERY}`, { headers: { accept: 'application/json' } }));
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('serves a GET with the x-graphql-yoga-csrf header or an Authorization header', async () => {
    const csrfHeaders: Record<string, string>[] = [{ 'x-graphql-yoga-csrf': '1' }, { authorization: `Bearer ${server.firstApiKey}` }];
    for (const headers of csrfHeaders) {
      const { status, body } = await answer(
        await fetch(`${server.url}/graphql?query=${QUERY}`, { headers: { accept: 'application/json', ...headers } }),
      );
      expect(status).toBe(200);
      expect(body.data).toEqual({ __typename: 'Query' });
    }
  });

  it('refuses a form or text/plain POST without a CSRF header, and serves a JSON POST', async () => {
    for (const [type, payload] of [
      ['application/x-www-form-urlencoded', `query=${QUERY}`],
      ['text/plain', JSON.stringify({ query: '{ __typename }' })],
    ] as const) {
      const { status, body } = await answer(
        await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body: payload }),
      );
      expect(status, type).toBe(403);
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const json = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect((await answer(json)).body.data).toEqual({ __typename: 'Query' });
  });

  it('lets a subscription over SSE by GET through with its Authorization header', async () => {
    const query = encodeURIComponent(`subscription { auditLogEntryAdded(organizationId: "${gid('Organization', 'quant')}") { id } }`);
    const controller = new AbortController();
    const response = await fetch(`${server.url}/graphql?query=${query}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${server.firstApiKey}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    controller.abort();
  });
});

describe('CORS', () => {
  const preflight = (target: TestServer, origin: string) =>
    fetch(`${target.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });

  it('answers no origin by default', async () => {
    const response = await preflight(server, 'https://app.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the origins CORS_ORIGINS names, without credentials', async () => {
    for (const origin of ['https://app.example', 'http://localhost:5173']) {
      const response = await preflight(open, origin);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('answers no other origin when CORS_ORIGINS is set', async () => {
    const response = await preflight(open, 'https://evil.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a CORS_ORIGINS entry that is not an origin at start', () => {
    for (const value of ['https://app.example/path', '*', 'app.example', 'ftp://files.example']) {
      expect(() => loadConfig({ CORS_ORIGINS: value }), value).toThrow(ConfigError);
    }
  });
});
