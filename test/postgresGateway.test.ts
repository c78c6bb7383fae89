// The gateway as a deployment runs it on PostgreSQL: `npm start`'s command with DATABASE_URL, as a schema's owner
// role; and its refusal of a role that row-level security does not hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bootstrap } from '../src/bootstrap';
import { ConfigError, loadConfig } from '../src/config';
import { post, startGateway } from './helpers/gateway';
import { createGatewayDatabase, describeOnPostgres, type GatewayDatabase } from './helpers/postgres';

const dir = mkdtempSync(join(tmpdir(), 'foundry-pg-gateway-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeOnPostgres('the gateway on PostgreSQL', (url) => {
  it('refuses to start as a superuser, which row-level security would not hold, naming no credentials', async () => {
    const withPassword = new URL(url);
    withPassword.password = 'not-a-real-password';
    // Trust authentication on the test server ignores the password: it is there to be kept out of the message.
    const config = loadConfig({ DATABASE_URL: withPassword.toString(), DATABASE_PATH: join(dir, 'refused.db'), LOG_LEVEL: 'silent' });
    const refusal = await bootstrap(config).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as Error).message).toMatch(/superuser or BYPASSRLS/);
    expect((refusal as Error).message).not.toContain('not-a-real-password');
    expect((refusal as Error).message).not.toContain(withPassword.host);
  });

  let database: GatewayDatabase | null = null;
  afterAll(async () => await database?.drop());

  it('migrates an empty schema, prints the first key and serves it, as a process started like npm start', async () => {
    database = await createGatewayDatabase();
    const gateway = await startGateway(join(dir, 'keys.db'), { DATABASE_URL: database.databaseUrl, LOG_LEVEL: 'info' });
    try {
      expect(gateway.firstApiKey).toMatch(/^afk_/);
      // The log names the server and database, never the URL's user, password or options.
      expect(gateway.stdout()).toContain('"database":"postgres://');
      expect(gateway.stdout()).not.toContain(database.schema);
      const answer = await post<{ organizations: { totalCount: number; edges: { node: { slug: string } }[] } }>(
        gateway.url,
        '{ organizations(first: 10) { totalCount edges { node { slug } } } }',
        {},
        gateway.firstApiKey,
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.organizations.totalCount).toBe(2);
      expect(answer.data?.organizations.edges.map((edge) => edge.node.slug).sort()).toEqual(['cibc', 'quant']);
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
  });
});
