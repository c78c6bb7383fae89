// Concurrent recordLlmUsage batches against a tight monthly quota: the quota is never passed, every accepted batch is
// stored whole and every refused one not at all, and the organization's audit chain still verifies. On SQLite the
// one writer serializes the batches; on PostgreSQL transactions run concurrently, in one gateway process and in two
// on the same database, and a per-organization lock (lockQuota in src/modules/usage/repo.ts) must do it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/db/postgres/store';
import type { Reader } from '../src/db/store';
import { verifyAuditChains } from '../src/modules/auditLog/repo';
import { addOrganization, gid } from './helpers/fixtures';
import { type Gateway, post, startGateway } from './helpers/gateway';
import { createGatewayDatabase, onPostgres } from './helpers/postgres';
import { startServer, type TestServer } from './helpers/server';

const ORG = 'race';
/** Tokens of one batch (two records), and the limit: exactly ACCEPTED batches fit, the next one would pass it. */
const BATCH_TOKENS = 100;
const ACCEPTED = 10;
const LIMIT = ACCEPTED * BATCH_TOKENS + BATCH_TOKENS / 2;
const BATCHES = 40;

const RECORD = `mutation ($input: RecordLlmUsageInput!) {
  recordLlmUsage(input: $input) { count totalTokens records { id } } }`;
const SET_QUOTA = `mutation ($input: SetLlmQuotaInput!) {
  setLlmQuota(input: $input) { monthlyTokenLimit } }`;

type Recorded = { recordLlmUsage: { count: number; totalTokens: number; records: { id: string }[] } | null };
type Answer = { data?: Recorded | null; errors?: { extensions?: { code?: string } }[] };

const batch = (index: number) => ({
  input: {
    organizationId: gid('Organization', ORG),
    records: [
      { model: 'gpt-4o', promptTokens: 30 + (index % 7), completionTokens: 20 - (index % 7) },
      { model: 'gpt-4o-mini', promptTokens: 25, completionTokens: 25 },
    ],
  },
});

/** Fires every batch at once through `send` and checks what the database holds afterwards. */
async function race(db: Reader, send: (index: number) => Promise<Answer>): Promise<void> {
  const answers = await Promise.all(Array.from({ length: BATCHES }, (_, index) => send(index)));
  const accepted = answers.filter((answer) => answer.data?.recordLlmUsage);
  const refused = answers.filter((answer) => !answer.data?.recordLlmUsage);
  for (const answer of refused) expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['QUOTA_EXCEEDED']);
  for (const answer of accepted) expect(answer.errors).toBeUndefined();
  // Serialized, each batch sees the use of those before it: exactly ACCEPTED fit, whatever the order.
  expect(accepted).toHaveLength(ACCEPTED);
  expect(accepted.reduce((sum, answer) => sum + (answer.data?.recordLlmUsage?.totalTokens ?? 0), 0)).toBe(ACCEPTED * BATCH_TOKENS);

  // Every accepted record is stored, and nothing else: a refused batch left no record and no rollup.
  const ids = accepted.flatMap((answer) => answer.data?.recordLlmUsage?.records.map((record) => record.id) ?? []);
  const stored = await db.all<{ id: string; tokens: number }>(
    `SELECT id, total_tokens AS tokens FROM llm_usage WHERE organization_id = :org ORDER BY id`,
    { org: ORG },
  );
  expect(stored).toHaveLength(ids.length);
  expect(stored.reduce((sum, row) => sum + row.tokens, 0)).toBe(ACCEPTED * BATCH_TOKENS);
  const rollup = await db.get<{ tokens: number; requests: number }>(
    'SELECT sum(total_tokens) AS tokens, sum(requests) AS requests FROM llm_usage_model_daily WHERE organization_id = :org',
    { org: ORG },
  );
  expect(rollup).toEqual({ tokens: ACCEPTED * BATCH_TOKENS, requests: ids.length });

  // One audit entry per accepted batch, on one unbroken chain.
  const entries = await db.get<{ n: number }>(
    "SELECT count(*) AS n FROM audit_log WHERE organization_id = :org AND action = 'llm_usage.record'",
    { org: ORG },
  );
  expect(entries?.n).toBe(ACCEPTED);
  const report = await verifyAuditChains(db, ORG);
  expect(report.broken).toBeNull();
  expect(report.entries).toBe(ACCEPTED + 1);
}

describe('recordLlmUsage racing for a tight quota', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await addOrganization(server, ORG);
  });
  afterAll(() => server.close());

  it('in one gateway: never passes the quota, loses no write and keeps the audit chain whole', async () => {
    const quota = await server.gql(SET_QUOTA, { input: { organizationId: gid('Organization', ORG), monthlyTokenLimit: LIMIT } });
    expect(quota.errors).toBeUndefined();
    await race(server.services.db, (index) => server.gql(RECORD, batch(index)));
    const used = await server.gql<{ organization: { quota: { tokensUsed: number; tokensRemaining: number } } }>(
      `{ organization(slug: "${ORG}") { quota { tokensUsed tokensRemaining } } }`,
    );
    expect(used.data?.organization.quota).toEqual({
      tokensUsed: ACCEPTED * BATCH_TOKENS,
      tokensRemaining: LIMIT - ACCEPTED * BATCH_TOKENS,
    });
  });
});

// Two gateway processes share the database only on PostgreSQL (a SQLite file is held by one gateway).
describe.runIf(onPostgres)('recordLlmUsage racing for a tight quota across two gateway processes', () => {
  let dir: string;
  let database: Awaited<ReturnType<typeof createGatewayDatabase>>;
  let store: PostgresStore;
  const gateways: Gateway[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foundry-race-'));
    database = await createGatewayDatabase();
    // Both processes share the key file beside DATABASE_PATH; the first migrates and seeds, the second finds it done.
    const env = { DATABASE_URL: database.databaseUrl };
    gateways.push(await startGateway(join(dir, 'foundry.db'), env));
    gateways.push(await startGateway(join(dir, 'foundry.db'), env));
    store = new PostgresStore(database.databaseUrl);
    await store.transaction((tx) => addOrganization(tx, ORG));
  }, 120_000);
  afterAll(async () => {
    for (const gateway of gateways) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await store?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never passes the quota, loses no write and keeps the audit chain whole', async () => {
    const [first, second] = gateways as [Gateway, Gateway];
    const key = first.firstApiKey;
    expect(key).toBeTruthy();
    const quota = await post(first.url, SET_QUOTA, { input: { organizationId: gid('Organization', ORG), monthlyTokenLimit: LIMIT } }, key);
    expect(quota.errors).toBeUndefined();
    // Half the batches through each process, interleaved.
    await race(store, (index) => post<Recorded>(index % 2 ? second.url : first.url, RECORD, batch(index), key));
  });
});
