// `foundry migrate` as a real process: a gateway's SQLite file, written through the API, copied into an empty
// PostgreSQL schema and from there into a new SQLite file, every row of every table as it was; a target that
// holds rows or a file that exists is refused and left as it was; the gateway on the PostgreSQL copy answers
// as the SQLite original did.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteStore } from '../src/db/connection';
import { PostgresStore } from '../src/db/postgres/store';
import type { Store } from '../src/db/store';
import { describeTables } from '../src/db/tables';
import { verifyAuditChains } from '../src/modules/auditLog/repo';
import { gid } from './helpers/fixtures';
import { type Run, runFoundry } from './helpers/gateway';
import { createGatewayDatabase, describeOnPostgres, type GatewayDatabase } from './helpers/postgres';
import { startServer, type TestServer } from './helpers/server';

const PASSWORD = 'not-to-be-printed';

/** A test URL with a password in it: trust authentication lets it in, so only the printing is under test. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = PASSWORD;
  return parsed.toString();
}

async function must<T = Record<string, unknown>>(server: TestServer, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await server.gql<T>(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data as T;
}

/** A few dozen writes through the API, so that audit chains, usage and its rollups, sealed secrets and keys have rows. */
async function writeWorkload(server: TestServer): Promise<void> {
  for (const [i, org] of ['quant', 'cibc', 'quant'].entries()) {
    const organizationId = gid('Organization', org);
    const { createDomain } = await must<{ createDomain: { domain: { id: string } } }>(
      server,
      'mutation ($input: CreateDomainInput!) { createDomain(input: $input) { domain { id } } }',
      { input: { organizationId, name: `ops-${i}`, displayName: `Ops ${i}`, description: 'moved between engines' } },
    );
    const domainId = createDomain.domain.id;
    await must(server, 'mutation ($input: UpsertIntegrationConfigInput!) { upsertIntegrationConfig(input: $input) { created } }', {
      input: {
        domainId,
        environment: 'DEV',
        integration: 'salesforce',
        config: { region: 'eu', retries: 3 },
        secrets: { token: `t-${i}` },
      },
    });
    for (const a of [0, 1]) {
      const { createAgent } = await must<{ createAgent: { agent: { id: string } } }>(
        server,
        'mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } } }',
        {
          input: {
            domainId,
            name: `agent-${i}-${a}`,
            displayName: `Agent ${i}.${a} é`,
            status: 'ACTIVE',
            tags: ['moved', `n${a}`],
            config: { temperature: 0.25, nested: { z: 1, a: [1, 2] } },
          },
        },
      );
      const agentId = createAgent.agent.id;
      const { startSession } = await must<{ startSession: { session: { id: string } } }>(
        server,
        'mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }',
        { input: { agentId, metadata: { run: a, by: 'test' } } },
      );
      const sessionId = startSession.session.id;
      await must(server, 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }', {
        input: {
          organizationId,
          records: [
            { sessionId, model: 'gpt-4o', promptTokens: 1200 + a, completionTokens: 345, latencyMs: 80 },
            { agentId, model: 'gpt-4o-mini', promptTokens: 77, completionTokens: 11 },
          ],
        },
      });
      if (a === 0)
        await must(server, 'mutation ($input: EndSessionInput!) { endSession(input: $input) { session { id } } }', {
          input: { id: sessionId },
        });
    }
  }
  const quant = gid('Organization', 'quant');
  await must(server, 'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }', {
    input: { organizationId: quant, name: 'made by a key', role: 'org_viewer' },
  });
  await must(server, 'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { user { id } } }', {
    input: { organizationId: quant, email: 'moved@example.com', name: 'Moved', password: 'a long enough password', role: 'org_developer' },
  });
  await must(server, 'mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { monthlyTokenLimit } }', {
    input: { organizationId: quant, monthlyTokenLimit: 1_000_000_000, monthlyCostLimitUsd: '250.00' },
  });
}

/** JSON text as its value (PostgreSQL's jsonb keeps documents, not their spelling); every other value as it is. */
function comparable(value: unknown): unknown {
  if (typeof value !== 'string' || !/^[[{]/.test(value)) return value;
  try {
    return sortedKeys(JSON.parse(value));
  } catch {
    return value;
  }
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, sortedKeys(v)]),
  );
}

/**
 * Every copied table's rows, the columns `reference` has (not the generated ones), in a stable order. The audit log
 * is kept byte for byte (its metadata is hashed as written); other JSON compares as documents.
 */
async function everyRow(db: Store, reference: Store): Promise<Record<string, string[]>> {
  const rows: Record<string, string[]> = {};
  for (const table of await describeTables(reference)) {
    const columns = table.columns.map((column) => `"${column.name}"`).join(', ');
    const all = await db.all<Record<string, unknown>>(`SELECT ${columns} FROM "${table.name}"`);
    rows[table.name] = all
      .map((row) =>
        JSON.stringify(table.name === 'audit_log' ? row : Object.fromEntries(Object.entries(row).map(([k, v]) => [k, comparable(v)]))),
      )
      .sort();
  }
  return rows;
}

/** Asked of the SQLite original and of the gateway on the PostgreSQL copy: the same answers, cursors included. */
const QUERIES = {
  organizations: '{ organizations(first: 20) { totalCount edges { node { id slug name createdAt } } } }',
  agentsWithSessions: `{ organization(slug: "quant") { agents(first: 50) { totalCount edges { node {
    id name displayName status tags config createdAt isSystemAgent
    sessions(first: 20) { totalCount edges { node { id status startedAt endedAt metadata totalTokens costUsd } } } } } } } }`,
  usage: `{ organization(slug: "quant") { usage(first: 50) { totalCount edges { node {
    id model provider promptTokens completionTokens totalTokens costUsd createdAt agent { id } } } } } }`,
  usageSummary: `{ organization(slug: "quant") {
    quota { tokensUsed costUsedUsd monthlyTokenLimit }
    usageSummary(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [DAY, MODEL, AGENT], first: 100) {
      totalCount total { requests promptTokens completionTokens totalTokens costUsd }
      pageInfo { hasNextPage endCursor }
      edges { cursor node { day model provider agent { id } requests promptTokens completionTokens totalTokens costUsd } } } } }`,
  auditLog: `{ organization(slug: "quant") { auditLog(first: 100) { totalCount edges { cursor node { id action result createdAt } } } } }`,
};

async function answers(server: TestServer): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, query] of Object.entries(QUERIES)) out[name] = await must(server, query);
  return out;
}

describeOnPostgres('foundry migrate', () => {
  let original: TestServer;
  let postgres: GatewayDatabase;
  let finalPath: string;
  let toPostgres: Run;
  let back: Run;
  let originalAnswers: Record<string, unknown>;

  beforeAll(async () => {
    original = await startServer({}, { postgres: false });
    await writeWorkload(original);
    originalAnswers = await answers(original);
    // The gateway lets go of the file: the command refuses a database a gateway holds.
    await original.services.db.close();
    postgres = await createGatewayDatabase();
    finalPath = join(original.dir, 'back.db');
    toPostgres = await runFoundry(original.databasePath, ['migrate', '--to', withPassword(postgres.databaseUrl)]);
    back = await runFoundry(original.databasePath, ['migrate', '--from', postgres.databaseUrl, '--to', finalPath]);
  });

  afterAll(async () => {
    await postgres?.drop();
    await original?.close().catch(() => undefined);
  });

  const openAll = async () => ({
    file: new SqliteStore(original.databasePath),
    copy: new PostgresStore(postgres.databaseUrl),
    final: new SqliteStore(finalPath),
  });

  it('copies the file into PostgreSQL and back, and says which table moved how many rows, and where the key is', () => {
    expect(toPostgres.stderr).toBe('');
    expect(toPostgres.code).toBe(0);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(toPostgres.stdout).toMatch(/^ {2}audit_log +\d+ +\d+$/m);
    expect(toPostgres.stdout).toContain('every count matches; the audit hash chains verify on the copy');
    expect(toPostgres.stdout).toContain('FOUNDRY_SECRET_KEY');
    expect(back.stdout).toContain(`to ${finalPath}.key`);
    expect(readFileSync(`${finalPath}.key`, 'utf8')).toBe(readFileSync(`${original.databasePath}.key`, 'utf8'));
    expect(statSync(`${finalPath}.key`).mode & 0o077).toBe(0);
  });

  it('never prints the password of the URL', () => {
    expect(toPostgres.stdout).toContain(':***@');
    expect(`${toPostgres.stdout}${toPostgres.stderr}`).not.toContain(PASSWORD);
  });

  it('keeps every row of every table as it was: ids, times, hashes, amounts, sealed secrets, on PostgreSQL and back in SQLite', async () => {
    const { file, copy, final } = await openAll();
    try {
      const rows = await everyRow(file, file);
      expect(rows.audit_log?.length).toBeGreaterThan(20);
      expect(rows.llm_usage?.length).toBeGreaterThan(12);
      expect(rows.llm_usage_daily?.length).toBeGreaterThan(0);
      expect(rows.integration_secrets?.length).toBeGreaterThan(2);
      expect(await everyRow(copy, file)).toEqual(rows);
      expect(await everyRow(final, file)).toEqual(rows);
    } finally {
      await Promise.all([file.close(), copy.close(), final.close()]);
    }
  });

  it('leaves audit chains that verify on every copy', async () => {
    const { file, copy, final } = await openAll();
    try {
      for (const db of [file, copy, final]) expect((await verifyAuditChains(db)).broken).toBeNull();
    } finally {
      await Promise.all([file.close(), copy.close(), final.close()]);
    }
    const verify = await runFoundry(finalPath, ['audit', 'verify']);
    expect(verify.code).toBe(0);
  });

  it('refuses a target that holds rows, with the password masked, and leaves it as it was', async () => {
    const { file, copy, final } = await openAll();
    try {
      const before = await everyRow(copy, file);
      const again = await runFoundry(original.databasePath, ['migrate', '--to', withPassword(postgres.databaseUrl)]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/refusing to copy into postgres:\/\/postgres:\*\*\*@.* it is not empty/);
      expect(`${again.stdout}${again.stderr}`).not.toContain(PASSWORD);
      expect(await everyRow(copy, file)).toEqual(before);
    } finally {
      await Promise.all([file.close(), copy.close(), final.close()]);
    }
  });

  it('refuses to copy into a file that exists, and leaves it as it was', async () => {
    const before = readFileSync(finalPath);
    const again = await runFoundry(original.databasePath, ['migrate', '--from', postgres.databaseUrl, '--to', finalPath]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`foundry: ${finalPath} exists already; choose a new file\n`);
    expect(readFileSync(finalPath).equals(before)).toBe(true);
  });

  it('serves the PostgreSQL copy with the answers the SQLite original gave', async () => {
    const key = readFileSync(`${original.databasePath}.key`, 'utf8').trim();
    const onCopy = await startServer(
      { DATABASE_URL: postgres.databaseUrl, FOUNDRY_SECRET_KEY: key, FOUNDRY_SEED_SAMPLE_DATA: '0' },
      { postgres: false, apiKey: original.firstApiKey },
    );
    try {
      expect(await answers(onCopy)).toEqual(originalAnswers);
    } finally {
      await onCopy.close();
    }
  });
});
