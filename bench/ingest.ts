// Usage ingest benchmark (`npm run bench:ingest`): starts the gateway as its own process on a temp
// SQLite file on 127.0.0.1, sends recordLlmUsage batches of 1,000 records from this process with
// several in flight, prints records/s, and stops both. INGEST_PROFILE=<dir> writes a CPU profile of the
// gateway (node --cpu-prof) into that directory; INGEST_GATEWAY_DIR=<checkout> runs that
// checkout's gateway instead of this one.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { encodeGlobalID } from '@pothos/plugin-relay';

const BATCH = 1000;
const BATCHES = Number(process.env.INGEST_BATCHES ?? 300);
const IN_FLIGHT = Number(process.env.INGEST_IN_FLIGHT ?? 4);
const WARMUP = 20;
const SPREAD = Number(process.env.INGEST_SPREAD_MS ?? 1000);
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-haiku-3.5', 'gemini-1.5-flash'];
const AGENTS = ['agt-001', 'agt-002', 'agt-003'].map((id) => encodeGlobalID('Agent', id));
const SESSIONS = ['ses-q-001', 'ses-q-002'].map((id) => encodeGlobalID('Session', id));
const ORGANIZATION = encodeGlobalID('Organization', 'quant');
const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count costUsd } }';

type Started = { child: ChildProcess; url: string; token: string };

/** Starts src/main.ts in a child process and waits for its URL (stdout log) and first key (stderr). */
function startGateway(databasePath: string): Promise<Started> {
  const flags = process.env.INGEST_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.INGEST_PROFILE}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts'], {
    env: {
      NODE_ENV: 'production',
      ...process.env,
      DATABASE_PATH: databasePath,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      FOUNDRY_SQL_STATS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Another checkout's gateway (e.g. an older commit, for a before/after comparison).
    cwd: process.env.INGEST_GATEWAY_DIR ?? process.cwd(),
  });
  return new Promise((resolve, reject) => {
    let url: string | null = null;
    let token: string | null = null;
    const done = () => url && token && resolve({ child, url, token });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const match = /"url":"([^"]+)"/.exec(line);
      if (match && line.includes('gateway listening')) url = match[1] as string;
      done();
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      const match = /(afk_\S+)/.exec(line);
      if (match) token = match[1] as string;
      done();
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
}

/**
 * A batch body: records of the last INGEST_SPREAD_MS (default 1,000: a client
 * reporting the calls of the last second, in order), some with an agent or a
 * session. A large spread (e.g. 129600000, a day and a half) scatters the
 * records in time, the worst case for the (organization, created_at) indexes.
 */
function batchBody(seed: number): string {
  const now = Date.now();
  const records = Array.from({ length: BATCH }, (_, i) => {
    const n = seed * BATCH + i;
    const ago = SPREAD <= 1000 ? SPREAD - Math.floor((i * SPREAD) / BATCH) : 1000 + ((n * 7919) % SPREAD);
    const record: Record<string, unknown> = {
      model: MODELS[n % MODELS.length],
      promptTokens: 100 + (n % 997),
      completionTokens: 20 + (n % 331),
      latencyMs: 200 + (n % 1500),
      createdAt: new Date(now - ago).toISOString(),
    };
    if (n % 3 === 1) record.agentId = AGENTS[n % AGENTS.length];
    else if (n % 6 === 2) record.sessionId = SESSIONS[n % SESSIONS.length];
    return record;
  });
  return JSON.stringify({ query: RECORD, variables: { input: { organizationId: ORGANIZATION, records } } });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function post(url: string, token: string, body: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const result = (await response.json()) as { data?: unknown; errors?: unknown };
  if (!result.data || result.errors) throw new Error(`request failed: ${JSON.stringify(result.errors)}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-ingest-'));
  const gateway = await startGateway(join(dir, 'ingest.db'));
  try {
    // High limits, so that every batch runs the quota check and none is refused.
    const quota = `mutation { setLlmQuota(input: { organizationId: "${ORGANIZATION}", monthlyTokenLimit: 1000000000000000, monthlyCostLimitUsd: "999999" }) { id } }`;
    await post(gateway.url, gateway.token, JSON.stringify({ query: quota }));
    for (let i = 0; i < WARMUP; i++) await post(gateway.url, gateway.token, batchBody(i));

    let sent = 0;
    const latencies: number[] = [];
    const worker = async () => {
      while (sent < BATCHES) {
        const body = batchBody(WARMUP + sent++);
        const start = performance.now();
        await post(gateway.url, gateway.token, body);
        latencies.push(performance.now() - start);
      }
    };
    const cpuBefore = cpuSeconds(gateway.child.pid);
    const started = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuSeconds(gateway.child.pid);
    // The machine may be shared: the gateway's own CPU time per batch says what one free core would do.
    const cpu =
      cpuBefore === null || cpuAfter === null
        ? ''
        : `; gateway CPU ${(((cpuAfter - cpuBefore) * 1000) / BATCHES).toFixed(1)} ms per batch = ${Math.round((BATCHES * BATCH) / (cpuAfter - cpuBefore))} records per CPU-second`;
    latencies.sort((a, b) => a - b);
    const p = (q: number) => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number).toFixed(1);
    process.stdout.write(
      `recordLlmUsage ingest: ${BATCHES} batches of ${BATCH} records, ${IN_FLIGHT} in flight, created_at over ${SPREAD} ms, ${seconds.toFixed(2)} s: ` +
        `${Math.round((BATCHES * BATCH) / seconds)} records/s (batch p50 ${p(0.5)} ms, p95 ${p(0.95)} ms)${cpu}\n`,
    );
  } finally {
    await new Promise<void>((resolve) => {
      gateway.child.once('exit', () => resolve());
      gateway.child.kill('SIGTERM');
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:ingest: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
