// The gateway and the foundry CLI as a user runs them: real processes on a
// temp database, their stdout, stderr and exit codes.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sqlite } from '../src/db/driver';
import { gatewayEnv, openDatabase, ROOT, runFoundry } from './helpers/gateway';
import { onPostgres } from './helpers/postgres';

const dir = mkdtempSync(join(tmpdir(), 'foundry-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = /afk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;

describe('the foundry CLI', () => {
  const databasePath = join(dir, 'cli.db');

  it('init creates the database and prints the first platform_owner key on stderr only', async () => {
    const run = await runFoundry(databasePath, ['init']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(KEY);
    expect(run.stdout).not.toMatch(KEY);
    // Made and seeded: the file, or on PostgreSQL the schema the path stands for.
    const db = await openDatabase(databasePath);
    try {
      expect((await db.get<{ n: number }>('SELECT count(*) AS n FROM organizations'))?.n).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
    const again = await runFoundry(databasePath, ['init']);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(KEY);
  });

  it('api-key create --json prints one JSON object with id and key on stdout, nothing else', async () => {
    const run = await runFoundry(databasePath, ['api-key', 'create', '--org', 'quant', '--role', 'org_admin', '--json']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['id', 'key']);
    expect(parsed.key).toMatch(new RegExp(`^${KEY.source}$`));
    expect(Buffer.from(parsed.id as string, 'base64').toString()).toMatch(/^ApiKey:/);
    // The CLI's write is audited like any other, as the local administrator.
    const db = await openDatabase(databasePath);
    try {
      const entries = await db.all(
        "SELECT organization_id, actor_kind, resource_id FROM audit_log WHERE action = 'api_key.create' ORDER BY id",
      );
      const keyRowId = Buffer.from(parsed.id as string, 'base64')
        .toString()
        .slice('ApiKey:'.length);
      // The first platform_owner key of `init`, then this one.
      expect(entries).toEqual([
        { organization_id: null, actor_kind: 'service', resource_id: expect.any(String) },
        { organization_id: 'quant', actor_kind: 'service', resource_id: keyRowId },
      ]);
    } finally {
      await db.close();
    }
  });

  it('user create makes a user who holds the role given', async () => {
    const run = await runFoundry(databasePath, [
      'user',
      'create',
      '--email',
      'grace@quant.example',
      '--name',
      'Grace',
      '--password',
      'a long password',
      '--org',
      'quant',
      '--role',
      'org_viewer',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('grace@quant.example');
    expect(run.stdout).not.toContain('a long password');
  });

  // foundry backup copies a SQLite file; PostgreSQL is backed up with its own tools (README: Running on PostgreSQL).
  it.skipIf(onPostgres)('backup --to writes a copy that opens with the same rows', async () => {
    const copy = join(dir, 'copy.db');
    const run = await runFoundry(databasePath, ['backup', '--to', copy]);
    expect(run.code).toBe(0);
    const original = new Sqlite(databasePath, { readonly: true });
    const backup = new Sqlite(copy, { readonly: true });
    try {
      const count = 'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM api_keys) AS keys';
      expect(backup.prepare(count).get()).toEqual(original.prepare(count).get());
    } finally {
      original.close();
      backup.close();
    }
  });

  it.each([
    [['api-key', 'create', '--org', 'nowhere', '--role', 'org_admin'], /unknown organization "nowhere"/],
    [['api-key', 'create', '--org', 'quant', '--role', 'superuser'], /unknown role "superuser"/],
    [['api-key', 'create', '--role', 'org_admin'], /--org is required/],
    [['api-key', 'create', '--org', 'quant', '--role', 'org_admin', '--expires', 'tomorrow'], /--expires/],
    [['user', 'create', '--email', 'grace@quant.example', '--name', 'G', '--password', 'a long password'], /already/],
    [['frobnicate'], /unknown command/],
  ])('fails %j with exit code 1 and one line on stderr', async (args, reason) => {
    const run = await runFoundry(databasePath, args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
  });
});

describe('npm start on a brand new database', () => {
  // npm start runs the build with plain node: build it as npm start does.
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  });

  async function start(databasePath: string): Promise<{ child: ChildProcess; stderr: () => string; url: Promise<string> }> {
    const child = spawn(process.execPath, [join(ROOT, 'dist/main.js')], {
      cwd: ROOT,
      env: await gatewayEnv(databasePath, { PORT: '0', LOG_LEVEL: 'info' }),
    });
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const url = new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        const match = /"url":"([^"]+)"/.exec(stdout);
        if (match) resolve(match[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    return { child, stderr: () => stderr, url };
  }

  function exited(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  it('prints one platform_owner key on stderr, serves with it, and stops cleanly on SIGTERM', async () => {
    const databasePath = join(dir, 'main.db');
    const first = await start(databasePath);
    const url = await first.url;
    const key = KEY.exec(first.stderr())?.[0];
    expect(key).toBeDefined();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ viewer { principal { kind name } } permissions { totalCount } }' }),
    });
    expect(await response.json()).toEqual({
      data: { viewer: { principal: { kind: 'API_KEY', name: 'first platform owner key' } }, permissions: { totalCount: 55 } },
    });
    const stopped = exited(first.child);
    first.child.kill('SIGTERM');
    expect(await stopped).toBe(0);

    // The second start on the same file prints no key.
    const second = await start(databasePath);
    await second.url;
    expect(second.stderr()).not.toMatch(KEY);
    const stoppedAgain = exited(second.child);
    second.child.kill('SIGINT');
    expect(await stoppedAgain).toBe(0);
  });

  it('refuses a bad configuration with one line and exit code 1', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/main.js')], {
      cwd: ROOT,
      env: await gatewayEnv(join(dir, 'bad.db'), { PORT: 'eighty' }),
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    expect(await exited(child)).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/PORT/);
  });
});
