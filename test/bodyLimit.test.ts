// Request bodies over MAX_REQUEST_BODY_BYTES are refused with 413 and a JSON error, whether their size is announced
// (Content-Length) or only known as they stream (chunked); smaller ones are served.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ MAX_REQUEST_BODY_BYTES: '2048' });
});
afterAll(() => server.close());

type Answer = { status: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };

/** POSTs `body` to /graphql, announced with Content-Length or sent chunked. */
function post(body: string, framing: 'length' | 'chunked'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', authorization: `Bearer ${server.firstApiKey}` };
    if (framing === 'length') headers['content-length'] = Buffer.byteLength(body);
    else headers['transfer-encoding'] = 'chunked';
    const req = request(`${server.url}/graphql`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('error', reject);
    if (framing === 'chunked') {
      // Several chunks, so that the limit is crossed while the body streams.
      for (let i = 0; i < body.length; i += 512) req.write(body.slice(i, i + 512));
    } else {
      req.write(body);
    }
    req.end();
  });
}

const small = JSON.stringify({ query: '{ viewer { principal { kind } } }' });
const large = JSON.stringify({ query: `{ viewer { principal { kind } } } # ${'x'.repeat(4000)}` });

describe('the request body limit', () => {
  for (const framing of ['length', 'chunked'] as const) {
    it(`serves a body under the limit (${framing})`, async () => {
      const answer = await post(small, framing);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ viewer: { principal: { kind: 'API_KEY' } } });
      expect(answer.body.errors).toBeUndefined();
    });

    it(`refuses a body over the limit with 413 and a JSON error (${framing})`, async () => {
      const answer = await post(large, framing);
      expect(answer.status).toBe(413);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors?.[0]?.message).toBe('Request body too large');
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  }
});
