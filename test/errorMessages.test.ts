// Errors never echo what was sent: messages name the field and the rule, not
// the value; no originalError; at most 300 characters; HTTP-level refusals
// answer a JSON GraphQL error with a contract code.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const SECRET = 'hunter2-Sup3rSecret';
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { token } }';

function expectNoEcho(answer: unknown, ...values: string[]) {
  const text = JSON.stringify(answer);
  for (const value of values) expect(text).not.toContain(value);
  expect(text).not.toContain('originalError');
}

describe('variable coercion errors', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['an unknown field beside a password', { email: 'a@b.example', password: SECRET, [`x${SECRET.replace(/-/g, '')}`]: 1 }],
    ['a password of the wrong type', { email: 'a@b.example', password: { secret: SECRET } }],
    ['a missing field', { password: SECRET }],
    ['a null field', { email: null, password: SECRET }],
    ['a number where a string goes', { email: 'a@b.example', password: 12345678987 }],
  ];
  for (const [name, input] of cases) {
    it(`name the variable and the rule, never the value: ${name}`, async () => {
      const answer = await server.gql(LOGIN, { input }, null);
      expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
      expectNoEcho(answer, SECRET, '12345678987');
      expect(answer.errors?.[0]?.message).toMatch(/^Invalid variable value at "(input\.)?\w+": /);
    });
  }

  it('say which field broke which rule', async () => {
    const answer = await server.gql(LOGIN, { input: { email: 'a@b.example', password: 42 } }, null);
    // graphql-jit, which runs mutations, names the field without its path.
    expect(answer.errors?.[0]?.message).toBe('Invalid variable value at "password": not a valid String.');
  });

  it('name the field and the rule of a value hundreds of kilobytes long (read from the end of the message only)', async () => {
    // A 220 KB email address: the rules once scanned every position of its printed value (13 s, the event loop held).
    const email = 'a'.repeat(220_000);
    const answer = await server.gql(
      'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { user { id } } }',
      { input: { organizationId: 'T3JnYW5pemF0aW9uOnF1YW50', email, name: 'n' } },
      server.firstApiKey,
    );
    expect(new Set(errorCodes(answer))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(answer.errors?.map((error) => error.message)).toContain('Invalid variable value at "email": not a valid EmailAddress.');
    expect(JSON.stringify(answer)).not.toContain('aaaaaaaaaa');
  });

  it('do not echo an enum value or a document literal', async () => {
    const enumAnswer = await server.gql('query Q($o: AgentOrder) { agents(orderBy: $o) { totalCount } }', { o: { field: SECRET } });
    expect(errorCodes(enumAnswer)).toEqual(['BAD_USER_INPUT']);
    expectNoEcho(enumAnswer, SECRET);
    const literal = await server.gql(`{ agents(first: "${SECRET}") { totalCount } }`);
    expect(errorCodes(literal)).toEqual(['BAD_USER_INPUT']);
    expectNoEcho(literal, SECRET);
  });
});

describe('every message', () => {
  it('is at most 300 characters', async () => {
    const answer = await server.gql(`{ ${'viewer { principal { kind } } '.repeat(1)} ${'a'.repeat(2_000)} }`);
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    for (const error of answer.errors ?? []) expect(error.message.length).toBeLessThanOrEqual(300);
  });
});

type RawAnswer = { status: number; contentType: string | null; body: { errors?: { message: string; extensions?: { code?: string } }[] } };

async function send(method: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
  const response = await fetch(`${server.url}/graphql`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: JSON.parse(text) as RawAnswer['body'] };
}

describe('HTTP-level refusals', () => {
  it('answer an unsupported content type with 415 and a JSON error', async () => {
    const answer = await send('POST', { 'content-type': 'application/xml' }, '<query/>');
    expect(answer.status).toBe(415);
    expect(answer.contentType).toMatch(/json/);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answer invalid JSON with 400, without echoing it or the parser’s error', async () => {
    const answer = await send('POST', { 'content-type': 'application/json' }, `{"query": "${SECRET}`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expectNoEcho(answer.body, SECRET);
  });

  it('answer another method with 405 and a JSON error', async () => {
    const answer = await send('PUT', { 'content-type': 'application/json' }, '{}');
    expect(answer.status).toBe(405);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answer headers too large with 431 and a JSON error', async () => {
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${server.url}/graphql`, { method: 'GET', headers: { 'x-large': 'a'.repeat(20_000) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.text)).toEqual({
      errors: [{ message: 'Request header fields too large.', extensions: { code: 'BAD_USER_INPUT' } }],
    });
  });
});
