// The mutation suite's harness: a server with the principals every table uses, `mutate`, and the
// table runner (success with one SUCCESS audit entry; FORBIDDEN with a DENIED one; NOT_FOUND across
// tenants; BAD_USER_INPUT naming the field; and after every failure the whole database as it was).
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEntry, auditMaxId, auditSince, expectOnlyDenied, expectUnchanged, snapshot } from './database';
import { addAgent, gid } from './fixtures';
import { apiKeyFor, loginAs, userWith } from './principals';
import { errorCodes, type GraphQLResponse, startServer, type TestServer } from './server';

export const WHO = '{ viewer { principal { kind id } } }';
export const FUTURE = '2099-01-01T00:00:00.000Z';
export const PAST = '2020-01-01T00:00:00.000Z';
export const BIG = { blob: 'x'.repeat(65 * 1024) }; // just over 64 KiB of JSON
export const quant = gid('Organization', 'quant');
export const cibc = gid('Organization', 'cibc');
export const demo = gid('Domain', 'demo');
export const cardServices = gid('Domain', 'card-services');
export const USER_SELECT = 'created revokedApiKeys user { id email name }';
export const inQuant = () => 'quant';
export const rawId = (globalId: string) => decodeGlobalID(globalId).id;

/** The mutations of each module: every one has its table in test/mutations/<module>.test.ts. */
export const MUTATIONS_BY_MODULE = {
  organizations: ['createOrganization', 'updateOrganization', 'deleteOrganization'],
  domains: ['createDomain', 'updateDomain', 'deleteDomain'],
  instances: ['createInstance', 'updateInstance', 'deleteInstance'],
  agents: ['createAgent', 'updateAgent', 'publishAgent', 'deleteAgent'],
  integrations: ['upsertIntegrationConfig', 'deleteIntegrationConfig'],
  sessions: ['startSession', 'endSession', 'terminateSession'],
  usage: ['recordLlmUsage', 'setLlmQuota', 'setModelPrice'],
  users: ['inviteUser', 'assignRole', 'revokeRole', 'removeMember'],
  apiKeys: ['createApiKey', 'revokeApiKey'],
  webhooks: ['createWebhook', 'deleteWebhook'],
  budgets: ['setBudget', 'deleteBudget'],
} as const;

const TOKENS = ['owner', 'admin', 'viewer', 'support', 'operator', 'apiClient', 'keyIssuer', 'developer'] as const;
export type Who = (typeof TOKENS)[number];

export type Harness = {
  server: TestServer;
  /** The principals, by who they are; every one is used once before any snapshot (a key's first use sets last_used_at). */
  tokens: Record<Who, string>;
  /** The user behind `developer` (org_developer in quant, logged in with a password). */
  developerId: string;
  /** A cibc org_viewer key, out of quant's reach. */
  cibcKeyId: string;
  /** Ids made along the way (global ids unless named raw). */
  ids: Record<string, string>;
  /** An id made by an earlier test. */
  id: (name: string) => string;
};

/** Starts a server for this file's tests (closed after them) with the principals and extra rows the tables use. */
export function mutationHarness(): Harness {
  const h = {
    tokens: Object.fromEntries(TOKENS.map((who) => [who, ''])),
    developerId: '',
    cibcKeyId: '',
    ids: {},
    id(name: string) {
      const value = h.ids[name];
      if (value === undefined) throw new Error(`${name} was not made by an earlier test`);
      return value;
    },
  } as Harness;

  beforeAll(async () => {
    const server = await startServer();
    h.server = server;
    const db = server.services.db;
    // A role that sees every key of its organization (api_key:create:org) but may revoke none: the only way to
    // meet a visible key one may not revoke, since every seeded role that sees a key may also revoke it.
    await db.transaction((tx) =>
      tx.run(
        `INSERT INTO roles (id, name, level, is_system, description, created_at) VALUES ('key_issuer', 'key_issuer', 'org', FALSE, 'issues keys only', :now)`,
        {
          now: new Date().toISOString(),
        },
      ),
    );
    await db.transaction((tx) =>
      tx.run(`INSERT INTO role_permissions (role_id, permission_code) VALUES ('key_issuer', 'api_key:create:org')`),
    );
    // Test-only prices whose per-token cost is fractional, so that rounding shows.
    await db.transaction((tx) =>
      tx.run(
        `INSERT INTO model_price_periods (provider, model, effective_from, prompt_nano_usd_per_1k_tokens,
         cached_prompt_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, reasoning_nano_usd_per_1k_tokens, updated_at)
       VALUES ('testco', 'half-model', '1970-01-01T00:00:00.000Z', 2500, 2500, 1500, 1500, :now),
         ('testco', 'odd-model', '1970-01-01T00:00:00.000Z', 1234567, 1234567, 7, 7, :now)`,
        { now: '2026-01-01T00:00:00.000Z' },
      ),
    );
    await addAgent(server, { id: 'agt-draft', organizationId: 'quant', domainId: 'demo', name: 'draft-agent', status: 'draft' });

    h.tokens.owner = server.firstApiKey;
    h.tokens.admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
    h.tokens.viewer = (await apiKeyFor(server, { org: 'quant', role: 'org_viewer' })).token;
    h.tokens.support = (await apiKeyFor(server, { org: null, role: 'platform_support' })).token;
    h.tokens.operator = (await apiKeyFor(server, { org: 'quant', role: 'org_operator' })).token;
    h.tokens.apiClient = (await apiKeyFor(server, { org: 'quant', role: 'api_client' })).token;
    h.tokens.keyIssuer = (await apiKeyFor(server, { org: 'quant', role: 'key_issuer' })).token;
    h.cibcKeyId = (await apiKeyFor(server, { org: 'cibc', role: 'org_viewer' })).id;
    const developer = await userWith(server, { name: 'Dana Developer', grants: [{ org: 'quant', role: 'org_developer' }] });
    h.developerId = developer.id;
    h.tokens.developer = await loginAs(server, developer.email, developer.password);
    for (const token of Object.values(h.tokens)) {
      const warm = await server.gql(WHO, {}, token);
      if (warm.errors) throw new Error(`a test principal does not authenticate: ${JSON.stringify(warm.errors)}`);
    }
  });
  afterAll(() => h.server.close());
  return h;
}

/** Input types whose names are not <Mutation>Input. */
const INPUT_TYPES: Record<string, string> = {
  deleteAgent: 'AgentIdInput',
  publishAgent: 'AgentIdInput',
  assignRole: 'RoleGrantInput',
  revokeRole: 'RoleGrantInput',
};

export type Input = Record<string, unknown>;

/** Runs `mutation(input: $input) { select }` with the input as a variable. */
export async function mutate(
  server: TestServer,
  mutation: string,
  select: string,
  input: Input,
  token: string,
): Promise<GraphQLResponse<any>> {
  const type = INPUT_TYPES[mutation] ?? `${mutation[0]?.toUpperCase()}${mutation.slice(1)}Input`;
  return server.gql(`mutation ($input: ${type}!) { ${mutation}(input: $input) { ${select} } }`, { input }, token);
}

/** Strings lower-cased all the way down, so that enum values compare whatever case the server stores them in. */
export function lower(value: unknown): unknown {
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map(lower);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, lower(inner)]));
  return value;
}

/** The entry's metadata holds before and after, with at least these values. */
export function expectChange(entry: AuditEntry, before: Record<string, unknown>, after: Record<string, unknown>): void {
  expect(entry.metadata.before, JSON.stringify(entry.metadata)).toBeTypeOf('object');
  expect(entry.metadata.after, JSON.stringify(entry.metadata)).toBeTypeOf('object');
  expect(lower(entry.metadata.before)).toMatchObject(lower(before) as object);
  expect(lower(entry.metadata.after)).toMatchObject(lower(after) as object);
}

type Code = 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT' | 'QUOTA_EXCEEDED';
/**
 * A BAD_USER_INPUT names its `field` when a rule refuses it; when the field's scalar refuses it (`scalar`),
 * GraphQL refuses the variable before any rule runs, and its message names the scalar.
 */
export type Failure = { when: string; as: Who; input: () => Input; code: Code; field?: string; scalar?: string };
export type Case = {
  mutation: string;
  action: string;
  select: string;
  /** Tried first, while the rows they aim at are as seeded. */
  failures: Failure[];
  happy: {
    when: string;
    as: Who;
    input: () => Input;
    /** The organization_id the SUCCESS entry must carry. */
    organization: () => string | null;
    prepare?: () => Promise<void>;
    check: (payload: any, entry: AuditEntry) => void | Promise<void>;
  };
  /** Tried after the happy path (e.g. doing it again). */
  afterwards?: Failure[];
};

async function expectCleanFailure(h: Harness, c: Case, failure: Failure): Promise<void> {
  const before = await snapshot(h.server);
  const response = await mutate(h.server, c.mutation, c.select, failure.input(), h.tokens[failure.as]);
  expect(errorCodes(response), JSON.stringify(response.errors)).toEqual([failure.code]);
  expect(response.data?.[c.mutation] ?? null).toBeNull();
  if (failure.code === 'BAD_USER_INPUT' && failure.scalar !== undefined) {
    expect(response.errors?.[0]?.message).toContain(failure.scalar);
  } else if (failure.code === 'BAD_USER_INPUT') {
    expect(failure.field).toBeDefined();
    expect(response.errors?.[0]?.extensions?.field, JSON.stringify(response.errors)).toBe(failure.field);
  }
  if (failure.code === 'FORBIDDEN') await expectOnlyDenied(h.server, before, c.action);
  else await expectUnchanged(h.server, before);
}

async function expectSuccess(h: Harness, c: Case): Promise<void> {
  await c.happy.prepare?.();
  const from = await auditMaxId(h.server);
  const response = await mutate(h.server, c.mutation, c.select, c.happy.input(), h.tokens[c.happy.as]);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  const payload = response.data?.[c.mutation];
  expect(payload).toBeTruthy();
  const entries = await auditSince(h.server, from);
  expect(entries.map((entry) => [entry.result, entry.action])).toEqual([['success', c.action]]);
  const entry = entries[0] as AuditEntry;
  await c.happy.check(payload, entry);
  expect(entry.organization_id).toBe(c.happy.organization());
}

/**
 * The table's tests, in order (later cases use what earlier ones made): each
 * failure, then the happy path, then what fails afterwards. The table must
 * name exactly the module's mutations.
 */
export function describeMutations(h: Harness, module: keyof typeof MUTATIONS_BY_MODULE, cases: Case[]): void {
  describe(`the ${module} mutations`, () => {
    it('are each in the table', () => {
      expect(cases.map((c) => c.mutation).sort()).toEqual([...MUTATIONS_BY_MODULE[module]].sort());
    });
    for (const c of cases) {
      describe(c.mutation, () => {
        for (const failure of c.failures) {
          it(`answers ${failure.code} when ${failure.when}, changing nothing${failure.code === 'FORBIDDEN' ? ' but a DENIED entry' : ''}`, async () =>
            await expectCleanFailure(h, c, failure));
        }
        it(`succeeds ${c.happy.when}, with exactly one SUCCESS entry (${c.action})`, async () => await expectSuccess(h, c));
        for (const failure of c.afterwards ?? []) {
          it(`then answers ${failure.code} when ${failure.when}, changing nothing`, async () => await expectCleanFailure(h, c, failure));
        }
      });
    }
  });
}
