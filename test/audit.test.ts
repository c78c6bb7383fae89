// The audit trail: a write and its entry share one transaction, the chain
// verifies after a real workload, and a row edited by hand is named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../src/db/tables';
import { verifyAuditChains } from '../src/modules/auditLog/repo';
import { gid } from './helpers/fixtures';
import { runFoundry } from './helpers/gateway';
import { onPostgres, superuserOn } from './helpers/postgres';
import { apiKeyFor } from './helpers/principals';
import { errorCodes, startServer, type TestServer } from './helpers/server';

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startServer();
  admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
  await server.gql('{ viewer { principal { kind } } }', {}, admin);
});
afterAll(() => server.close());

async function counts(): Promise<Record<string, number>> {
  const db = server.services.db;
  const counts: Record<string, number> = {};
  for (const name of await tableNames(db)) counts[name] = (await db.get<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`))?.n ?? 0;
  return counts;
}

/** Runs `work` on a superuser connection to the server's PostgreSQL schema (past row-level security). */
async function asSuperuser<T>(work: (client: Awaited<ReturnType<typeof superuserOn>>) => Promise<T>): Promise<T> {
  const schema = (await server.services.db.get<{ name: string }>('SELECT current_schema() AS name'))?.name as string;
  const client = await superuserOn(schema);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// A trigger that makes every audit insert fail: SQLite's temporary trigger of the connection, PostgreSQL's trigger
// function (the gateway's connections are a pool: the trigger must be the table's).
const FAIL_AUDIT = onPostgres
  ? `CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
     CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_audit()`
  : "CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'injected failure'); END";
const DROP_FAIL_AUDIT = onPostgres ? 'DROP TRIGGER fail_audit ON audit_log; DROP FUNCTION fail_audit()' : 'DROP TRIGGER temp.fail_audit';

const CREATE_AGENT = `mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id name } } }`;

describe('a write and its audit entry', () => {
  it('land together: the entry names the actor, the action, the request and the change', async () => {
    const response = await server.gql<{ createAgent: { agent: { id: string } } }>(
      CREATE_AGENT,
      { input: { domainId: gid('Domain', 'demo'), name: 'audited-agent', displayName: 'Audited', tags: ['a'] } },
      admin,
    );
    expect(response.errors).toBeUndefined();
    const entry = await server.services.db.get<{
      action: string;
      result: string;
      organization_id: string;
      actor_kind: string;
      request_id: string;
      metadata: string;
    }>('SELECT action, result, organization_id, actor_kind, request_id, metadata FROM audit_log ORDER BY id DESC LIMIT 1');
    expect(entry).toMatchObject({ action: 'agent.create', result: 'success', organization_id: 'quant', actor_kind: 'api_key' });
    expect(entry?.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(entry?.metadata ?? '{}').after).toMatchObject({ name: 'audited-agent', displayName: 'Audited', tags: ['a'] });
  });

  it('fail together: when the audit insert fails after the change, neither the change nor the entry is kept', async () => {
    const db = server.services.db;
    const before = await counts();
    // Make the audit insert fail inside the mutation's transaction, after the agent row was written.
    await db.transaction((tx) => tx.exec(FAIL_AUDIT));
    try {
      const response = await server.gql(
        CREATE_AGENT,
        { input: { domainId: gid('Domain', 'demo'), name: 'never-kept', displayName: 'Never kept' } },
        admin,
      );
      expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(response)).not.toContain('injected');
    } finally {
      await db.transaction((tx) => tx.exec(DROP_FAIL_AUDIT));
    }
    expect(await counts()).toEqual(before);
    expect(await db.get("SELECT 1 FROM agents WHERE name = 'never-kept'")).toBeUndefined();
  });

  it('a denied attempt is kept as a DENIED entry while the change is not', async () => {
    const viewer = (await apiKeyFor(server, { org: 'quant', role: 'org_viewer' })).token;
    await server.gql('{ viewer { principal { kind } } }', {}, viewer);
    const before = await counts();
    const response = await server.gql(
      CREATE_AGENT,
      { input: { domainId: gid('Domain', 'demo'), name: 'denied-agent', displayName: 'x' } },
      viewer,
    );
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(await counts()).toEqual({ ...before, audit_log: (before.audit_log ?? 0) + 1 });
    const entry = await server.services.db.get<{ action: string; result: string; organization_id: string }>(
      'SELECT action, result, organization_id FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    expect(entry).toEqual({ action: 'agent.create', result: 'denied', organization_id: 'quant' });
  });

  it('cannot be changed or removed through SQL while its triggers stand', async () => {
    const statements = ["UPDATE audit_log SET action = 'agent.delete'", 'DELETE FROM audit_log'];
    if (!onPostgres) {
      for (const statement of statements) {
        await expect(server.services.db.transaction((tx) => tx.run(statement))).rejects.toThrow(/append-only/);
      }
      return;
    }
    // PostgreSQL has a wall before the triggers: row-level security gives audit_log no UPDATE or DELETE policy, so
    // the gateway's own role reaches no row; a superuser, whom that wall does not hold, meets the triggers.
    const before = await counts();
    for (const statement of statements) {
      expect(await server.services.db.transaction((tx) => tx.run(statement))).toEqual({ changes: 0 });
    }
    await asSuperuser(async (client) => {
      for (const statement of statements) await expect(client.query(statement)).rejects.toThrow(/append-only/);
    });
    expect(await counts()).toEqual(before);
  });
});

function foundryAuditVerify() {
  return runFoundry(server.databasePath, ['audit', 'verify'], server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : {});
}

describe('foundry audit verify', () => {
  it('passes after a workload of mutations, and names the entry edited by hand', async () => {
    // A workload across kinds of writes, successes and denials, in quant.
    const created = await server.gql<{ createDomain: { domain: { id: string } } }>(
      'mutation { createDomain(input: { organizationId: "T3JnYW5pemF0aW9uOnF1YW50", name: "billing", displayName: "Billing" }) { domain { id } } }',
      {},
      admin,
    );
    const domainId = created.data?.createDomain.domain.id as string;
    const responses = [];
    responses.push(
      await server.gql(
        'mutation ($id: ID!) { updateDomain(input: { id: $id, version: "1.1.0" }) { domain { version } } }',
        { id: domainId },
        admin,
      ),
    );
    responses.push(
      await server.gql(
        'mutation ($id: ID!) { publishAgent(input: { id: $id }) { agent { publishedAt } } }',
        { id: gid('Agent', 'agt-002') },
        admin,
      ),
    );
    responses.push(
      await server.gql(
        'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }',
        {
          input: {
            organizationId: gid('Organization', 'quant'),
            records: [{ model: 'gpt-4o', promptTokens: 1234, completionTokens: 567 }],
          },
        },
        admin,
      ),
    );
    responses.push(await server.gql('mutation ($id: ID!) { deleteDomain(input: { id: $id }) { deletedId } }', { id: domainId }, admin));
    for (const response of responses) expect(response.errors).toBeUndefined();

    expect((await verifyAuditChains(server.services.db)).broken).toBeNull();
    const ok = await foundryAuditVerify();
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit log verified: \d+ entries/);

    // Someone with the file (on PostgreSQL: the database's superuser) drops the guard and edits one entry.
    const target = await server.services.db.get<{ id: number }>(
      "SELECT id FROM audit_log WHERE action = 'domain.update' ORDER BY id DESC LIMIT 1",
    );
    if (onPostgres) {
      await asSuperuser(async (client) => {
        await client.query('DROP TRIGGER audit_log_no_update ON audit_log');
        await client.query(`UPDATE audit_log SET metadata = jsonb_set(metadata::jsonb, '{after,version}', '"9.9.9"')::json WHERE id = $1`, [
          target?.id ?? null,
        ]);
      });
    } else {
      await server.services.db.transaction((tx) => tx.exec('DROP TRIGGER audit_log_no_update'));
      await server.services.db.transaction((tx) =>
        tx.run(`UPDATE audit_log SET metadata = json_set(metadata, '$.after.version', '9.9.9') WHERE id = :id`, {
          id: target?.id ?? null,
        }),
      );
    }
    const broken = await foundryAuditVerify();
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toContain(`broken at entry ${target?.id} (domain.update)`);
  });
});
