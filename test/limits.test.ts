// Query limits: a document too deep, with too many aliases or too costly is
// refused with BAD_USER_INPUT before any SQL runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ROWS_PER_REQUEST } from '../src/plugins/use-page-budget';
import { QUERY_LIMITS } from '../src/plugins/use-query-limits';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** organization → agents → edges → node → organization → … nested `levels` times. */
function deep(levels: number): string {
  let inner = 'slug';
  for (let i = 0; i < levels; i++) inner = `slug agents(first: 1) { edges { node { organization { ${inner} } } } }`;
  return `{ organization(slug: "quant") { ${inner} } }`;
}

describe('query limits', () => {
  it('answer a reasonable nested query', async () => {
    const response = await server.gql(deep(3));
    expect(response.errors).toBeUndefined();
  });

  it('refuse a query deeper than the limit without running SQL', async () => {
    const response = await server.gql(deep(QUERY_LIMITS.depth));
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toMatch(/depth/i);
    expect(response.data ?? null).toBeNull();
  });

  it('refuse more aliases than the limit', async () => {
    const fields = Array.from({ length: QUERY_LIMITS.aliases + 1 }, (_, i) => `a${i}: viewer { principal { kind } }`).join(' ');
    const response = await server.gql(`{ ${fields} }`);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toMatch(/alias/i);
  });

  it('refuse a document with more tokens than the limit', async () => {
    const response = await server.gql(`{ viewer { principal { ${'kind '.repeat(QUERY_LIMITS.tokens)} } } }`);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuse nested pages whose sizes multiply past the row budget, counting variables and fragments', async () => {
    const response = await server.gql(
      `query ($n: Int!) { organizations(first: 100) { edges { node { agents(first: $n) { edges { node { ...Deep } } } } } } }
       fragment Deep on Agent { sessions(first: 100) { edges { node { usage(first: 100) { totalCount } } } } }`,
      { n: 100 },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toContain(`the limit is ${MAX_ROWS_PER_REQUEST}`);
  });

  it('answer the same nesting with pages that fit the budget', async () => {
    const response = await server.gql(
      '{ organizations(first: 10) { edges { node { agents(first: 20) { edges { node { sessions(first: 10) { edges { node { usage(first: 10) { totalCount } } } } } } } } } } }',
    );
    expect(response.errors).toBeUndefined();
  });
});
