// The access policy on its own, without a server: the SQL it generates for a
// grid of grant sets × resources (saved file snapshots; after a change to how
// the SQL is built, review and regenerate them with `vitest -u`), and, on a
// seeded database, that the SQL predicate and the object-level check agree
// row by row for every role.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleCatalogue } from '../seeds/catalogue';
import { Grants } from '../src/auth/grants';
import { canSee, canSeeUser, type Resource, visibleQuery, visibleRows } from '../src/auth/policy';
import { NOBODY, type Principal } from '../src/auth/principal';
import { prepareDatabase } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { compile, type Sql, sql } from '../src/db/sql';
import type { Store } from '../src/db/store';
import { AGENT_VERSIONS, AGENTS } from '../src/modules/agents/repo';
import { API_KEYS } from '../src/modules/apiKeys/repo';
import { AUDIT_LOG, appendAuditEntry } from '../src/modules/auditLog/repo';
import { BUDGETS } from '../src/modules/budgets/repo';
import { DOMAINS } from '../src/modules/domains/repo';
import { INSTANCES } from '../src/modules/instances/repo';
import { INTEGRATION_CONFIGS } from '../src/modules/integrations/repo';
import { SESSIONS } from '../src/modules/sessions/repo';
import { USAGE } from '../src/modules/usage/repo';
import { WEBHOOK_DELIVERIES, WEBHOOKS } from '../src/modules/webhooks/repo';

const RESOURCES: Resource[] = [
  'organization',
  'domain',
  'instance',
  'agent',
  'agentVersion',
  'session',
  'auditLogEntry',
  'llmUsage',
  'integrationConfig',
  'apiKey',
  'webhook',
  'webhookDelivery',
  'budget',
  'user',
];

/** The columns each resource is loaded with in the application (the object check sees the same row). */
const COLUMNS: Record<Exclude<Resource, 'user'>, Sql> = {
  organization: sql`o.*`,
  domain: DOMAINS.columns,
  instance: INSTANCES.columns,
  agent: AGENTS.columns,
  agentVersion: AGENT_VERSIONS.columns,
  session: SESSIONS.columns,
  auditLogEntry: AUDIT_LOG.columns,
  llmUsage: USAGE.columns,
  integrationConfig: INTEGRATION_CONFIGS.columns,
  apiKey: API_KEYS.columns,
  webhook: WEBHOOKS.columns,
  webhookDelivery: WEBHOOK_DELIVERIES.columns,
  budget: BUDGETS.columns,
};

const ROLES = roleCatalogue();

type Identity = { userId: string | null; apiKeyId: string | null };
type GrantRow = { organizationId: string | null; code: string };

function principalWith(identity: Identity, grants: GrantRow[]): Principal {
  return {
    kind: identity.userId !== null && identity.apiKeyId === null ? 'USER' : 'API_KEY',
    id: identity.apiKeyId ?? identity.userId ?? 'nobody',
    name: 'test principal',
    ...identity,
    loginTokenId: null,
    apiKeyRoleId: null,
    grants: Grants.from(grants),
    isPlatformOwner: false,
  };
}

/** A role's permissions where it applies: platform and service roles everywhere, organization roles in `organizationId`. */
function roleGrants(roleName: string, organizationId: string): GrantRow[] {
  const role = ROLES.find((candidate) => candidate.name === roleName);
  if (!role) throw new Error(`no role ${roleName}`);
  return role.permissions.map((code) => ({ organizationId: role.level === 'org' ? organizationId : null, code }));
}

/** The alias a resource's rows are read under, as the policy names it. */
function aliasOf(resource: Resource): string {
  return compile(visibleQuery(principalWith({ userId: null, apiKeyId: null }, []), resource).alias).text;
}

/** A predicate as text with its values in order: the one place to adapt if the policy's SQL shape changes. */
function render(predicate: Sql): string {
  const { text, values } = compile(predicate);
  return `${text}\n-- values: ${values.length === 0 ? '(none)' : values.map((value) => JSON.stringify(value)).join(', ')}`;
}

describe('the policy SQL for a grid of grant sets', () => {
  const user = { userId: 'u-1', apiKeyId: null };
  const userKey = { userId: 'u-1', apiKeyId: 'k-1' };
  const key = { userId: null, apiKeyId: 'k-1' };
  const manyOrganizations = Array.from({ length: 40 }, (_, index) => `o-${String(index + 1).padStart(2, '0')}`);
  const grid: { name: string; principal: Principal }[] = [
    { name: 'no grants', principal: principalWith(userKey, []) },
    ...ROLES.map((role) => ({
      name: `${role.name} (${role.level === 'org' ? 'in o-1' : 'platform-wide'}), a user's key`,
      principal: principalWith(userKey, roleGrants(role.name, 'o-1')),
    })),
    { name: 'org_developer in o-1, as the user', principal: principalWith(user, roleGrants('org_developer', 'o-1')) },
    { name: 'api_client in o-1, a key without a user', principal: principalWith(key, roleGrants('api_client', 'o-1')) },
    {
      name: 'org_developer in o-1 and org_viewer in o-2',
      principal: principalWith(userKey, [...roleGrants('org_developer', 'o-1'), ...roleGrants('org_viewer', 'o-2')]),
    },
    {
      name: 'the :self reads platform-wide, the org-wide reads in o-1',
      principal: principalWith(userKey, [
        ...['agent:read:self', 'session:read:self', 'audit:read:self', 'llm:quota:read:self', 'api_key:read:self'].map((code) => ({
          organizationId: null,
          code,
        })),
        ...['agent:read:org', 'session:read:org', 'llm:quota:read:org', 'user:read'].map((code) => ({ organizationId: 'o-1', code })),
      ]),
    },
    {
      name: 'org_viewer in 40 organizations',
      principal: principalWith(
        user,
        manyOrganizations.flatMap((id) => roleGrants('org_viewer', id)),
      ),
    },
  ];

  for (const resource of RESOURCES) {
    it(`${resource}: matches the saved SQL and values`, async () => {
      const text = grid
        .map(({ name, principal }) => `-- ${name}\n${render(visibleRows(principal, resource, aliasOf(resource)))}\n`)
        .join('\n');
      await expect(text).toMatchFileSnapshot(`./__snapshots__/policy/${resource}.sql`);
    });
  }
});

describe('the policy on a seeded database', () => {
  let dir: string;
  let db: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foundry-policy-'));
    const config = loadConfig({ DATABASE_PATH: join(dir, 'foundry.db'), LOG_LEVEL: 'silent', BCRYPT_COST: '4' });
    ({ db } = await prepareDatabase(config));
    await addRowsOwnedByKeys(db);
  });

  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Who acts: a user, a key of that user, and a key without a user (each owns some rows). */
  const identities: { name: string; identity: Identity }[] = [
    { name: 'the user sarah.chen', identity: { userId: 'sarah.chen', apiKeyId: null } },
    { name: "sarah.chen's key", identity: { userId: 'sarah.chen', apiKeyId: 'k-sarah' } },
    { name: 'a key without a user', identity: { userId: null, apiKeyId: 'k-org' } },
  ];

  async function idsBySql(principal: Principal, resource: Resource): Promise<string[]> {
    const predicate = visibleRows(principal, resource, aliasOf(resource));
    const { from, alias } = visibleQuery(principal, resource);
    return (await db.all<{ id: string | number }>(sql`SELECT ${alias}.id AS id FROM ${from} WHERE ${predicate}`))
      .map((row) => String(row.id))
      .sort();
  }

  async function idsByCheck(principal: Principal, resource: Resource): Promise<string[]> {
    if (resource === 'user') {
      const users = await db.all<{ id: string; organization_ids: string }>(
        `SELECT u.id, (SELECT json_group_array(DISTINCT m.organization_id) FROM user_roles m
                        WHERE m.user_id = u.id AND m.organization_id IS NOT NULL) AS organization_ids
           FROM users u`,
      );
      return users
        .filter((row) => canSeeUser(principal, { id: row.id, organizationIds: JSON.parse(row.organization_ids) as string[] }))
        .map((row) => row.id)
        .sort();
    }
    const rows = await db.all<Record<string, unknown> & { id: string | number }>(
      sql`SELECT ${COLUMNS[resource]} FROM ${visibleQuery(principal, resource).from}`,
    );
    return rows
      .filter((row) => canSee(principal, resource, row))
      .map((row) => String(row.id))
      .sort();
  }

  for (const role of ROLES) {
    it(`agrees row by row for ${role.name}`, async () => {
      for (const { name, identity } of identities) {
        const principal = principalWith(identity, roleGrants(role.name, 'quant'));
        for (const resource of RESOURCES) {
          expect(await idsBySql(principal, resource), `${name}, ${resource}`).toEqual(await idsByCheck(principal, resource));
        }
      }
    });
  }

  it('sees part of a table, not all or nothing, in most of those comparisons', async () => {
    let partial = 0;
    for (const role of ROLES) {
      for (const { identity } of identities) {
        const principal = principalWith(identity, roleGrants(role.name, 'quant'));
        for (const resource of RESOURCES) {
          const seen = (await idsBySql(principal, resource)).length;
          const all = (await idsBySql(principalWith(identity, roleGrants('platform_owner', 'quant')), resource)).length;
          if (seen > 0 && seen < all) partial++;
        }
      }
    }
    expect(partial).toBeGreaterThan(ROLES.length * identities.length * 2);
  });

  it('shows NOBODY (who loaders read for without a principal) nothing, and refuses every row to a missing principal', async () => {
    for (const resource of RESOURCES) {
      expect(await idsBySql(NOBODY, resource), resource).toEqual([]);
      expect(await idsByCheck(NOBODY, resource), resource).toEqual([]);
      if (resource !== 'user') expect(canSee(null, resource, { organization_id: 'quant' })).toBe(false);
    }
  });
});

/** Rows in quant created, started or written by API keys (the sample data has only users as owners). */
async function addRowsOwnedByKeys(db: Store): Promise<void> {
  const at = '2026-01-20T10:00:00.000Z';
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO api_keys (id, key_id, name, secret_hash, organization_id, role_id, user_id, created_by_user_id, created_at)
       VALUES ('k-sarah', '00000000000000a1', 'sarah key', 'x', 'quant', 'org_developer', 'sarah.chen', 'sarah.chen', :at)`,
      { at },
    );
    await tx.run(
      `INSERT INTO api_keys (id, key_id, name, secret_hash, organization_id, role_id, created_by_api_key_id, created_at)
       VALUES ('k-org', '00000000000000a2', 'org key', 'x', 'quant', 'api_client', 'k-sarah', :at)`,
      { at },
    );
    await tx.run(
      `INSERT INTO agents (id, organization_id, domain_id, name, display_name, description, version, status, environment, tags,
         created_by_api_key_id, created_at, updated_at)
       VALUES ('agt-k', 'quant', 'demo', 'key-made-agent', 'Key Made Agent', '', '0.1.0', 'active', 'dev', '[]', 'k-org', :at, :at)`,
      { at },
    );
    await tx.run(
      `INSERT INTO agent_versions (id, agent_id, organization_id, version, snapshot, created_at)
       VALUES ('ver-agt-k-0.1.0', 'agt-k', 'quant', '0.1.0', '{}', :at)`,
      { at },
    );
    await tx.run(
      `INSERT INTO sessions (id, organization_id, agent_id, instance_id, started_by_user_id, started_by_api_key_id, status, metadata, started_at)
       VALUES ('ses-k', 'quant', 'agt-k', 'quant-demo-dev', NULL, 'k-org', 'active', '{}', :at),
              ('ses-sk', 'quant', 'agt-002', 'quant-demo-dev', 'sarah.chen', 'k-sarah', 'active', '{}', :at)`,
      { at },
    );
    await tx.run(
      `INSERT INTO llm_usage (id, organization_id, agent_id, session_id, api_key_id, provider, model, prompt_tokens, completion_tokens, cost_nano_usd, created_at)
       VALUES ('use-k', 'quant', 'agt-k', 'ses-k', 'k-org', 'openai', 'gpt-4o', 10, 5, 100, :at)`,
      { at },
    );
    // Budgets of every level: the organization's (the sample quota), a user's, each key's, an agent's, and another
    // organization's user budget.
    await tx.run(
      `INSERT INTO budgets (id, organization_id, level, subject_id, agent_id, api_key_id, user_id, period, token_limit, created_at, updated_at)
       VALUES ('b-sarah', 'quant', 'USER', 'sarah.chen', NULL, NULL, 'sarah.chen', 'DAY', 10, :at, :at),
              ('b-k-sarah', 'quant', 'API_KEY', 'k-sarah', NULL, 'k-sarah', NULL, 'WEEK', 10, :at, :at),
              ('b-k-org', 'quant', 'API_KEY', 'k-org', NULL, 'k-org', NULL, 'MONTH', 10, :at, :at),
              ('b-agt-k', 'quant', 'AGENT', 'agt-k', 'agt-k', NULL, NULL, 'MONTH', 10, :at, :at),
              ('b-cibc-priya', 'cibc', 'USER', 'priya.patel', NULL, NULL, 'priya.patel', 'MONTH', 10, :at, :at)`,
      { at },
    );
    await appendAuditEntry(tx, {
      organizationId: 'quant',
      actorKind: 'api_key',
      actorId: 'k-org',
      actorName: 'org key',
      actorUserId: null,
      actorApiKeyId: 'k-org',
      action: 'agent.create',
      resourceType: 'agent',
      resourceId: 'agt-k',
      result: 'success',
      requestId: null,
      clientAddress: null,
      metadata: {},
      createdAt: at,
    });
  });
}
