// Runs the gateway (npm start's command) and the foundry CLI as real processes; speaks HTTP to the gateway on a fresh connection per request.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../src/bootstrap';
import { loadConfig } from '../../src/config';
import type { Store } from '../../src/db/store';
import { createGatewayDatabase, type GatewayDatabase, onPostgres } from './postgres';

export const ROOT = join(import.meta.dirname, '..', '..');
export const KEY = /afk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;

/**
 * On the postgres project, the database a path stands for is a PostgreSQL schema, one per path (every process and
 * command given the same path shares it), dropped after the test file; the path still holds the key file.
 */
const schemas = new Map<string, Promise<GatewayDatabase>>();
afterAll(async () => {
  for (const schema of schemas.values()) await (await schema).drop();
  schemas.clear();
});

async function engineEnv(databasePath: string): Promise<Record<string, string>> {
  if (!onPostgres) return {};
  let schema = schemas.get(databasePath);
  if (!schema) {
    schema = createGatewayDatabase();
    schemas.set(databasePath, schema);
  }
  return { DATABASE_URL: (await schema).databaseUrl };
}

/** The environment of a gateway or command on the database at `databasePath` (on PostgreSQL: its schema). */
export async function gatewayEnv(databasePath: string, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    DATABASE_PATH: databasePath,
    BCRYPT_COST: '4',
    NODE_ENV: 'development',
    ...(await engineEnv(databasePath)),
    ...extra,
  };
}

/**
 * The database at `databasePath` (on PostgreSQL: its schema) as another writer or reader beside the processes sees
 * it, through a Store of its own under the gateway's own claim; close it when done.
 */
export async function openDatabase(databasePath: string): Promise<Store> {
  return openStore(loadConfig({ ...(await gatewayEnv(databasePath)), LOG_LEVEL: 'silent' }));
}

export type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `foundry <args>` on the database file (on PostgreSQL, its schema; or `extra`'s DATABASE_URL); resolves with its exit code and output. */
export async function runFoundry(databasePath: string, args: string[], extra: Record<string, string> = {}): Promise<Run> {
  const env = await gatewayEnv(databasePath, extra);
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/foundry.mjs'), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export type Gateway = {
  child: ChildProcess;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** The first platform_owner key, when the database was new. */
  firstApiKey: string | null;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the process (the primary, in a cluster) has exited. */
  exited: Promise<number | null>;
};

/**
 * Starts `node --import tsx src/main.ts` on PORT=0 and resolves once it logged
 * `gateway listening`; `preload` modules run first in every process (cluster workers too).
 */
export function startGateway(databasePath: string, extra: Record<string, string> = {}, preload: string[] = []): Promise<Gateway> {
  const imports = preload.flatMap((path) => ['--import', path]);
  return spawnGateway(['--import', 'tsx', ...imports, join(ROOT, 'src/main.ts')], databasePath, extra);
}

/** Starts `node <args>` as the gateway (e.g. a build's main.js, which starts faster than tsx) and waits as startGateway does. */
export async function spawnGateway(args: string[], databasePath: string, extra: Record<string, string> = {}): Promise<Gateway> {
  const env = await gatewayEnv(databasePath, { PORT: '0', LOG_LEVEL: 'info', ...extra });
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return await new Promise<Gateway>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const match = /"url":"([^"]+)"[^\n]*"msg":"gateway listening"/.exec(stdout);
      if (match) {
        // The key went to stderr before the log line went to stdout, but the two pipes are read apart: stdout's data
        // can come first. So the key is read from stderr when asked for, not now.
        resolve({
          child,
          url: match[1] as string,
          get firstApiKey() {
            return KEY.exec(stderr)?.[0] ?? null;
          },
          stdout: () => stdout,
          stderr: () => stderr,
          exited,
        });
      }
    });
    void exited.then((code) => reject(new Error(`the gateway exited with ${code}: ${stderr}`)));
  });
}

export type Answer<T> = {
  status: number;
  /** The x-foundry-worker header: which cluster worker answered (undefined without a cluster). */
  worker: string | undefined;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
};

/** One GraphQL POST on its own TCP connection, so that the cluster's round-robin picks a worker for each. */
export function post<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = null,
  signal?: AbortSignal,
): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = request(url, { method: 'POST', agent: false, headers, ...(signal ? { signal } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const worker = res.headers['x-foundry-worker'];
        resolve({ status: res.statusCode ?? 0, worker: typeof worker === 'string' ? worker : undefined, ...(JSON.parse(body) as object) });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query, variables }));
  });
}

/**
 * Sends `ask` (each on a fresh connection) until `workers` distinct workers
 * answered at least `times` times each; every answer goes through `check`.
 * Returns how often each worker answered.
 */
export async function onEveryWorker<T>(
  ask: () => Promise<Answer<T>>,
  check: (answer: Answer<T>) => void,
  workers = 2,
  times = 2,
): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let attempt = 0; attempt < 20 * workers * times; attempt += 1) {
    const answer = await ask();
    check(answer);
    if (answer.worker === undefined) throw new Error('no x-foundry-worker header: not a cluster');
    seen.set(answer.worker, (seen.get(answer.worker) ?? 0) + 1);
    if (seen.size >= workers && [...seen.values()].every((count) => count >= times)) return seen;
  }
  throw new Error(`only these workers answered: ${JSON.stringify([...seen])}`);
}
