// `npm run bench -- durability`: what synchronous = FULL (the default) costs against NORMAL (FOUNDRY_SYNCHRONOUS),
// on a write mutation and on usage ingest. Each round starts the gateway in-process on a new file in BENCH_DIR
// (default: the OS temp directory; it must be on a real disk, as fsync on tmpfs costs nothing), modes alternated.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import pino from 'pino';
import { bootstrap } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { createGraphQLHandler } from '../src/server';

type Mode = 'FULL' | 'NORMAL';
type Round = { mode: Mode; createP50: number; createP95: number; createPerSecond: number; recordsPerSecond: number };

const ROUNDS = Number(process.env.BENCH_DURABILITY_ROUNDS ?? 3);
const SEQUENTIAL = 200;
const CONCURRENT = 8;
const BATCHES = 40;
const BATCH = 1_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

async function round(mode: Mode, index: number): Promise<Round> {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'foundry-durability-'));
  const config = loadConfig({ ...process.env, DATABASE_PATH: join(dir, 'bench.db'), LOG_LEVEL: 'silent', FOUNDRY_SYNCHRONOUS: mode });
  const { services, firstApiKey } = await bootstrap(config, pino({ level: 'silent' }));
  const handle = createGraphQLHandler(services);
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${firstApiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    if (body.errors) throw new Error(`request failed: ${JSON.stringify(body.errors)}`);
  };
  const organizationId = encodeGlobalID('Organization', 'quant');
  const domainId = encodeGlobalID('Domain', 'demo');
  const createAgent = (name: string) =>
    gql('mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } } }', {
      input: { domainId, name, displayName: name },
    });
  try {
    await gql('mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { __typename } }', {
      input: { organizationId, monthlyTokenLimit: null, monthlyCostLimitUsd: null },
    });
    // A write mutation (its row, audit entry and commit), one at a time: the latency a client sees.
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const started = performance.now();
      await createAgent(`seq-${i}`);
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    // The same mutation from concurrent clients: commits per second.
    let next = 0;
    const concurrentStart = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        while (next < SEQUENTIAL) await createAgent(`par-${next++}`);
      }),
    );
    const createPerSecond = SEQUENTIAL / ((performance.now() - concurrentStart) / 1000);
    // Ingest: batches of 1,000 usage records on 4 connections.
    const records = Array.from({ length: BATCH }, (_, i) => ({ model: 'gpt-4o', promptTokens: 100 + (i % 50), completionTokens: 20 }));
    let batches = 0;
    const ingestStart = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (batches++ < BATCHES) {
          await gql('mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }', {
            input: { organizationId, records },
          });
        }
      }),
    );
    const recordsPerSecond = (BATCHES * BATCH) / ((performance.now() - ingestStart) / 1000);
    const result = {
      mode,
      createP50: percentile(latencies, 50),
      createP95: percentile(latencies, 95),
      createPerSecond,
      recordsPerSecond,
    };
    process.stdout.write(
      `round ${index + 1} ${mode.padEnd(6)} createAgent p50 ${result.createP50.toFixed(2)} ms, p95 ${result.createP95.toFixed(2)} ms, ` +
        `${createPerSecond.toFixed(0)}/s on ${CONCURRENT} clients; ingest ${recordsPerSecond.toFixed(0)} records/s\n`,
    );
    return result;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runDurabilityBenchmark(): Promise<void> {
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternated, and each pair in the other order next time, so that neither mode always runs second.
    const order: Mode[] = i % 2 === 0 ? ['FULL', 'NORMAL'] : ['NORMAL', 'FULL'];
    for (const mode of order) rounds.push(await round(mode, rounds.length));
  }
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  process.stdout.write('\nmedian of the rounds\n');
  for (const mode of ['FULL', 'NORMAL'] as const) {
    const of = rounds.filter((r) => r.mode === mode);
    process.stdout.write(
      `${mode.padEnd(6)} createAgent p50 ${median(of.map((r) => r.createP50)).toFixed(2)} ms, p95 ${median(of.map((r) => r.createP95)).toFixed(2)} ms, ` +
        `${median(of.map((r) => r.createPerSecond)).toFixed(0)}/s on ${CONCURRENT} clients; ingest ${median(of.map((r) => r.recordsPerSecond)).toFixed(0)} records/s\n`,
    );
  }
}
