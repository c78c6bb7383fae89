// The generated-input suite (issue 11, "What it must show", first bullet): documents and variable sets built
// from the introspected schema, giving every argument and input field of every query and mutation valid,
// boundary and hostile values, sent as several roles. Every answer must hold: no INTERNAL_SERVER_ERROR, only
// contract codes, no message over 300 characters, no message that repeats a submitted secret, no
// extensions.originalError, values that must be refused are refused, and a refused write changes no table.
// Reproduce a run with GENERATED_INPUTS_SEED=<seed> (and GENERATED_INPUTS_RUNS=<n> for more or fewer inputs).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isContractCode } from '../src/schema/errors';
import { addOrganization, addWebhook, gid } from './helpers/fixtures';
import { type GeneratedInput, InputGenerator, type Pools, type Principal } from './helpers/generatedInputs';
import { requestBody, type Tag } from './helpers/hostileValues';
import { INTROSPECTION, Schema, type SchemaType } from './helpers/isolationQueries';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { startServer, type TestServer } from './helpers/server';
import { type Checksums, type TableChecksums, tableChecksums } from './helpers/tableChecksums';

const SEED = Number(process.env.GENERATED_INPUTS_SEED ?? 20_260_311);
const RUNS = Number(process.env.GENERATED_INPUTS_RUNS ?? 10_100);
const DOCUMENT_SHARE = 0.05;
const READ_CONCURRENCY = 6;
const MESSAGE_CAP = 300;
/** Values the gateway must refuse wherever they are read (issue 11, "Strict values", and JSON bounds). */
const MUST_REFUSE: Tag[] = ['date:impossible', 'string:lone-surrogate', 'string:huge', 'json:deep'];

type ErrorBody = { message: string; path?: unknown[]; extensions?: Record<string, unknown> };
type Answer = { status: number; body: { data?: Record<string, unknown> | null; errors?: ErrorBody[] } | null; text: string };
type Property = 'internal' | 'unknown-code' | 'long-message' | 'secret-echo' | 'original-error' | 'accepted-invalid' | 'changed-on-refusal';
type Violation = { property: Property; detail: string; error?: ErrorBody };

/**
 * Failure classes known and not yet closed: a violation of one is counted and printed, not failed; anything else
 * fails the run. The classes issue 11 names (cursors, global ids, deep documents, JSON bounds, impossible dates,
 * lone surrogates, string lengths, echoed or uncapped messages) are closed, so none is listed: each now fails
 * the run if it occurs. An entry names its issue bullet and a classifier.
 */
const KNOWN_FAILURES: { name: string; bullet: string; matches: (violation: Violation, input: GeneratedInput) => boolean }[] = [];

let server: TestServer;
let checksums: TableChecksums;
let generator: InputGenerator;
let wellFormed: InputGenerator;
let principals: Principal[];
let pools: Pools;

async function send(input: GeneratedInput): Promise<Answer> {
  const { token } = input.principal;
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: requestBody(input.body),
  });
  const text = await response.text();
  let body: Answer['body'] = null;
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = null;
  }
  return { status: response.status, body, text };
}

function check(input: GeneratedInput, answer: Answer, tokens: string[]): Violation[] {
  const out: Violation[] = [];
  if (answer.status >= 500 || answer.body === null || typeof answer.body !== 'object') {
    out.push({ property: 'internal', detail: `HTTP ${answer.status}: ${answer.text.slice(0, 200)}` });
    return out;
  }
  const secrets = [...input.secrets, ...tokens];
  for (const error of answer.body.errors ?? []) {
    const code = error.extensions?.code;
    const message = String(error.message);
    if (code === 'INTERNAL_SERVER_ERROR') out.push({ property: 'internal', detail: message, error });
    else if (!isContractCode(code)) out.push({ property: 'unknown-code', detail: `${String(code)}: ${message.slice(0, 200)}`, error });
    if (message.length > MESSAGE_CAP)
      out.push({ property: 'long-message', detail: `${message.length} characters: ${message.slice(0, 120)}…`, error });
    const echoed = secrets.find((secret) => message.includes(secret));
    if (echoed) {
      const what = input.secrets.includes(echoed) ? 'input secret' : 'bearer token';
      out.push({ property: 'secret-echo', detail: `${what} repeated: ${message.slice(0, 200)}`, error });
    }
    if (error.extensions && 'originalError' in error.extensions)
      out.push({ property: 'original-error', detail: message.slice(0, 200), error });
  }
  const refused = (answer.body.errors ?? []).length > 0;
  const mustRefuse = MUST_REFUSE.filter((tag) => input.tags.has(tag));
  if (input.root && !refused && mustRefuse.length > 0)
    out.push({ property: 'accepted-invalid', detail: `accepted ${mustRefuse.join(', ')}` });
  return out;
}

/** After a refused write: every table as before, but for DENIED audit entries appended. */
async function changedTables(before: Checksums, auditMaxBefore: number, after: Checksums): Promise<string[]> {
  // A refused login counts in login_failures (the throttle), in the same transaction as its DENIED audit entry.
  const changed = Object.keys({ ...before, ...after }).filter(
    (table) => table !== 'audit_log' && table !== 'login_failures' && before[table] !== after[table],
  );
  if ((await checksums.auditUpTo(auditMaxBefore)) !== before.audit_log) changed.push('audit_log (older entries)');
  if ((await checksums.notDeniedSince(auditMaxBefore)) > 0) changed.push('audit_log (entries other than DENIED)');
  return changed;
}

function introspected(data: { __schema: { queryType: { name: string }; types: SchemaType[] } }): Schema {
  return new Schema(data.__schema.types, data.__schema.queryType.name);
}

beforeAll(async () => {
  // The throttles are tested on their own (test/throttling.test.ts): here they would only cut the run short.
  server = await startServer({
    BCRYPT_COST: '4',
    RATE_LIMIT_UNAUTHENTICATED: 'off',
    LOGIN_FAILURES_PER_EMAIL: '1000',
    LOGIN_FAILURES_PER_ADDRESS: '100000',
  });
  const db = server.services.db;
  await addOrganization(server, 'fuzz-spare');
  for (const org of ['quant', 'cibc']) await addWebhook(server, { id: `fuzz-hook-${org}`, organizationId: org });
  const keys: Record<string, { token: string; id: string }> = {};
  for (const role of ['org_admin', 'org_developer', 'org_viewer', 'api_client'])
    keys[role] = await apiKeyFor(server, { org: 'quant', role });
  const user = await userWith(server, { grants: [{ org: 'quant', role: 'org_developer' }] });
  principals = [
    { role: 'platform_owner', token: server.firstApiKey },
    ...Object.entries(keys).map(([role, key]) => ({ role, token: key.token })),
    { role: 'org_developer (logged in)', token: await loginAs(server, user.email, user.password) },
    { role: 'anonymous', token: null },
  ];

  const ids = new Map<string, string[]>();
  // The rows in the order they were written: SQLite's rowid, PostgreSQL's physical row position.
  const physicalOrder = db.engine === 'postgres' ? 'ctid' : 'rowid';
  const tables: [string, string][] = [
    ['Organization', 'organizations'],
    ['Domain', 'domains'],
    ['Instance', 'instances'],
    ['Agent', 'agents'],
    ['AgentVersion', 'agent_versions'],
    ['Session', 'sessions'],
    ['LlmUsageRecord', 'llm_usage'],
    ['IntegrationConfig', 'integration_configs'],
    ['AuditLogEntry', 'audit_log'],
    ['ApiKey', 'api_keys'],
    ['Webhook', 'webhooks'],
    ['WebhookDelivery', 'webhook_deliveries'],
    ['User', 'users'],
    ['Role', 'roles'],
  ];
  for (const [type, table] of tables) {
    // Own organization's rows first: they are the ones paths and valid values use.
    const rows = await db.all<{ id: string | number }>(
      `SELECT id FROM ${table} ORDER BY ${table === 'organizations' ? "id <> 'quant'," : ''} ${physicalOrder} LIMIT 40`,
    );
    ids.set(
      type,
      rows.map((row) => gid(type, row.id)),
    );
  }
  ids.set('Quota', [gid('Quota', 'quant'), gid('Quota', 'cibc')]);
  ids.set(
    'Permission',
    (await db.all<{ code: string }>('SELECT code FROM permissions LIMIT 10')).map((row) => gid('Permission', row.code)),
  );
  const protectedIds = new Set([
    gid('Organization', 'quant'),
    gid('Organization', 'cibc'),
    gid('User', user.id),
    ...Object.values(keys).map((key) => gid('ApiKey', key.id)),
  ]);
  pools = {
    ids,
    cursors: new Map(),
    roles: (await db.all<{ id: string }>('SELECT id FROM roles')).map((row) => row.id),
    permissions: (await db.all<{ code: string }>('SELECT code FROM permissions')).map((row) => row.code),
    slugs: ['quant', 'cibc', 'fuzz-spare', 'no-such-org'],
    emails: (await db.all<{ email: string }>('SELECT email FROM users LIMIT 5')).map((row) => row.email),
    protectedIds,
  };

  const response = await server.gql(INTROSPECTION);
  const schema = introspected(response.data as never);
  generator = new InputGenerator(schema, pools);
  // Half the inputs mostly well formed, so that writes also succeed and the state moves between refusals.
  wellFormed = new InputGenerator(schema, pools, 25);
  for (const target of generator.targets()) {
    const query = generator.cursorQuery(target);
    if (!query) continue;
    const answer = await server.gql(query);
    const cursors = JSON.stringify(answer.data ?? {}).match(/"cursor":"[^"]+"/g) ?? [];
    pools.cursors.set(`${target.type}.${target.field.name}`, [...new Set(cursors.map((text) => text.slice(10, -1)))]);
  }
  // Every principal once before the first checksum: a key's first use sets last_used_at.
  for (const principal of principals) await server.gql('{ viewer { __typename } }', {}, principal.token);
  checksums = await tableChecksums(server);
}, 120_000);
afterAll(async () => {
  await checksums.close();
  await server.close();
});

describe('generated inputs', () => {
  it('never reach an internal error, echo a secret, pass the message cap or change a table when refused', async () => {
    const started = Date.now();
    const targets = generator.targets();
    const perTarget = Math.ceil((RUNS * (1 - DOCUMENT_SHARE)) / targets.length);
    const inputs: GeneratedInput[] = [];
    targets.forEach((target, index) => {
      inputs.push(...fc.sample(generator.forTarget(target, principals), { seed: SEED + index, numRuns: Math.ceil(perTarget / 2) }));
      inputs.push(...fc.sample(wellFormed.forTarget(target, principals), { seed: SEED + 1000 + index, numRuns: Math.ceil(perTarget / 2) }));
    });
    inputs.push(...fc.sample(generator.documents(principals), { seed: SEED - 1, numRuns: Math.ceil(RUNS * DOCUMENT_SHARE) }));
    const covered = new Set(inputs.map((input) => input.target));
    // The generation above holds this process's event loop (the server's as well) for seconds, past the server's
    // keep-alive timeout of 5 s. The first requests after it would go out on idle connections whose timeouts had
    // expired unseen, and the server would close them on its next turn: "fetch failed, ECONNRESET" under load.
    // A pause lets the server close them and fetch see it first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const tokens = principals.flatMap((principal) => (principal.token ? [principal.token] : []));

    const found: { violation: Violation; input: GeneratedInput }[] = [];
    const note = (input: GeneratedInput, violations: Violation[]) => {
      for (const violation of violations) found.push({ violation, input });
    };
    // Reads change no table, so they run concurrently beside the writes; writes run one at a time, each
    // between two checksums (the one after the previous write is the one before the next).
    const reads = inputs.filter((input) => !input.mutation);
    const writes = inputs.filter((input) => input.mutation);
    // Round robin over the mutations, so that each meets the state the others leave.
    const position = new Map(inputs.map((input, index) => [input, index % 97]));
    writes.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    let refusedWrites = 0;
    let next = 0;
    const readers = Array.from({ length: READ_CONCURRENCY }, async () => {
      while (next < reads.length) {
        const input = reads[next++] as GeneratedInput;
        note(input, check(input, await send(input), tokens));
      }
    });
    const writer = async () => {
      let before = await checksums.all();
      for (const input of writes) {
        const auditMaxBefore = await checksums.auditMaxId();
        const answer = await send(input);
        const violations = check(input, answer, tokens);
        const after = await checksums.all();
        const data = answer.body?.data;
        const refused =
          (answer.body?.errors ?? []).length > 0 &&
          (data === null || data === undefined || data.result === null || data.result === undefined);
        if (refused) {
          refusedWrites++;
          const changed = await changedTables(before, auditMaxBefore, after);
          if (changed.length > 0) violations.push({ property: 'changed-on-refusal', detail: `changed: ${changed.join(', ')}` });
        }
        note(input, violations);
        before = after;
      }
    };
    await Promise.all([...readers, writer()]);

    const known = new Map(KNOWN_FAILURES.map((entry) => [entry.name, 0]));
    const unexpected: { violation: Violation; input: GeneratedInput }[] = [];
    for (const item of found) {
      const entry = KNOWN_FAILURES.find((candidate) => candidate.matches(item.violation, item.input));
      if (entry) known.set(entry.name, (known.get(entry.name) ?? 0) + 1);
      else unexpected.push(item);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      [
        `generated inputs: ${inputs.length} tried (${reads.length} reads, ${writes.length} writes of which ${refusedWrites} refused) over ${covered.size} targets (${generator.coordinates().size} arguments and input fields), as ${principals.length} principals, seed ${SEED}, in ${seconds} s`,
        'known failure classes (issue 11, being fixed on other branches):',
        ...[...known].map(([name, hits]) => `  ${String(hits).padStart(5)}  ${name}`),
        `unexpected: ${unexpected.length}${unexpected.length ? ` (${[...new Set(unexpected.map(({ violation }) => violation.property))].join(', ')})` : ''}`,
      ].join('\n'),
    );
    const examples = unexpected.slice(0, 40).map(({ violation, input }) => ({
      property: violation.property,
      detail: violation.detail,
      target: input.target,
      role: input.principal.role,
      tags: [...input.tags],
      query: input.body.query.slice(0, 300),
      variables: JSON.stringify(input.body.variables ?? null)?.slice(0, 300),
    }));
    expect(examples).toEqual([]);
    expect(inputs.length).toBeGreaterThanOrEqual(10_000);
    expect(covered.size).toBe(targets.length + 1);
    const given = new Set(inputs.flatMap((input) => input.covers));
    expect([...generator.coordinates()].filter((coordinate) => !given.has(coordinate))).toEqual([]);
  }, 600_000);
});
