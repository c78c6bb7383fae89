// Benchmarks, run with `npm run bench` (never part of `npm test`): starts the
// real gateway on 127.0.0.1 on a temp SQLite file, and then on a throwaway
// PostgreSQL schema when BENCH_DATABASE_URL (or TEST_DATABASE_URL) names a
// server, measures the same figures on each, prints them side by side, and stops.
// `npm run bench -- load` runs the load benchmark instead (bench/load/run.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import pino from 'pino';
import { bootstrap } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { createScratchSchema } from '../src/db/postgres/scratch';
import type { Engine } from '../src/db/store';
import { prepareApiKey, storeApiKey } from '../src/modules/apiKeys/issue';
import { createGraphQLHandler } from '../src/server';

type Timed = { ms: number; body: { data?: unknown; errors?: unknown; extensions?: { sql?: { statements: number } } } };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** One engine's figures by name, for the side-by-side table: milliseconds at p50 and p95, or records per second. */
type Figures = Map<string, { p50: number; p95: number } | { perSecond: number }>;

function row(figures: Figures, name: string, values: number[], extra = ''): string {
  const sorted = [...values].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  figures.set(name, { p50, p95 });
  return `${name.padEnd(40)} n=${String(values.length).padStart(4)}  p50=${p50.toFixed(2)} ms  p95=${p95.toFixed(2)} ms${extra}`;
}

async function main(): Promise<void> {
  const runs: [Engine, Figures][] = [['sqlite', await runOn('sqlite', null)]];
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const scratch = await createScratchSchema(adminUrl, 'foundry_bench');
    try {
      runs.push(['postgres', await runOn('postgres', scratch.databaseUrl)]);
    } finally {
      await scratch.drop();
    }
  } else {
    process.stdout.write('PostgreSQL: not run (set BENCH_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)\n');
  }
  if (runs.length > 1) printSideBySide(runs);
}

/** The figures of each engine in one table, with PostgreSQL's over SQLite's (below 1: PostgreSQL is faster). */
function printSideBySide(runs: [Engine, Figures][]): void {
  const [[, sqlite], [, postgres]] = runs as [[Engine, Figures], [Engine, Figures]];
  const lines = [
    'side by side (p50 ms, or records/s)',
    `${''.padEnd(40)} ${'sqlite'.padStart(10)} ${'postgres'.padStart(10)}  postgres/sqlite`,
  ];
  for (const [name, mine] of sqlite) {
    const theirs = postgres.get(name);
    if (!theirs) continue;
    const a = 'perSecond' in mine ? mine.perSecond : mine.p50;
    const b = 'perSecond' in theirs ? theirs.perSecond : theirs.p50;
    lines.push(`${name.padEnd(40)} ${a.toFixed(2).padStart(10)} ${b.toFixed(2).padStart(10)}  ${(b / a).toFixed(2)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runOn(engine: Engine, databaseUrl: string | null): Promise<Figures> {
  const figures: Figures = new Map();
  process.stdout.write(`=== ${engine}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'foundry-bench-'));
  const config = loadConfig({
    ...process.env,
    DATABASE_PATH: join(dir, 'bench.db'),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: undefined }),
    LOG_LEVEL: 'silent',
    FOUNDRY_SQL_STATS: '1',
  });
  const { services, firstApiKey } = await bootstrap(config, pino({ level: 'silent' }));
  const handle = createGraphQLHandler(services);
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const token = firstApiKey as string;

  async function timed(query: string, variables: Record<string, unknown> = {}, as = token): Promise<Timed> {
    const start = process.hrtime.bigint();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Timed['body'];
    if (!body.data || body.errors) throw new Error(`request failed: ${JSON.stringify(body.errors)}`);
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, body };
  }

  try {
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
    const keyId = (await services.db.get<{ id: string }>('SELECT id FROM api_keys LIMIT 1'))?.id ?? '';

    // 1. Authentication: the first request with a key pays bcrypt; later ones resolve from the principal cache.
    const uncached: number[] = [];
    const cached: number[] = [];
    for (let round = 0; round < rounds; round++) {
      services.keyCache.forgetKey(keyId);
      services.principals.clear();
      uncached.push((await timed('{ viewer { principal { kind } } }')).ms);
      for (let i = 0; i < 25; i++) cached.push((await timed('{ viewer { principal { kind } } }')).ms);
    }
    process.stdout.write(
      `auth (bcrypt cost ${config.bcryptCost})\n${row(figures, 'first request (bcrypt verify)', uncached)}\n${row(figures, 'cached key', cached)}\n\n`,
    );

    // 2. Writes: 50 agents, 5 sessions each, a 1,000-record usage batch per agent.
    const domainId = encodeGlobalID('Domain', 'demo');
    const agentIds: string[] = [];
    const creates: number[] = [];
    for (let i = 0; i < 50; i++) {
      const result = await timed('mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } } }', {
        input: { domainId, name: `bench-agent-${i}`, displayName: `Bench ${i}`, status: 'ACTIVE', tags: ['bench'] },
      });
      creates.push(result.ms);
      agentIds.push((result.body.data as { createAgent: { agent: { id: string } } }).createAgent.agent.id);
    }
    const starts: number[] = [];
    for (const agentId of agentIds) {
      for (let s = 0; s < 5; s++) {
        starts.push(
          (await timed('mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }', { input: { agentId } }))
            .ms,
        );
      }
    }
    await services.db.transaction((tx) => tx.run("DELETE FROM budgets WHERE organization_id = 'quant'"));
    const batches: number[] = [];
    for (const agentId of agentIds) {
      const records = Array.from({ length: 1000 }, (_, i) => ({
        model: i % 2 ? 'gpt-4o' : 'claude-haiku-3.5',
        promptTokens: 100 + i,
        completionTokens: 50,
        agentId,
      }));
      batches.push(
        (
          await timed('mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }', {
            input: { organizationId: encodeGlobalID('Organization', 'quant'), records },
          })
        ).ms,
      );
    }
    // Ingest: 1,000-record batches, 4 in flight, into the other organization (the reads below look at quant).
    await services.db.transaction((tx) => tx.run("DELETE FROM budgets WHERE organization_id = 'cibc'"));
    const ingestBatches = 40;
    let sent = 0;
    const ingestStart = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < ingestBatches) {
          sent += 1;
          const base = Date.now();
          const records = Array.from({ length: 1000 }, (_, i) => ({
            model: i % 2 ? 'gpt-4o' : 'claude-haiku-3.5',
            promptTokens: 100 + i,
            completionTokens: 50,
            createdAt: new Date(base - 1000 + i).toISOString(),
          }));
          await timed('mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }', {
            input: { organizationId: encodeGlobalID('Organization', 'cibc'), records },
          });
        }
      }),
    );
    const ingest = Math.round((ingestBatches * 1000) / ((performance.now() - ingestStart) / 1000));
    process.stdout.write(
      `writes (each with its audit entry)\n${row(figures, 'createAgent', creates)}\n${row(figures, 'startSession', starts)}\n${row(figures, 'recordLlmUsage, 1,000 records', batches)}\n` +
        `${'recordLlmUsage, 4 batches in flight'.padEnd(40)} ${ingest} records/s\n\n`,
    );
    figures.set('recordLlmUsage, 4 batches in flight', { perSecond: ingest });

    // Budgets: 1,000-record batches of one agent, by a key acting for a member, held by the organization's budget
    // alone, then by four (organization, agent, API key, user), each in a period of its own.
    const memberKey = await prepareApiKey(config.bcryptCost);
    const memberKeyRow = await services.db.transaction((tx) =>
      storeApiKey(tx, memberKey, {
        name: 'bench member key',
        organizationId: 'cibc',
        roleId: 'org_admin',
        userId: 'priya.patel',
        createdByUserId: null,
        createdByApiKeyId: null,
        expiresAt: null,
      }),
    );
    const setBudget = (input: Record<string, unknown>) =>
      timed('mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }', {
        input: { ...input, tokenLimit: 1_000_000_000_000, costLimitUsd: '999999', alertAtPercent: 90 },
      });
    const cibc = encodeGlobalID('Organization', 'cibc');
    const budgeted = async (name: string, inputs: Record<string, unknown>[]) => {
      await services.db.transaction((tx) => tx.run("DELETE FROM budgets WHERE organization_id = 'cibc'"));
      for (const input of inputs) await setBudget(input);
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const base = Date.now();
        const records = Array.from({ length: 1000 }, (_, i) => ({
          model: i % 2 ? 'gpt-4o' : 'claude-haiku-3.5',
          promptTokens: 100 + i,
          completionTokens: 50,
          agentId: encodeGlobalID('Agent', 'agt-101'),
          createdAt: new Date(base - 1000 + i).toISOString(),
        }));
        const query = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }';
        times.push((await timed(query, { input: { organizationId: cibc, records } }, memberKey.token)).ms);
      }
      return row(figures, name, times);
    };
    const one = await budgeted('recordLlmUsage 1,000, one budget', [{ organizationId: cibc, period: 'MONTH' }]);
    const four = await budgeted('recordLlmUsage 1,000, four budgets', [
      { organizationId: cibc, period: 'MONTH' },
      { agentId: encodeGlobalID('Agent', 'agt-101'), period: 'DAY' },
      { apiKeyId: encodeGlobalID('ApiKey', memberKeyRow.id), period: 'WEEK' },
      { organizationId: cibc, userId: encodeGlobalID('User', 'priya.patel'), period: 'MONTH' },
    ]);
    process.stdout.write(`budgets (the batches of a member's key and one agent)\n${one}\n${four}\n\n`);

    // 3. Reads: the nested query of the batching test, over 55 agents and 50,000 usage records.
    const nested = `{ agents(first: 50) { totalCount edges { node { name organization { slug } domain { name } createdBy { name }
      sessions(first: 5) { totalCount edges { node { status costUsd usage(first: 5) { edges { node { costUsd } } } } } }
      usageSummary(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [MODEL]) { total { costUsd } } } } } }`;
    const reads: number[] = [];
    let statements = 0;
    for (let i = 0; i < rounds * 2; i++) {
      const result = await timed(nested);
      reads.push(result.ms);
      statements = result.body.extensions?.sql?.statements ?? 0;
    }
    const summary =
      '{ organization(slug: "quant") { usageSummary(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [DAY, MODEL, AGENT], first: 100) { totalCount total { costUsd } } quota { tokensUsed } } }';
    const summaries: number[] = [];
    for (let i = 0; i < rounds * 2; i++) summaries.push((await timed(summary)).ms);
    process.stdout.write(
      `reads\n${row(figures, '50 agents, nested sessions and usage', reads, `  (${statements} statements)`)}\n${row(figures, 'usageSummary by day+model+agent, quota', summaries)}\n\n`,
    );

    const memory = process.memoryUsage();
    process.stdout.write(
      `memory after the run: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB\n`,
    );
  } finally {
    server.closeAllConnections();
    server.close();
    await services.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function fail(error: unknown): never {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

// `npm run bench` runs the benchmarks above; `npm run bench -- load` the load benchmark of bench/load/;
// `npm run bench -- durability` synchronous FULL against NORMAL (bench/durability.ts).
const which = process.argv[2];
if (which === undefined) {
  main().catch(fail);
} else if (which === 'load') {
  import('./load/run').then(({ runLoadBenchmark }) => runLoadBenchmark()).catch(fail);
} else if (which === 'durability') {
  import('./durability').then(({ runDurabilityBenchmark }) => runDurabilityBenchmark()).catch(fail);
} else {
  fail(`unknown benchmark "${which}"; run \`npm run bench\`, \`npm run bench -- load\` or \`npm run bench -- durability\``);
}
