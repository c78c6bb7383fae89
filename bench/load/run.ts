// The load benchmark (`npm run bench -- load`, issue 8): the gateway, the hand-written floor and the floor's answers
// served through bare graphql-yoga (the stack's own cost), each in its own process on a copy of the 1M-row data set,
// under autocannon from this process; then a "no freeze" phase with heavy queries beside light ones, and batch
// ingest. Bounded in time: it stops by itself.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeGlobalID } from '@pothos/plugin-relay';
import autocannon from 'autocannon';
import { SqliteStore } from '../../src/db/connection';
import type { DiagnosticsReport } from '../../src/diagnostics';
import { prepareApiKey, storeApiKey } from '../../src/modules/apiKeys/issue';
import { ensureDataset } from './dataset';
import { cpuSecondsOf, diagnostics, freePort, startNode, stop, type Target, waitForHealth } from './processes';
import { HEAVY, loadQueries, type QueryName, type Request } from './queries';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const seconds = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
};
const WARMUP = seconds('BENCH_WARMUP', 5);
const MEASURE = seconds('BENCH_SECONDS', 15);
const ROUNDS = Math.max(1, Math.floor(seconds('BENCH_LOAD_ROUNDS', 2)));
const FREEZE = seconds('BENCH_FREEZE_SECONDS', 15);
const INGEST = seconds('BENCH_INGEST_SECONDS', 10);
const CONNECTIONS = 10;
/** Node flags for the gateway only, e.g. `BENCH_GATEWAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p'` for a CPU profile. */
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** The checkout whose gateway is measured (`BENCH_GATEWAY_DIR`, this one by default): two builds compared by one runner. */
const GATEWAY_ROOT = process.env.BENCH_GATEWAY_DIR ?? ROOT;
/** Which phases run (`BENCH_PHASES=queries,freeze,ingest`, all by default): a profile of one phase needs only that one. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'queries,freeze,ingest').split(',').map((phase) => phase.trim()));
/** Which of Q1–Q4 are measured (`BENCH_QUERIES=Q2`, all by default); all four are still checked byte for byte. */
const MEASURED: QueryName[] = (process.env.BENCH_QUERIES ?? 'Q1,Q2,Q3,Q4')
  .split(',')
  .map((name) => name.trim())
  .filter((name): name is QueryName => ['Q1', 'Q2', 'Q3', 'Q4'].includes(name));
const QUERY_NAMES: QueryName[] = ['Q1', 'Q2', 'Q3', 'Q4'];

const out = (line = '') => process.stdout.write(`${line}\n`);

type Prepared = { dir: string; databasePath: string; token: string; agentGlobalId: string };

/** A private copy of the data set with an org_admin key of quant and no quota (so that ingest is never refused). */
export async function prepareCopy(): Promise<Prepared> {
  const { path } = await ensureDataset(out);
  const dir = mkdtempSync(join(tmpdir(), 'foundry-load-'));
  const databasePath = join(dir, 'load.db');
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) copyFileSync(path + suffix, databasePath + suffix);
  // The key that seals the data set's integration secrets goes with it, private as the gateway requires.
  if (existsSync(`${path}.key`)) {
    copyFileSync(`${path}.key`, `${databasePath}.key`);
    chmodSync(`${databasePath}.key`, 0o600);
  }
  const secret = await prepareApiKey(10);
  const db = new SqliteStore(databasePath);
  try {
    await db.transaction(async (tx) => {
      await storeApiKey(tx, secret, {
        name: 'load benchmark',
        organizationId: 'quant',
        roleId: 'org_admin',
        userId: null,
        createdByUserId: null,
        createdByApiKeyId: null,
        expiresAt: null,
      });
      await tx.run('DELETE FROM budgets');
    });
    const agent = await db.get<{ id: string }>(
      "SELECT id FROM agents WHERE organization_id = 'quant' ORDER BY created_at, id LIMIT 1 OFFSET 100",
    );
    if (!agent) throw new Error('the data set has no quant agents');
    return { dir, databasePath, token: secret.token, agentGlobalId: encodeGlobalID('Agent', agent.id) };
  } finally {
    await db.close();
  }
}

type Targets = { gateway: Target; floor: Target; yoga: Target };

async function startTargets(prepared: Prepared): Promise<Targets> {
  // The gateway runs as it does in production: the build (`npm run build`), with plain node.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: GATEWAY_ROOT, stdio: 'inherit' });
  const [gatewayPort, floorPort, yogaPort] = [await freePort(), await freePort(), await freePort()];
  const gatewayEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_PATH: prepared.databasePath,
    PORT: String(gatewayPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    FOUNDRY_SEED_SAMPLE_DATA: 'false',
    FOUNDRY_SQL_STATS: 'false',
    // One process unless asked: production would otherwise default to one worker per core.
    FOUNDRY_DIAGNOSTICS: '1',
    FOUNDRY_WORKERS: process.env.FOUNDRY_WORKERS ?? '1',
    ...(process.env.FOUNDRY_HEAP_GROWING_PERCENT ? { FOUNDRY_HEAP_GROWING_PERCENT: process.env.FOUNDRY_HEAP_GROWING_PERCENT } : {}),
    // glibc's malloc arenas, as npm start and the Dockerfile set them (unless the caller says otherwise).
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    // Any other glibc malloc tunable the caller sets (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, ...).
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MALLOC_') && name !== 'MALLOC_ARENA_MAX')),
  };
  const gateway: Target = {
    name: 'gateway',
    url: `http://127.0.0.1:${gatewayPort}`,
    child: startNode(GATEWAY_ROOT, 'dist/main.js', gatewayEnv, GATEWAY_NODE_ARGS),
  };
  await waitForHealth(gateway.url, gateway.child);
  // The floor opens the file read-only after the gateway has opened it (and so its -wal/-shm exist).
  const floorEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    FLOOR_DATABASE_PATH: prepared.databasePath,
    FLOOR_PORT: String(floorPort),
    FLOOR_TOKENS: JSON.stringify({ [prepared.token]: 'quant' }),
  };
  const floor: Target = { name: 'floor', url: `http://127.0.0.1:${floorPort}`, child: startNode(ROOT, 'bench/load/floor.ts', floorEnv) };
  await waitForHealth(floor.url, floor.child);
  const yoga: Target = {
    name: 'yoga',
    url: `http://127.0.0.1:${yogaPort}`,
    child: startNode(ROOT, 'bench/load/floor.ts', { ...floorEnv, FLOOR_PORT: String(yogaPort), FLOOR_SERVER: 'yoga' }),
  };
  await waitForHealth(yoga.url, yoga.child);
  return { gateway, floor, yoga };
}

async function post(url: string, token: string, request: Request): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, text: await response.text(), ms: performance.now() - started };
}

function diffExcerpt(a: string, b: string, other: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 120);
  return `first difference at byte ${i} (lengths ${a.length} and ${b.length})\n  gateway: …${a.slice(from, i + 120)}…\n  ${`${other}:`.padEnd(8)} …${b.slice(from, i + 120)}…`;
}

/** The gateway's, the floor's and bare Yoga's bodies for Q1–Q4, which must be byte-identical; returns them as the expected bodies. */
async function checkIdentical(targets: Targets, token: string, queries: Record<QueryName, Request>): Promise<Record<QueryName, string>> {
  const expected = {} as Record<QueryName, string>;
  let ok = true;
  for (const name of QUERY_NAMES) {
    const g = await post(targets.gateway.url, token, queries[name]);
    expected[name] = g.text;
    if (g.status !== 200 || !g.text.startsWith('{"data":') || g.text.includes('"errors"')) {
      out(`${name}: the gateway did not answer with data (${g.status}): ${g.text.slice(0, 400)}`);
      ok = false;
      continue;
    }
    let same = true;
    for (const other of [targets.floor, targets.yoga]) {
      const o = await post(other.url, token, queries[name]);
      if (o.text === g.text) continue;
      out(`${name}: the gateway's and the ${other.name}'s bodies differ; ${diffExcerpt(g.text, o.text, other.name)}`);
      same = false;
    }
    if (same) out(`${name}: identical bodies (${g.text.length} bytes)`);
    ok &&= same;
  }
  if (!ok) throw new BodyMismatch();
  return expected;
}

class BodyMismatch extends Error {
  constructor() {
    super('the gateway and the floors disagree: no measurement');
  }
}

type Measured = {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  bad: number;
  /** The target's CPU time (its own and its workers') per answered request, where /proc tells it. */
  cpuMsPerRequest?: number | null;
};

export async function cannon(
  url: string,
  token: string,
  options: { requests: Request[]; duration: number; connections: number; expectBody?: string },
): Promise<Measured> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const result = await autocannon({
    url: `${url}/graphql`,
    connections: options.connections,
    duration: options.duration,
    timeout: 30,
    method: 'POST',
    headers,
    // autocannon checks bodies (expectBody) only for one fixed request; a mix goes through `requests`.
    ...(options.requests.length === 1
      ? { body: JSON.stringify(options.requests[0]), ...(options.expectBody === undefined ? {} : { expectBody: options.expectBody }) }
      : {
          requests: options.requests.map((request) => ({
            method: 'POST' as const,
            path: '/graphql',
            headers,
            body: JSON.stringify(request),
          })),
        }),
  });
  const bad = result.non2xx + result.errors + result.mismatches;
  const ok = result['2xx'] - result.mismatches;
  return { rps: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, ok, bad };
}

type Row = { query: QueryName; target: Target['name']; rounds: Measured[] };

async function measureQueries(
  targets: Target[],
  token: string,
  queries: Record<QueryName, Request>,
  expected: Record<QueryName, string>,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const query of MEASURED) {
    const byTarget = new Map<Target['name'], Measured[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const options = { requests: [queries[query]], connections: CONNECTIONS, expectBody: expected[query] };
        if (WARMUP > 0) await cannon(target.url, token, { ...options, duration: WARMUP });
        const cpuBefore = cpuSecondsOf(target.child);
        const measured = await cannon(target.url, token, { ...options, duration: MEASURE });
        const cpuAfter = cpuSecondsOf(target.child);
        measured.cpuMsPerRequest =
          cpuBefore === null || cpuAfter === null || measured.ok === 0 ? null : ((cpuAfter - cpuBefore) * 1000) / measured.ok;
        byTarget.get(target.name)?.push(measured);
        const failed = measured.bad ? `, ${measured.bad} failed or wrong` : '';
        const cpu = measured.cpuMsPerRequest === null ? '' : `, CPU ${measured.cpuMsPerRequest.toFixed(3)} ms per request`;
        out(
          `  ${query} ${target.name.padEnd(7)} round ${round + 1}: ${measured.rps.toFixed(0)} req/s, p50 ${measured.p50} ms, p99 ${measured.p99} ms${cpu}${failed}`,
        );
      }
    }
    for (const target of targets) rows.push({ query, target: target.name, rounds: byTarget.get(target.name) ?? [] });
  }
  return rows;
}

const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

function printTable(rows: Row[]): void {
  out(
    `\nQ1–Q4, ${CONNECTIONS} connections, ${ROUNDS} round(s) of ${MEASURE} s after ${WARMUP} s warm-up; figures are the mean of the rounds`,
  );
  out('query  target   req/s   p50 ms  p99 ms  failed  CPU ms/req  target/floor (req/s)  floor/target (CPU per request)');
  const cpuOf = (row: Row) => {
    const values = row.rounds.map((r) => r.cpuMsPerRequest);
    return values.every((value) => value !== null) ? mean(values as number[]) : null;
  };
  for (const row of rows) {
    const rps = mean(row.rounds.map((r) => r.rps));
    const floor = rows.find((r) => r.query === row.query && r.target === 'floor');
    const ratio = row.target !== 'floor' && floor ? (rps / mean(floor.rounds.map((r) => r.rps))).toFixed(2) : '';
    const cpu = cpuOf(row);
    const floorCpu = floor ? cpuOf(floor) : null;
    const cpuRatio = row.target !== 'floor' && cpu !== null && floorCpu !== null ? (floorCpu / cpu).toFixed(2) : '';
    const cells = [
      rps.toFixed(0),
      mean(row.rounds.map((r) => r.p50)).toFixed(1),
      mean(row.rounds.map((r) => r.p99)).toFixed(1),
      String(row.rounds.reduce((n, r) => n + r.bad, 0)),
    ].map((cell) => cell.padStart(6));
    const cpuCell = (cpu === null ? '' : cpu.toFixed(3)).padStart(10);
    out(`${row.query.padEnd(6)} ${row.target.padEnd(7)} ${cells.join('  ')}  ${cpuCell}  ${ratio.padEnd(20)}  ${cpuRatio}`);
  }
}

function diagnosticsLine(phase: string, report: DiagnosticsReport | null): string {
  if (!report) return `${phase}: per-worker diagnostics not available (no answer from the gateway process)`;
  const { eventLoop: e, slowestStatement: s } = report;
  return (
    `${phase}: event loop delay p50 ${e.p50.toFixed(1)} ms, p99 ${e.p99.toFixed(1)} ms, max ${e.max.toFixed(1)} ms; ` +
    `RSS peak ${report.peakRssMiB.toFixed(0)} MiB, at the end ${report.rssMiB.toFixed(0)} MiB (heap ${report.heapUsedMiB.toFixed(0)} MiB); slowest statement ${s.ms.toFixed(1)} ms: ${s.sql}`
  );
}

/** Heavy accepted queries on a few connections beside light ones (Q4): the light ones must keep being served. */
async function noFreeze(gateway: Target, token: string, light: Request, lightBody: string): Promise<string> {
  for (const request of HEAVY) {
    const answer = await post(gateway.url, token, request);
    const failed = answer.status !== 200 || answer.text.includes('"errors"');
    out(`  ${request.operationName.padEnd(18)} alone: ${answer.ms.toFixed(0)} ms${failed ? `, FAILED: ${answer.text.slice(0, 300)}` : ''}`);
  }
  const [heavy, lightResult] = await Promise.all([
    cannon(gateway.url, token, { requests: HEAVY, connections: 3, duration: FREEZE }),
    cannon(gateway.url, token, { requests: [light], connections: 7, duration: FREEZE, expectBody: lightBody }),
  ]);
  return (
    `heavy (3 connections): ${heavy.ok} answered, ${heavy.rps.toFixed(1)} req/s, p50 ${heavy.p50} ms, max ${heavy.max} ms; ` +
    `light Q4 beside them (7 connections): ${lightResult.rps.toFixed(0)} req/s, p50 ${lightResult.p50} ms, p99 ${lightResult.p99} ms, max ${lightResult.max} ms` +
    `${heavy.bad + lightResult.bad ? `; ${heavy.bad + lightResult.bad} failed or wrong` : ''}`
  );
}

/** recordLlmUsage with 1,000-record batches from a few connections: records per second. */
async function ingest(gateway: Target, token: string, agentGlobalId: string): Promise<string> {
  const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-haiku-3.5', 'gemini-1.5-flash'];
  const records = Array.from({ length: 1000 }, (_, i) => ({
    model: models[i % models.length],
    promptTokens: 100 + (i % 900),
    completionTokens: 20 + (i % 300),
    latencyMs: 200 + i,
    agentId: agentGlobalId,
  }));
  const request: Request = {
    operationName: 'Ingest',
    query: 'mutation Ingest($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }',
    variables: { input: { organizationId: encodeGlobalID('Organization', 'quant'), records } },
  };
  const expected = '{"data":{"recordLlmUsage":{"count":1000}}}';
  const first = await post(gateway.url, token, request);
  if (first.text !== expected) return `ingest refused: ${first.status} ${first.text.slice(0, 300)}`;
  const result = await cannon(gateway.url, token, { requests: [request], connections: 4, duration: INGEST, expectBody: expected });
  return (
    `${(result.rps * 1000).toFixed(0)} records/s (${result.ok} batches of 1,000 in ${INGEST} s, 4 connections, p50 ${result.p50} ms, p99 ${result.p99} ms)` +
    `${result.bad ? `; ${result.bad} failed` : ''}`
  );
}

async function main(): Promise<number> {
  const prepared = await prepareCopy();
  let targets: Targets | null = null;
  const budgetMs = (4 * 3 * ROUNDS * (WARMUP + MEASURE) + FREEZE + INGEST + 300) * 1000;
  const watchdog = setTimeout(() => {
    process.stderr.write('bench load: over its time budget; stopping\n');
    for (const target of targets ? Object.values(targets) : []) target.child.kill('SIGKILL');
    rmSync(prepared.dir, { recursive: true, force: true });
    process.exit(2);
  }, budgetMs);
  watchdog.unref();
  try {
    targets = await startTargets(prepared);
    const { gateway, floor, yoga } = targets;
    const queries = loadQueries(prepared.agentGlobalId);
    out('\nbodies (FOUNDRY_SQL_STATS off)');
    const expected = await checkIdentical(targets, prepared.token, queries);
    const workers = process.env.FOUNDRY_WORKERS ?? '1';
    await diagnostics(gateway.child, true);
    const reports: [string, DiagnosticsReport | null][] = [];
    if (PHASES.has('queries')) {
      out('\nQ1–Q4 under load');
      const rows = await measureQueries([gateway, floor, yoga], prepared.token, queries, expected);
      reports.push(['Q1–Q4 phase', await diagnostics(gateway.child, true)]);
      printTable(rows);
    }
    if (PHASES.has('freeze')) {
      out(`\nno freeze (${FREEZE} s)`);
      const freeze = await noFreeze(gateway, prepared.token, queries.Q4, expected.Q4);
      reports.push(['no-freeze phase', await diagnostics(gateway.child, true)]);
      out(`  ${freeze}`);
    }
    if (PHASES.has('ingest')) {
      out(`\ningest (${INGEST} s)`);
      const ingested = await ingest(gateway, prepared.token, prepared.agentGlobalId);
      reports.push(['ingest phase', await diagnostics(gateway.child, true)]);
      out(`  ${ingested}`);
    }
    out(`\ngateway diagnostics (FOUNDRY_WORKERS=${workers}${workers === '1' ? '' : '; the worst worker'})`);
    for (const [phase, report] of reports) out(`  ${diagnosticsLine(phase, report)}`);
    return 0;
  } catch (error) {
    if (error instanceof BodyMismatch) {
      out(error.message);
      return 1;
    }
    throw error;
  } finally {
    if (targets) await Promise.all(Object.values(targets).map((target) => stop(target.child)));
    rmSync(prepared.dir, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

export async function runLoadBenchmark(): Promise<void> {
  const code = await main();
  process.exit(code);
}
