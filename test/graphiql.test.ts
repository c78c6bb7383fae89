// GraphiQL served by the gateway itself: the page needs nothing from another origin and carries a CSP that says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_CONTENT_SECURITY_POLICY } from '../src/plugins/use-offline-graphiql';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('the GraphiQL page over HTTP', () => {
  it('carries a Content-Security-Policy that allows only this origin', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(GRAPHIQL_CONTENT_SECURITY_POLICY);
    expect(GRAPHIQL_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(GRAPHIQL_CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    const html = await response.text();
    expect(html).not.toMatch(/(https?:)?\/\/[a-z]/i);
    // Every script is a same-origin file, except the options' JSON data block, which never runs.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1]);
    expect(scripts.every((attributes) => /src="\/graphiql\//.test(attributes ?? '') || attributes === ' type="application/json" id="graphiql-config"')).toBe(true);
  });

  it('serves every asset the page links from /graphiql/, cacheable for good, and nothing else there', async () => {
    const html = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(links).toHaveLength(4);
    for (const link of links) {
      const asset = await fetch(`${server.url}${link}`);
      expect(asset.status, link).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toMatch(/^(text\/css|text\/javascript|image\/x-icon)/);
      await asset.arrayBuffer();
    }
    expect((await fetch(`${server.url}/graphiql/graphiql.0000000000000000.js`)).status).toBe(404);
  });

  it('leaves the JSON answers of the API as they were', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.firstApiKey}` },
      body: JSON.stringify({ query: '{ viewer { principal { kind } } }' }),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(await response.json()).toEqual({ data: { viewer: { principal: { kind: 'API_KEY' } } }, extensions: expect.anything() });
  });
});
