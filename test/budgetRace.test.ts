// 1,000 recordLlmUsage requests from two gateway processes on one database, racing for one agent budget: the budget
// is never passed, exactly the requests that fit are taken (serialized, each sees the use of those before it), and
// a refused request records nothing. On SQLite the two processes are the workers of FOUNDRY_WORKERS=2 on one file
// (its one writer serializes them); on PostgreSQL two gateways on one schema, where lockQuota must.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/db/store';
import { gid } from './helpers/fixtures';
import { type Answer, type Gateway, openDatabase, post, startGateway } from './helpers/gateway';
import { onPostgres } from './helpers/postgres';

const REQUESTS = 1000;
const TOKENS = 10;
/** Exactly FITTING requests fit; the limit is not a multiple of a request, so the last one taken leaves room for none. */
const FITTING = 250;
const LIMIT = FITTING * TOKENS + TOKENS / 2;
const AGENT = 'agt-001';
/** A day of its own: nothing seeded falls in it. */
const AT = '2021-06-15T12:00:00.000Z';
const CONCURRENCY = 32;

const RECORD = `mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { records { id } } }`;
type Recorded = { recordLlmUsage: { records: { id: string }[] } | null };
type Refusal = { extensions?: { code?: string; budget?: { level: string; id: string } } };

describe('recordLlmUsage from two gateway processes racing for one budget', () => {
  let dir: string;
  const gateways: Gateway[] = [];
  let db: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foundry-budget-race-'));
    const path = join(dir, 'foundry.db');
    if (onPostgres) {
      // The first migrates and seeds, the second finds it done.
      gateways.push(await startGateway(path));
      gateways.push(await startGateway(path));
    } else {
      gateways.push(await startGateway(path, { FOUNDRY_WORKERS: '2' }));
    }
    db = await openDatabase(path);
  }, 120_000);
  afterAll(async () => {
    for (const gateway of gateways) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`takes exactly the ${FITTING} of ${REQUESTS} requests that fit, and the ${REQUESTS - FITTING} refused record nothing`, async () => {
    const key = gateways[0]?.firstApiKey as string;
    expect(key, `the first gateway's stderr: ${gateways[0]?.stderr()}`).toBeTruthy();
    const urls = gateways.map((gateway) => gateway.url);
    const set = await post<{ setBudget: { budget: { id: string } } }>(
      urls[0] as string,
      'mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }',
      { input: { agentId: gid('Agent', AGENT), period: 'DAY', tokenLimit: LIMIT } },
      key,
    );
    expect(set.errors).toBeUndefined();
    const budgetId = set.data?.setBudget.budget.id;

    const input = {
      organizationId: gid('Organization', 'quant'),
      records: [{ model: 'gpt-4o-mini', promptTokens: TOKENS, completionTokens: 0, agentId: gid('Agent', AGENT), createdAt: AT }],
    };
    const answers: Answer<Recorded>[] = [];
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const index = next++;
          answers.push(await post<Recorded>(urls[index % urls.length] as string, RECORD, { input }, key));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(answers).toHaveLength(REQUESTS);
    // Both processes answered (the cluster's workers name themselves; two gateways are two processes by making).
    if (!onPostgres) expect(new Set(answers.map((answer) => answer.worker)).size).toBe(2);

    const taken = answers.filter((answer) => answer.data?.recordLlmUsage);
    const refused = answers.filter((answer) => !answer.data?.recordLlmUsage);
    expect(taken).toHaveLength(FITTING);
    for (const answer of taken) expect(answer.errors).toBeUndefined();
    for (const answer of refused) {
      const errors = answer.errors as Refusal[];
      expect(errors.map((error) => error.extensions?.code)).toEqual(['QUOTA_EXCEEDED']);
      expect(errors[0]?.extensions?.budget).toMatchObject({ level: 'AGENT', id: budgetId });
    }

    // What is stored is exactly what was taken: the refused left no record and no rollup.
    const ids = taken.flatMap((answer) => answer.data?.recordLlmUsage?.records.map((record) => record.id) ?? []).sort();
    const stored = await db.all<{ id: string }>('SELECT id FROM llm_usage WHERE agent_id = :agent AND created_at = :at ORDER BY id', {
      agent: AGENT,
      at: AT,
    });
    expect(stored.map((row) => gid('LlmUsageRecord', row.id)).sort()).toEqual(ids);
    const rollup = await db.get<{ tokens: number; requests: number }>(
      "SELECT sum(total_tokens) AS tokens, sum(requests) AS requests FROM llm_usage_daily WHERE agent_id = :agent AND day = '2021-06-15'",
      { agent: AGENT },
    );
    expect(rollup).toEqual({ tokens: FITTING * TOKENS, requests: FITTING });
    expect(FITTING * TOKENS).toBeLessThanOrEqual(LIMIT);
    console.info(
      `budget race: ${REQUESTS} requests through ${gateways.length === 1 ? 'two workers' : 'two gateways'} in ${seconds.toFixed(1)} s`,
    );
  }, 120_000);
});
