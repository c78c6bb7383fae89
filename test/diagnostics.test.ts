// FOUNDRY_DIAGNOSTICS: the gateway process reports event-loop delay, its slowest statement and memory to its parent over IPC.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DiagnosticsReport } from '../src/diagnostics';
import { createGatewayDatabase, type GatewayDatabase, onPostgres } from './helpers/postgres';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'foundry-diag-'));
const children: ChildProcess[] = [];
const databases: GatewayDatabase[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));
  for (const database of databases) await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startGateway(name: string, diagnostics: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  // On the postgres project, the gateway runs on a schema of its own (the statements it reports are PostgreSQL's).
  const database = onPostgres ? await createGatewayDatabase() : null;
  if (database) databases.push(database);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_PATH: join(dir, `${name}.db`),
      ...(database ? { DATABASE_URL: database.databaseUrl } : {}),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BCRYPT_COST: '4',
      FOUNDRY_DIAGNOSTICS: diagnostics,
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { child, url };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the gateway did not start: ${stderr}`);
}

function ask(child: ChildProcess, reset: boolean, timeoutMs = 3000): Promise<DiagnosticsReport | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as DiagnosticsReport);
    });
    child.send({ type: 'foundry:diagnostics', reset });
  });
}

describe('gateway diagnostics over IPC', () => {
  it('reports event-loop delay, the slowest statement (text only, at most 120 characters) and memory, and resets when asked', async () => {
    const { child, url } = await startGateway('on', '1');
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer afk_0123456789abcdef_not-a-real-secret-not-a-real-secret-not-a-r',
      },
      body: JSON.stringify({ query: '{ viewer { principal { kind } } }' }),
    });
    expect(response.status).toBeGreaterThanOrEqual(200);
    const report = await ask(child, true);
    expect(report).toMatchObject({ type: 'foundry:diagnostics', pid: child.pid });
    expect(report?.eventLoop.max).toBeGreaterThanOrEqual(report?.eventLoop.p99 ?? 0);
    expect(report?.slowestStatement.ms).toBeGreaterThan(0);
    expect(report?.slowestStatement.sql.length).toBeGreaterThan(0);
    expect(report?.slowestStatement.sql.length).toBeLessThanOrEqual(120);
    expect(report?.slowestStatement.sql).not.toContain('0123456789abcdef');
    expect(report?.rssMiB).toBeGreaterThan(10);
    expect(report?.peakRssMiB).toBeGreaterThanOrEqual(report?.rssMiB ?? Number.POSITIVE_INFINITY);
    expect(report?.heapUsedMiB).toBeGreaterThan(1);
    const after = await ask(child, false);
    expect(after?.slowestStatement).toEqual({ ms: 0, sql: '' });
  });

  it('stays silent when FOUNDRY_DIAGNOSTICS is off', async () => {
    const { child } = await startGateway('off', '0');
    expect(await ask(child, false, 1000)).toBeNull();
  });
});
