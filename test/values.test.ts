// Strict values over HTTP: real dates only, well-formed and bounded strings, bounded JSON, token
// counts past 32 bits and exact money; every refusal is BAD_USER_INPUT and changes nothing.
import { getNamedType, isInputObjectType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index';
import { MAX_ID_LENGTH, MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_STRING_LENGTH } from '../src/schema/inputRules';
import { expectUnchanged, snapshot } from './helpers/database';
import { gid } from './helpers/fixtures';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './helpers/server';

let server: TestServer;
const quant = gid('Organization', 'quant');
const demo = gid('Domain', 'demo');

beforeAll(async () => {
  server = await startServer();
  // No limits in the way of the big batches below.
  const cleared = await server.gql('mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { monthlyTokenLimit } }', {
    input: { organizationId: quant, monthlyTokenLimit: null, monthlyCostLimitUsd: null },
  });
  expect(cleared.errors, JSON.stringify(cleared.errors)).toBeUndefined();
});
afterAll(() => server.close());

const RECORD =
  'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { totalTokens costUsd records { promptTokens completionTokens totalTokens costUsd createdAt } } }';
const CREATE_AGENT = 'mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id displayName config } } }';
const SET_QUOTA = 'mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { monthlyTokenLimit monthlyCostLimitUsd } }';

const usage = (record: Record<string, unknown>) => ({
  organizationId: quant,
  records: [{ model: 'gpt-4o', promptTokens: 1, completionTokens: 1, ...record }],
});

/** Sends the request and expects one BAD_USER_INPUT, naming the field when asked, and no change to any table. */
async function expectRefused(query: string, variables: Record<string, unknown>, field?: string): Promise<GraphQLResponse> {
  const before = await snapshot(server);
  const response = await server.gql(query, variables);
  expect(errorCodes(response), JSON.stringify(response.errors)?.slice(0, 500)).toEqual(['BAD_USER_INPUT']);
  if (field) expect(response.errors?.[0]?.extensions?.field).toBe(field);
  await expectUnchanged(server, before);
  return response;
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level++) value = { level: value };
  return value;
}

describe('DateTime', () => {
  it('refuses impossible dates instead of rolling them forward', async () => {
    for (const createdAt of ['2026-02-30T00:00:00Z', '2025-02-29T12:00:00.000Z', '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z']) {
      const response = await expectRefused(RECORD, { input: usage({ createdAt }) });
      expect(response.errors?.[0]?.message).toMatch(/createdAt|DateTime/);
    }
  });

  it('refuses an impossible date written in the document too', async () => {
    const before = await snapshot(server);
    const response = await server.gql(
      `mutation { recordLlmUsage(input: { organizationId: "${quant}", records: [{ model: "gpt-4o", promptTokens: 1, completionTokens: 1, createdAt: "2026-02-30T00:00:00Z" }] }) { totalTokens } }`,
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    await expectUnchanged(server, before);
  });

  it('refuses an impossible date in a filter', async () => {
    const response = await server.gql('query ($from: DateTime!) { auditLog(filter: { from: $from }) { totalCount } }', {
      from: '2026-02-30T00:00:00.000Z',
    });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('takes a leap day and an offset, and answers in UTC with milliseconds', async () => {
    const response = await server.gql(RECORD, { input: usage({ createdAt: '2024-02-29T23:30:00+02:00' }) });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data.recordLlmUsage.records[0].createdAt).toBe('2024-02-29T21:30:00.000Z');
  });
});

describe('strings', () => {
  it('refuses a lone surrogate rather than storing a replacement character', async () => {
    await expectRefused(
      CREATE_AGENT,
      { input: { domainId: demo, name: 'lone-surrogate', displayName: 'bad \uD800 name' } },
      'input.displayName',
    );
    await expectRefused(
      CREATE_AGENT,
      { input: { domainId: demo, name: 'lone-low', displayName: 'x', description: '\uDC00' } },
      'input.description',
    );
  });

  it('refuses a lone surrogate in a field without a rule of its own, and in an argument', async () => {
    await expectRefused(
      'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { created } }',
      { input: { organizationId: quant, email: 'surrogate@test.example', role: 'org_viewer\uD83D' } },
      'input.role',
    );
    const response = await server.gql('query ($search: String) { agents(filter: { search: $search }) { totalCount } }', {
      search: 'a\uDFFFb',
    });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('filter.search');
    // An argument of its own, not a field of an input object.
    const bySlug = await server.gql('query ($slug: String!) { organization(slug: $slug) { id } }', { slug: 'quant\uD800' });
    expect(errorCodes(bySlug)).toEqual(['BAD_USER_INPUT']);
    expect(bySlug.errors?.[0]?.extensions?.field).toBe('slug');
  });

  it('keeps a well-formed pair (an emoji) as it was sent', async () => {
    const response = await server.gql(CREATE_AGENT, { input: { domainId: demo, name: 'emoji-agent', displayName: 'Helper 😀' } });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data.createAgent.agent.displayName).toBe('Helper 😀');
  });

  it('refuses strings past their maximum length', async () => {
    await expectRefused(CREATE_AGENT, { input: { domainId: demo, name: 'long-name', displayName: 'x'.repeat(201) } }, 'input.displayName');
    await expectRefused(
      'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { created } }',
      { input: { organizationId: quant, email: 'long@test.example', role: 'r'.repeat(MAX_STRING_LENGTH + 1) } },
      'input.role',
    );
    await expectRefused(
      'mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { monthlyTokenLimit } }',
      { input: { organizationId: 'Q'.repeat(MAX_ID_LENGTH + 1), monthlyTokenLimit: 1 } },
      'input.organizationId',
    );
    const bySlug = await server.gql('query ($slug: String!) { organization(slug: $slug) { id } }', {
      slug: 'q'.repeat(MAX_STRING_LENGTH + 1),
    });
    expect(errorCodes(bySlug)).toEqual(['BAD_USER_INPUT']);
    expect(bySlug.errors?.[0]?.extensions?.field).toBe('slug');
    const page = await server.gql('query ($after: String) { agents(after: $after) { totalCount } }', {
      after: 'c'.repeat(MAX_STRING_LENGTH + 1),
    });
    expect(errorCodes(page)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a malformed email address', async () => {
    await expectRefused('mutation ($input: InviteUserInput!) { inviteUser(input: $input) { created } }', {
      input: { organizationId: quant, email: 'not an email', role: 'org_viewer' },
    });
    await expectRefused('mutation ($input: InviteUserInput!) { inviteUser(input: $input) { created } }', {
      input: { organizationId: quant, email: `${'a'.repeat(250)}@x.io`, role: 'org_viewer' },
    });
  });

  it('gives every String, ID and EmailAddress input of the schema a maximum length', () => {
    const unbounded: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      const inputs = isInputObjectType(type)
        ? Object.values(type.getFields()).map((field) => [`${type.name}.${field.name}`, field] as const)
        : isObjectType(type) && !type.name.startsWith('__')
          ? Object.values(type.getFields()).flatMap((field) =>
              field.args.map((arg) => [`${type.name}.${field.name}(${arg.name})`, arg] as const),
            )
          : [];
      for (const [name, input] of inputs) {
        const kind = getNamedType(input.type).name;
        if (['String', 'ID', 'EmailAddress'].includes(kind) && typeof input.extensions.maxLength !== 'number') unbounded.push(name);
      }
    }
    expect(unbounded).toEqual([]);
  });
});

describe('JSON inputs', () => {
  it(`takes ${MAX_JSON_DEPTH} levels of nesting and refuses ${MAX_JSON_DEPTH + 1}`, async () => {
    const ok = await server.gql(CREATE_AGENT, {
      input: { domainId: demo, name: 'deep-ok', displayName: 'Deep', config: nested(MAX_JSON_DEPTH) },
    });
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
    const response = await expectRefused(
      CREATE_AGENT,
      { input: { domainId: demo, name: 'too-deep', displayName: 'Deep', config: nested(MAX_JSON_DEPTH + 1) } },
      'input.config',
    );
    expect(response.errors?.[0]?.message).toMatch(/deeper than 20/);
  });

  it('refuses JSON nested a hundred thousand levels without reaching an internal error', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const before = await snapshot(server);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.firstApiKey}` },
      body: `{"query": ${JSON.stringify('mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }')}, "variables": {"input": {"agentId": "${gid('Agent', 'agt-001')}", "metadata": ${deep}}}}`,
    });
    const body = (await response.json()) as GraphQLResponse;
    expect(errorCodes({ ...body, status: response.status })).toEqual(['BAD_USER_INPUT']);
    expect(body.errors?.[0]?.extensions?.field).toBe('input.metadata');
    await expectUnchanged(server, before);
  });

  it('refuses a nested literal in the document past the depth', async () => {
    let literal = '{ leaf: true }';
    for (let level = 1; level <= MAX_JSON_DEPTH; level++) literal = `{ level: ${literal} }`;
    const before = await snapshot(server);
    const response = await server.gql(
      `mutation { createAgent(input: { domainId: "${demo}", name: "deep-literal", displayName: "D", config: ${literal} }) { agent { id } } }`,
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('input.config');
    await expectUnchanged(server, before);
  });

  it(`refuses more than ${MAX_JSON_BYTES} bytes, counted as UTF-8`, async () => {
    // 22,000 three-byte characters: under the limit in characters, over it in bytes.
    await expectRefused(
      CREATE_AGENT,
      { input: { domainId: demo, name: 'big-config', displayName: 'Big', config: { text: '€'.repeat(22_000) } } },
      'input.config',
    );
    await expectRefused(
      CREATE_AGENT,
      { input: { domainId: demo, name: 'wide-config', displayName: 'Wide', config: { list: Array.from({ length: 20_000 }, () => 1) } } },
      'input.config',
    );
  });

  it('refuses a lone surrogate inside JSON, in a key or a value', async () => {
    await expectRefused(
      CREATE_AGENT,
      { input: { domainId: demo, name: 'json-value', displayName: 'J', config: { note: 'x\uD800' } } },
      'input.config',
    );
    await expectRefused(
      CREATE_AGENT,
      { input: { domainId: demo, name: 'json-key', displayName: 'J', config: { 'k\uDC00': 1 } } },
      'input.config',
    );
  });

  it('refuses JSON that is not an object where an object is expected', async () => {
    await expectRefused(CREATE_AGENT, { input: { domainId: demo, name: 'json-list', displayName: 'J', config: [1, 2] } });
    await expectRefused(CREATE_AGENT, { input: { domainId: demo, name: 'json-text', displayName: 'J', config: 'text' } });
  });
});

describe('token counts', () => {
  it('accepts counts past 2^31 and answers them exactly', async () => {
    const response = await server.gql(RECORD, {
      input: {
        organizationId: quant,
        records: [
          { model: 'gpt-4o', promptTokens: 3_000_000_000, completionTokens: 2_500_000_001 },
          { model: 'gpt-4o-mini', promptTokens: 9_999_999_999, completionTokens: 0 },
        ],
      },
    });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    const payload = response.data.recordLlmUsage;
    expect(payload.totalTokens).toBe(15_500_000_000);
    expect(payload.records[0]).toMatchObject({ promptTokens: 3_000_000_000, completionTokens: 2_500_000_001, totalTokens: 5_500_000_001 });
    expect(payload.records[1].promptTokens).toBe(9_999_999_999);
  });

  it('refuses what is not a whole non-negative number, whatever its form', async () => {
    for (const promptTokens of [-1, 1.5, '12', 2 ** 53, 1e300]) {
      await expectRefused(RECORD, { input: usage({ promptTokens }) });
    }
    await expectRefused(RECORD, { input: usage({ promptTokens: 10_000_000_001 }) }, 'input.records.0.promptTokens');
  });

  it('keeps a token limit past 2^31 exactly', async () => {
    const response = await server.gql(SET_QUOTA, { input: { organizationId: quant, monthlyTokenLimit: 2 ** 40 + 1 } });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data.setLlmQuota.monthlyTokenLimit).toBe(2 ** 40 + 1);
  });
});

describe('UsdAmount', () => {
  it('round-trips a limit to the last of nine decimals', async () => {
    for (const [sent, answered] of [
      ['123456.123456789', '123456.123456789'],
      ['0.1', '0.100000000'],
      ['250', '250.000000000'],
      ['0', '0.000000000'],
    ]) {
      const response = await server.gql(SET_QUOTA, { input: { organizationId: quant, monthlyCostLimitUsd: sent } });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      expect(response.data.setLlmQuota.monthlyCostLimitUsd).toBe(answered);
    }
  });

  it('takes an amount written in the document', async () => {
    const response = await server.gql(
      `mutation { setLlmQuota(input: { organizationId: "${quant}", monthlyTokenLimit: 1000000000000000, monthlyCostLimitUsd: "999999.5" }) { monthlyTokenLimit monthlyCostLimitUsd } }`,
    );
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data.setLlmQuota).toEqual({ monthlyTokenLimit: 1_000_000_000_000_000, monthlyCostLimitUsd: '999999.500000000' });
  });

  it('refuses malformed amounts', async () => {
    for (const monthlyCostLimitUsd of ['1e3', '-1', '1.1234567891', ' 1', '01', '1,000', '1.', '.5', '', 'NaN', 12.5, 1000000, '1000000']) {
      await expectRefused(SET_QUOTA, { input: { organizationId: quant, monthlyCostLimitUsd } });
    }
  });

  it('answers costs as exact decimal strings', async () => {
    await server.gql(SET_QUOTA, { input: { organizationId: quant, monthlyCostLimitUsd: null } });
    const response = await server.gql(RECORD, { input: usage({ promptTokens: 1, completionTokens: 0 }) });
    // gpt-4o: 2,500,000 nano-USD per 1,000 prompt tokens → 2,500 nano-USD for one.
    expect(response.data.recordLlmUsage.costUsd).toBe('0.000002500');
  });
});
