// One structured log line per GraphQL request (request id, operation, principal, outcome, time, statements), never a secret.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, runFoundry, startGateway } from './helpers/gateway';

const PASSWORD = 'a-password-that-must-never-be-logged';

type Line = {
  level: number;
  msg: string;
  requestId?: string;
  operation?: string;
  principalId?: string | null;
  outcome?: string;
  status?: number;
  ms?: number;
  statements?: number;
};

async function send(gateway: Gateway, requestId: string, query: string, variables: Record<string, unknown>, token: string | null) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, any> | null; errors?: { extensions?: { code?: string } }[] };
}

describe('the request log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-log-'));
  const databasePath = join(dir, 'foundry.db');
  let gateway: Gateway;
  let clientKey: string;
  let clientKeyId: string;
  beforeAll(async () => {
    expect((await runFoundry(databasePath, ['init'])).code).toBe(0);
    const created = await runFoundry(databasePath, [
      'user',
      'create',
      '--email',
      'log@quant.example',
      '--name',
      'Log',
      '--password',
      PASSWORD,
      '--org',
      'quant',
      '--role',
      'org_viewer',
    ]);
    expect(created.code).toBe(0);
    const key = JSON.parse(
      (await runFoundry(databasePath, ['api-key', 'create', '--org', 'quant', '--role', 'api_client', '--json'])).stdout,
    ) as { id: string; key: string };
    clientKey = key.key;
    // The CLI prints the key's global id; the log names the row (`ApiKey:<row id>`).
    clientKeyId = Buffer.from(key.id, 'base64')
      .toString('utf8')
      .replace(/^ApiKey:/, '');
    gateway = await startGateway(databasePath);
  });
  afterAll(async () => {
    gateway?.child.kill('SIGTERM');
    await gateway?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one line per request with its id, operation, principal, outcome, time and statements, and no secret', async () => {
    const login = await send(
      gateway,
      'log-1',
      'mutation Login($input: LoginInput!) { login(input: $input) { token } }',
      { input: { email: 'log@quant.example', password: PASSWORD } },
      null,
    );
    const loginToken = login.data?.login?.token as string;
    expect(loginToken).toMatch(/^aft_/);
    expect((await send(gateway, 'log-2', 'query Me { viewer { principal { id } } }', {}, loginToken)).errors).toBeUndefined();
    const refused = await send(
      gateway,
      'log-3',
      'mutation Revoke($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { keyId } } }',
      { id: 'QXBpS2V5Om5vbmU=' },
      clientKey,
    );
    const refusedCode = refused.errors?.[0]?.extensions?.code;
    expect(refusedCode).toBeDefined();
    expect((await send(gateway, 'log-4', '{ viewer { principal { kind } } }', {}, clientKey)).errors).toBeUndefined();
    await send(
      gateway,
      'log-5',
      '{ agents { edges { node { name } } }',
      {},
      'afk_0123456789abcdef_not-a-real-secret-not-a-real-secret-not-a-r',
    );
    await fetch(gateway.url.replace('/graphql', '/health'));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const lines = gateway
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Line)
      .filter((line) => line.msg === 'request');
    expect(lines.map((line) => line.requestId)).toEqual(['log-1', 'log-2', 'log-3', 'log-4', 'log-5']);
    for (const line of lines) {
      expect(line.level).toBe(30);
      expect(line).toEqual(
        expect.objectContaining({
          operation: expect.any(String),
          outcome: expect.any(String),
          status: expect.any(Number),
          ms: expect.any(Number),
          statements: expect.any(Number),
        }),
      );
      expect(line).toHaveProperty('principalId');
    }
    const [first, second, third, fourth, fifth] = lines as [Line, Line, Line, Line, Line];
    expect(first).toMatchObject({ operation: 'Login', principalId: null, outcome: 'OK' });
    expect(first.statements).toBeGreaterThan(0);
    expect(second).toMatchObject({ operation: 'Me', principalId: expect.any(String), outcome: 'OK' });
    expect(third).toMatchObject({ operation: 'Revoke', principalId: clientKeyId, outcome: refusedCode });
    expect(fourth).toMatchObject({ operation: 'anonymous', principalId: clientKeyId, outcome: 'OK' });
    expect(fifth).toMatchObject({ principalId: null, outcome: 'BAD_USER_INPUT', operation: '-' });

    const output = gateway.stdout() + gateway.stderr();
    // The key's secret starts after its fixed prefix (afk_ and 16 hex digits of key id, then _): its own alphabet
    // has '_', so splitting at '_' could take a character or two of it for the whole (and find it in any line).
    const keySecret = clientKey.slice('afk_'.length + 16 + 1);
    expect(keySecret).toHaveLength(43);
    for (const secret of [PASSWORD, loginToken, clientKey, keySecret, 'not-a-real-secret']) expect(output).not.toContain(secret);
  });
});
