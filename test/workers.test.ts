// FOUNDRY_WORKERS: two real worker processes on one database file; what one changes, the other must not contradict.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { type Answer, type Gateway, onEveryWorker, openDatabase, post, ROOT, runFoundry, startGateway } from './helpers/gateway';

const dir = mkdtempSync(join(tmpdir(), 'foundry-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QUANT = Buffer.from('Organization:quant').toString('base64');
const WHO = '{ viewer { principal { kind name } } }';
const CAN = '{ viewer { can(organizationSlug: "quant", permission: "user:revoke") } }';

function expectAuthenticated(answer: Answer<unknown>): void {
  expect(answer.status).toBe(200);
  expect(answer.errors).toBeUndefined();
}

function expectUnauthenticated(answer: Answer<unknown>): void {
  expect(answer.status).toBe(401);
  expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
}

type Can = { viewer: { can: boolean } };

function expectCan(allowed: boolean) {
  return (answer: Answer<Can>) => {
    expect(answer.status).toBe(200);
    expect(answer.data?.viewer.can).toBe(allowed);
  };
}

describe('a gateway with FOUNDRY_WORKERS=2', () => {
  const databasePath = join(dir, 'cluster.db');
  let gateway: Gateway;
  let owner: string;

  beforeAll(async () => {
    gateway = await startGateway(databasePath, { FOUNDRY_WORKERS: '2' }, [join(ROOT, 'test/fixtures/diagnosticsReply.mjs')]);
    if (!gateway.firstApiKey) throw new Error('the primary should print the first key');
    owner = gateway.firstApiKey;
  }, 30_000);
  afterAll(() => {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  });

  const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token: string | null = owner) =>
    post<T>(gateway.url, query, variables, token);

  async function orgAdminKey(name: string, token = owner, forSelf = false): Promise<{ key: string; id: string }> {
    const created = await gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }',
      { input: { organizationId: QUANT, name, role: 'org_admin', forSelf } },
      token,
    );
    expectAuthenticated(created);
    return { key: created.data?.createApiKey.key as string, id: created.data?.createApiKey.apiKey.id as string };
  }

  async function orgAdminUser(email: string): Promise<{ id: string; token: string }> {
    const password = 'a long enough password';
    const invited = await gql<{ inviteUser: { user: { id: string } } }>(
      'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { user { id } } }',
      { input: { organizationId: QUANT, email, name: email, password, role: 'org_admin' } },
    );
    expectAuthenticated(invited);
    const login = await gql<{ login: { token: string } }>(
      'mutation ($input: LoginInput!) { login(input: $input) { token } }',
      { input: { email, password } },
      null,
    );
    expectAuthenticated(login);
    return { id: invited.data?.inviteUser.user.id as string, token: login.data?.login.token as string };
  }

  it('prepares the database once: one first key, two workers that answer in turn', async () => {
    expect(gateway.stderr().match(/afk_/g)).toHaveLength(1);
    expect(gateway.stdout().match(/"msg":"database migrated"/g)).toHaveLength(1);
    const seen = await onEveryWorker(() => gql(WHO), expectAuthenticated);
    expect([...seen.keys()].sort()).toEqual(['1', '2']);
  });

  it('a key revoked through one worker is refused by both on the very next request', async () => {
    const { key, id } = await orgAdminKey('revoked across workers');
    // Both workers have verified (and may have cached) the key.
    await onEveryWorker(() => gql(WHO, {}, key), expectAuthenticated);
    const revoked = await gql('mutation ($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id } } }', { input: { id } });
    expectAuthenticated(revoked);
    await onEveryWorker(() => gql(WHO, {}, key), expectUnauthenticated);
  });

  it('a role revoked through one worker is gone from the login token on both', async () => {
    const user = await orgAdminUser('role.revoked@quant.example');
    await onEveryWorker(() => gql<Can>(CAN, {}, user.token), expectCan(true));
    const revoked = await gql('mutation ($input: RoleGrantInput!) { revokeRole(input: $input) { user { id } } }', {
      input: { userId: user.id, organizationId: QUANT, role: 'org_admin' },
    });
    expectAuthenticated(revoked);
    await onEveryWorker(() => gql<Can>(CAN, {}, user.token), expectCan(false));
  });

  it('a member removed through one worker loses the organization on both: keys refused, login token without the permission', async () => {
    const user = await orgAdminUser('member.removed@quant.example');
    const { key } = await orgAdminKey('member key', user.token, true);
    await onEveryWorker(() => gql(WHO, {}, key), expectAuthenticated);
    await onEveryWorker(() => gql<Can>(CAN, {}, user.token), expectCan(true));
    const removed = await gql<{ removeMember: { revokedApiKeys: number } }>(
      'mutation ($input: RemoveMemberInput!) { removeMember(input: $input) { revokedApiKeys } }',
      { input: { userId: user.id, organizationId: QUANT } },
    );
    expect(removed.data?.removeMember.revokedApiKeys).toBe(1);
    await onEveryWorker(() => gql(WHO, {}, key), expectUnauthenticated);
    await onEveryWorker(() => gql<Can>(CAN, {}, user.token), expectCan(false));
  });

  it('a logout through one worker ends the login token on both', async () => {
    const user = await orgAdminUser('logged.out@quant.example');
    await onEveryWorker(() => gql(WHO, {}, user.token), expectAuthenticated);
    expectAuthenticated(await gql('mutation { logout { loggedOut } }', {}, user.token));
    await onEveryWorker(() => gql(WHO, {}, user.token), expectUnauthenticated);
  });

  it('keeps a monthly quota exact under concurrent batches through both workers, and the audit chains verify', async () => {
    const SET = 'mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { tokensUsed monthlyTokenLimit } }';
    const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count totalTokens } }';
    const batch = { organizationId: QUANT, records: [{ model: 'gpt-4o', promptTokens: 700, completionTokens: 300 }] };
    const read = await gql<{ setLlmQuota: { tokensUsed: number } }>(SET, { input: { organizationId: QUANT, monthlyTokenLimit: null } });
    const used = read.data?.setLlmQuota.tokensUsed as number;
    // Room for 10 batches of 1000 tokens and half of an 11th; 30 are sent at once.
    const limit = used + 10_500;
    const recordedBefore = await auditedRecords(databasePath);
    expectAuthenticated(await gql(SET, { input: { organizationId: QUANT, monthlyTokenLimit: limit } }));

    const answers = await Promise.all(
      Array.from({ length: 30 }, () => gql<{ recordLlmUsage: { count: number } | null }>(RECORD, { input: batch })),
    );
    expect(new Set(answers.map((answer) => answer.worker))).toEqual(new Set(['1', '2']));
    const taken = answers.filter((answer) => answer.data?.recordLlmUsage?.count === 1);
    const refused = answers.filter((answer) => answer.errors?.[0]?.extensions?.code === 'QUOTA_EXCEEDED');
    expect(taken).toHaveLength(10);
    expect(refused).toHaveLength(20);

    const after = await gql<{ setLlmQuota: { tokensUsed: number } }>(SET, { input: { organizationId: QUANT, monthlyTokenLimit: null } });
    expect(after.data?.setLlmQuota.tokensUsed).toBe(used + 10_000);
    expect((await auditedRecords(databasePath)) - recordedBefore).toBe(10);
    const verify = await runFoundry(databasePath, ['audit', 'verify']);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  });

  it('relays a diagnostics request to every worker and answers with their replies, in worker order', async () => {
    const reply = new Promise<unknown>((resolve) => gateway.child.once('message', resolve));
    gateway.child.send({ type: 'foundry:diagnostics', reset: true });
    // Each worker's reply comes from test/fixtures/diagnosticsReply.mjs, preloaded in this gateway.
    expect(await reply).toEqual({
      type: 'foundry:diagnostics',
      workers: workers(gateway.stdout())
        .sort((a, b) => a.id - b.id)
        .map(({ id, pid }) => ({ type: 'foundry:diagnostics', worker: id, pid, reset: true })),
    });
  });

  it('restarts a worker that dies, and the new one serves', async () => {
    const [killed, survivor] = workers(gateway.stdout());
    process.kill(killed?.pid as number, 'SIGKILL');
    await waitFor(() => workers(gateway.stdout()).length === 3);
    expect(gateway.stdout()).toMatch(new RegExp(`"worker":${killed?.id},[^\\n]*"msg":"worker died; restarting it"`));
    const seen = await onEveryWorker(() => gql(WHO), expectAuthenticated);
    expect([...seen.keys()].sort()).toEqual([String(survivor?.id), '3']);
  });

  it('refuses at once, on every worker, a key revoked straight in the database by another writer that tells no one', async () => {
    const { key, id } = await orgAdminKey("revoked behind the workers' backs");
    await onEveryWorker(() => gql(WHO, {}, key), expectAuthenticated);
    const other = await openDatabase(databasePath);
    try {
      const rowId = Buffer.from(id, 'base64').toString().split(':')[1] as string;
      await other.transaction((tx) =>
        tx.run('UPDATE api_keys SET revoked_at = :now WHERE id = :rowId', { now: new Date().toISOString(), rowId }),
      );
    } finally {
      await other.close();
    }
    await onEveryWorker(() => gql(WHO, {}, key), expectUnauthenticated);
  });

  it('stops on SIGTERM: every worker exits, then the primary with code 0', async () => {
    const pids = workers(gateway.stdout()).map((worker) => worker.pid);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });
});

describe('a gateway with FOUNDRY_WORKERS=1 (the default outside production)', () => {
  it('is one process: no worker header, no child process', async () => {
    const gateway = await startGateway(join(dir, 'single.db'));
    try {
      const answer = await post(gateway.url, WHO, {}, gateway.firstApiKey);
      expectAuthenticated(answer);
      expect(answer.worker).toBeUndefined();
      expect(childrenOf(gateway.child.pid as number)).toEqual([]);
    } finally {
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
    }
  }, 30_000);

  it('is what FOUNDRY_WORKERS says (1 to 64), else every core in production and 1 elsewhere', () => {
    expect(loadConfig({ FOUNDRY_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ NODE_ENV: 'production' }).workers).toBe(Math.min(64, availableParallelism()));
    expect(loadConfig({ NODE_ENV: 'test' }).workers).toBe(1);
    expect(loadConfig({}).workers).toBe(1);
    for (const workers of ['0', '65', '1.5', 'two']) expect(() => loadConfig({ FOUNDRY_WORKERS: workers })).toThrow(/FOUNDRY_WORKERS/);
  });
});

/** How many recordLlmUsage batches the audit log holds as taken. */
async function auditedRecords(databasePath: string): Promise<number> {
  const db = await openDatabase(databasePath);
  try {
    const row = await db.get<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'llm_usage.record' AND result = 'success'");
    return row?.n ?? -1;
  } finally {
    await db.close();
  }
}

/** Every worker that logged `worker listening`, in order of start. */
function workers(stdout: string): { id: number; pid: number }[] {
  return [...stdout.matchAll(/"worker":(\d+),"pid":(\d+),"msg":"worker listening"/g)].map((match) => ({
    id: Number(match[1]),
    pid: Number(match[2]),
  }));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
