// The rules of each recordLlmUsage record, checked in one pass over the batch: every rule gives the message and
// the field path it names (the record's index within the batch), and a refused batch records nothing.

import { type GraphQLInputObjectType, getNamedType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema';
import { MAX_ID_LENGTH } from '../src/schema/inputRules';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  // No budget: the batch at the limits would pass quant's monthly one.
  await server.services.db.transaction((tx) => tx.run('DELETE FROM budgets'));
});
afterAll(() => server.close());

const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }';
const quant = Buffer.from('Organization:quant').toString('base64');
const good = { model: 'gpt-4o', promptTokens: 1, completionTokens: 1 };

async function refusal(records: unknown[]): Promise<{ code?: string; message?: string; field?: unknown }> {
  const before = await server.services.db.get<{ n: number }>('SELECT count(*) AS n FROM llm_usage');
  const answer = await server.gql(RECORD, { input: { organizationId: quant, records } });
  const after = await server.services.db.get<{ n: number }>('SELECT count(*) AS n FROM llm_usage');
  expect(after?.n).toBe(before?.n);
  const error = answer.errors?.[0];
  return { code: error?.extensions?.code, message: error?.message, field: error?.extensions?.field };
}

const CASES: [string, Record<string, unknown>, string, string][] = [
  ['an empty model', { model: '' }, 'model', 'must not be empty'],
  ['a model of 201 characters', { model: 'm'.repeat(201) }, 'model', 'must be at most 200 characters'],
  ['a model with NUL', { model: 'gpt\u00004o' }, 'model', 'must not contain the NUL character (U+0000)'],
  ['a model with a lone surrogate', { model: 'gpt\uD800' }, 'model', 'must not contain unpaired UTF-16 surrogates (malformed Unicode)'],
  ['too many prompt tokens', { promptTokens: 10_000_000_001 }, 'promptTokens', 'must be at most 10000000000 (ten billion)'],
  [
    'too many cached prompt tokens',
    { cachedPromptTokens: 10_000_000_001 },
    'cachedPromptTokens',
    'must be at most 10000000000 (ten billion)',
  ],
  ['too many completion tokens', { completionTokens: 10_000_000_001 }, 'completionTokens', 'must be at most 10000000000 (ten billion)'],
  ['too many reasoning tokens', { reasoningTokens: 10_000_000_001 }, 'reasoningTokens', 'must be at most 10000000000 (ten billion)'],
  ['a negative latency', { latencyMs: -1 }, 'latencyMs', 'must not be negative'],
  ['a latency past a day', { latencyMs: 86_400_001 }, 'latencyMs', 'is too large'],
  ['a reported cost of a million USD', { costUsd: '1000000' }, 'costUsd', 'must be below 1000000 USD'],
  ['an agent id past the longest id', { agentId: 'a'.repeat(MAX_ID_LENGTH + 1) }, 'agentId', `must be at most ${MAX_ID_LENGTH} characters`],
  ['a session id with NUL', { sessionId: 's\u0000' }, 'sessionId', 'must not contain the NUL character (U+0000)'],
];

describe('a recordLlmUsage record', () => {
  for (const [what, change, field, message] of CASES) {
    it(`is refused for ${what}, named by its index`, async () => {
      const refused = await refusal([good, good, { ...good, ...change }]);
      expect(refused).toEqual({
        code: 'BAD_USER_INPUT',
        message: `input.records.2.${field}: ${message}`,
        field: `input.records.2.${field}`,
      });
    });
  }

  it('is accepted at each limit', async () => {
    const answer = await server.gql(RECORD, {
      input: {
        organizationId: quant,
        records: [{ ...good, model: 'gpt-4o', promptTokens: 10_000_000_000, latencyMs: 86_400_000, costUsd: '999999.999999999' }],
      },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ recordLlmUsage: { count: 1 } });
  });

  // LlmUsageInput is checkedByList: inputRules leaves its fields to the list's rule, so that rule must cover every
  // String and ID field the input has, now and when one is added.
  it('is refused for NUL in any of its String and ID fields, each named', async () => {
    const input = schema.getType('LlmUsageInput') as GraphQLInputObjectType;
    const textFields = Object.values(input.getFields()).filter((field) => ['String', 'ID'].includes(getNamedType(field.type).name));
    expect(textFields.map((field) => field.name)).toContain('model');
    for (const field of textFields) {
      const refused = await refusal([good, { ...good, [field.name]: 'x\u0000' }]);
      expect(refused, field.name).toEqual({
        code: 'BAD_USER_INPUT',
        message: `input.records.1.${field.name}: must not contain the NUL character (U+0000)`,
        field: `input.records.1.${field.name}`,
      });
    }
  });

  it('names the first bad record of a batch with several', async () => {
    const refused = await refusal([good, { ...good, latencyMs: -1 }, { ...good, model: '' }]);
    expect(refused.field).toBe('input.records.1.latencyMs');
  });
});

describe('a recordLlmUsage batch', () => {
  it('is refused empty and past 1,000 records', async () => {
    expect(await refusal([])).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'input.records: give at least one record',
      field: 'input.records',
    });
    expect(await refusal(Array.from({ length: 1001 }, () => good))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'input.records: at most 1000 records per batch',
      field: 'input.records',
    });
  });
});
