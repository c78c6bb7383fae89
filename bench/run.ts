// Benchmarks, run with `npm run bench` (never part of `npm test`): starts the
// real gateway on a temp SQLite file on 127.0.0.1 and measures requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { bootstrap } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { createGraphQLHandler } from '../src/server';

const QUERY = '{ viewer { principal { kind name } } }';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function timed(url: string, token: string): Promise<number> {
  const start = process.hrtime.bigint();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = (await response.json()) as { data?: unknown };
  if (!body.data) throw new Error('request failed');
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-bench-'));
  const config = loadConfig({ ...process.env, DATABASE_PATH: join(dir, 'bench.db'), LOG_LEVEL: 'silent' });
  const { services, firstApiKey } = await bootstrap(config, pino({ level: 'silent' }));
  const handle = createGraphQLHandler(services);
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  try {
    const token = firstApiKey as string;
    // Warm the process (JIT, statement cache) with a request that does not authenticate.
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });

    const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
    const uncached: number[] = [];
    const cached: number[] = [];
    for (let round = 0; round < rounds; round++) {
      services.keyCache.forgetKey(services.db.get<{ id: string }>('SELECT id FROM api_keys LIMIT 1')?.id ?? '');
      uncached.push(await timed(url, token));
      for (let i = 0; i < 25; i++) cached.push(await timed(url, token));
    }
    uncached.sort((a, b) => a - b);
    cached.sort((a, b) => a - b);
    const row = (name: string, values: number[]) =>
      `${name.padEnd(32)} n=${String(values.length).padStart(4)}  p50=${percentile(values, 50).toFixed(2)} ms  p95=${percentile(values, 95).toFixed(2)} ms`;
    process.stdout.write(`auth: API key, bcrypt cost ${config.bcryptCost}, query ${QUERY}\n`);
    process.stdout.write(`${row('first request (bcrypt verify)', uncached)}\n`);
    process.stdout.write(`${row('cached key', cached)}\n`);
  } finally {
    server.closeAllConnections();
    server.close();
    services.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
