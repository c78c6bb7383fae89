// Tenant isolation, schema-wide: by no path introspection finds does any role of one organization see, find or count the other's rows.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonValues, type Reader, type Store, type Tx } from '../src/db/store';
import { appendAuditEntry } from '../src/modules/auditLog/repo';
import { insertUsageBatch } from '../src/modules/usage/repo';
import { type Document, documents, INTROSPECTION, Schema, type SchemaType, str, Walk } from './helpers/isolationQueries';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { type GraphQLResponse, startServer, type TestServer } from './helpers/server';

// ---------------------------------------------------------------------------
// What each organization owns: the rows behind every type of tenant data,
// read from the database so that new rows (and new seeds) are covered too.

/** Per type of tenant data, the SQL giving the row ids an organization owns. */
const TENANT_ROWS: Record<string, string> = {
  Organization: 'SELECT id FROM organizations WHERE id = :org',
  Quota: 'SELECT id FROM organizations WHERE id = :org',
  Budget: 'SELECT id FROM budgets WHERE organization_id = :org',
  Domain: 'SELECT id FROM domains WHERE organization_id = :org',
  Instance: 'SELECT id FROM instances WHERE organization_id = :org',
  Agent: 'SELECT id FROM agents WHERE organization_id = :org',
  AgentVersion: 'SELECT id FROM agent_versions WHERE organization_id = :org',
  Session: 'SELECT id FROM sessions WHERE organization_id = :org',
  LlmUsageRecord: 'SELECT id FROM llm_usage WHERE organization_id = :org',
  IntegrationConfig: 'SELECT id FROM integration_configs WHERE organization_id = :org',
  AuditLogEntry: 'SELECT CAST(id AS TEXT) AS id FROM audit_log WHERE organization_id = :org',
  ApiKey: 'SELECT id FROM api_keys WHERE organization_id = :org',
  Webhook: 'SELECT id FROM webhooks WHERE organization_id = :org',
  WebhookDelivery: 'SELECT id FROM webhook_deliveries WHERE organization_id = :org',
  // Users belong to organizations through roles; one who also belongs elsewhere is not this organization's alone.
  User: `SELECT u.id FROM users u
          WHERE EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.organization_id = :org)
            AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND (r.organization_id IS NULL OR r.organization_id <> :org))`,
};

/** Node types of the platform's catalogue, the same for every tenant: one id each, for node(). */
const GLOBAL_ROWS: Record<string, string> = {
  Role: 'SELECT id FROM roles ORDER BY id LIMIT 1',
  Permission: 'SELECT code AS id FROM permissions ORDER BY code LIMIT 1',
};

/** A word only the rows added for `org` carry (names, descriptions, tags, models, actions, secrets). */
const markerOf = (org: string) => `zz${org}marker`;

type Owned = {
  /** Row ids per type. */
  rows: Map<string, string[]>;
  globalIds: Set<string>;
  /** Strings that are the organization's alone: row ids (but audit integers), slug, member emails, key ids. */
  strings: Set<string>;
  marker: string;
};

async function ownedBy(db: Reader, org: string): Promise<Owned> {
  const rows = new Map<string, string[]>();
  const globalIds = new Set<string>();
  const strings = new Set<string>();
  for (const [type, sql] of Object.entries(TENANT_ROWS)) {
    const ids = (await db.all<{ id: string }>(`${sql} ORDER BY 1`, { org })).map((row) => row.id);
    rows.set(type, ids);
    for (const id of ids) {
      globalIds.add(encodeGlobalID(type, id));
      if (type !== 'AuditLogEntry') strings.add(id);
    }
  }
  strings.add((await db.get<{ slug: string }>('SELECT slug FROM organizations WHERE id = :org', { org }))?.slug ?? org);
  const users = JSON.stringify(rows.get('User') ?? []);
  for (const { email } of await db.all<{ email: string }>(
    `SELECT email FROM users WHERE id IN (SELECT value FROM ${jsonValues(db)}(:users))`,
    {
      users,
    },
  )) {
    strings.add(email);
  }
  for (const { key_id } of await db.all<{ key_id: string }>('SELECT key_id FROM api_keys WHERE organization_id = :org', { org })) {
    strings.add(key_id);
  }
  return { rows, globalIds, strings, marker: markerOf(org) };
}

/** The first row of each type an organization owns (and of each catalogue type), as global ids. */
async function sampleIds(db: Reader, org: string): Promise<Map<string, string>> {
  const sample = new Map<string, string>();
  for (const [type, ids] of (await ownedBy(db, org)).rows) if (ids[0] !== undefined) sample.set(type, encodeGlobalID(type, ids[0]));
  for (const [type, sql] of Object.entries(GLOBAL_ROWS)) {
    const id = (await db.get<{ id: string }>(sql))?.id;
    if (id !== undefined) sample.set(type, encodeGlobalID(type, id));
  }
  return sample;
}

// ---------------------------------------------------------------------------
// Principals of one organization: an API key of every organization and
// service role, users who log in with org_developer and org_admin (so that
// `:self` rules meet a user id), and a key that belongs to a user.

type Principal = { label: string; token: string; userId: string | null; apiKeyId: string | null };

async function principalsOf(server: TestServer, org: string): Promise<Principal[]> {
  const roles = await server.services.db.all<{ id: string }>("SELECT id FROM roles WHERE level IN ('org', 'service') ORDER BY level, id");
  const out: Principal[] = [];
  for (const { id: role } of roles) {
    const key = await apiKeyFor(server, { org, role });
    out.push({ label: `${org} ${role} key`, token: key.token, userId: null, apiKeyId: key.id });
  }
  for (const role of ['org_developer', 'org_admin']) {
    const user = await userWith(server, { grants: [{ org, role }] });
    out.push({ label: `${org} ${role} user`, token: await loginAs(server, user.email, user.password), userId: user.id, apiKeyId: null });
    if (role === 'org_developer') {
      const key = await apiKeyFor(server, { org, role, userId: user.id });
      out.push({ label: `${org} ${role} key of a user`, token: key.token, userId: user.id, apiKeyId: key.id });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Rows. Times are fixed, this month's relative to its first day (quotas count
// only them), so that every order is the same on every run.

const monthStart = () => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
};
const thisMonth = (minutes: number) => new Date(monthStart() + minutes * 60_000).toISOString();
const january = (minutes: number) => new Date(Date.parse('2026-01-12T00:00:00.000Z') + minutes * 60_000).toISOString();
const MODELS = [
  ['openai', 'gpt-4o'],
  ['anthropic', 'claude-haiku-3.5'],
  ['google', 'gemini-1.5-flash'],
] as const;

/**
 * Rows of an organization owned by each of its principals, so that `:self`
 * rules have something to show; and an agent, a session and usage of someone
 * who has since moved to the other organization (`stranger`), whom the
 * organization's principals must no longer see.
 */
async function giveRowsTo(db: Store, org: string, principals: Principal[], stranger: string): Promise<void> {
  const domain = (await db.get<{ id: string }>('SELECT id FROM domains WHERE organization_id = :org ORDER BY id', { org }))?.id as string;
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO agents (id, organization_id, domain_id, name, display_name, status, created_by_user_id, created_at, updated_at)
       VALUES (:agent, :org, :domain, :agent, :agent, 'active', :stranger, :at, :at)`,
      { agent: `${org}-strangers-agent`, org, domain, stranger, at: january(-5) },
    );
    await tx.run(
      `INSERT INTO sessions (id, organization_id, agent_id, started_by_user_id, status, started_at, ended_at)
       VALUES (:session, :org, :agent, :stranger, 'completed', :at, :at)`,
      { session: `${org}-strangers-session`, org, agent: `${org}-strangers-agent`, stranger, at: january(-4) },
    );
    await insertUsageBatch(tx, [
      {
        id: `${org}-strangers-use`,
        organizationId: org,
        agentId: `${org}-strangers-agent`,
        sessionId: `${org}-strangers-session`,
        userId: stranger,
        apiKeyId: null,
        provider: 'openai',
        model: 'gpt-4o',
        promptTokens: 10,
        completionTokens: 10,
        costNanoUsd: 1000n,
        latencyMs: null,
        createdAt: thisMonth(0),
      },
    ]);
    await addWebhooks(tx, org, `${org}-own`, [stranger], 1);
    for (const [i, principal] of principals.entries()) {
      const agent = `${org}-own-agent-${i}`;
      const session = `${org}-own-session-${i}`;
      const owner = { user: principal.userId, key: principal.apiKeyId };
      await tx.run(
        `INSERT INTO agents (id, organization_id, domain_id, name, display_name, status, tags, created_by_user_id, created_by_api_key_id,
           created_at, updated_at)
         VALUES (:agent, :org, :domain, :agent, :agent, 'active', '["own"]', :user, :key, :at, :at)`,
        { agent, org, domain, ...owner, at: january(i) },
      );
      await tx.run(
        `INSERT INTO agent_versions (id, agent_id, organization_id, version, snapshot, created_by_user_id, created_at)
         VALUES (:id, :agent, :org, '0.1.0', '{}', :user, :at)`,
        { id: `${agent}-0.1.0`, agent, org, user: owner.user, at: january(i) },
      );
      await tx.run(
        `INSERT INTO sessions (id, organization_id, agent_id, started_by_user_id, started_by_api_key_id, status, started_at)
         VALUES (:session, :org, :agent, :user, :key, 'active', :at)`,
        { session, org, agent, ...owner, at: january(i + 1) },
      );
      for (const [j, at] of [january(i + 2), thisMonth(i + 2)].entries()) {
        const [provider, model] = MODELS[(i + j) % MODELS.length] as (typeof MODELS)[number];
        await insertUsageBatch(tx, [
          {
            id: `${session}-use-${j}`,
            organizationId: org,
            agentId: agent,
            sessionId: session,
            userId: owner.user,
            apiKeyId: owner.key,
            provider,
            model,
            promptTokens: 100,
            completionTokens: 50,
            costNanoUsd: 1234567n,
            latencyMs: 200,
            createdAt: at,
          },
        ]);
      }
      // Budgets of the principal's agent, user and key (those a :self reader owns), and of the organization.
      const budget = async (id: string, level: string, subject: string | null, column: string, period: string) => {
        if (subject === null) return;
        await tx.run(
          `INSERT INTO budgets (id, organization_id, level, subject_id, ${column}, period, token_limit, created_at, updated_at)
           VALUES (:id, :org, :level, :subject, :subject, :period, 1000000, :at, :at)
           ON CONFLICT (organization_id, level, subject_id, period) DO NOTHING`,
          { id, org, level, subject, period, at: january(i) },
        );
      };
      await budget(`${agent}-budget`, 'AGENT', agent, 'agent_id', 'DAY');
      await budget(`${org}-own-user-budget-${i}`, 'USER', owner.user, 'user_id', 'WEEK');
      if (owner.key) {
        const ownKey = await tx.get('SELECT id FROM api_keys WHERE id = :key AND organization_id = :org', { key: owner.key, org });
        if (ownKey) await budget(`${org}-own-key-budget-${i}`, 'API_KEY', owner.key, 'api_key_id', 'MONTH');
      }
      await tx.run(
        `INSERT INTO budgets (id, organization_id, level, subject_id, period, token_limit, created_at, updated_at)
         VALUES (:id, :org, 'ORGANIZATION', :org, 'WEEK', 1000000, :at, :at) ON CONFLICT (organization_id, level, subject_id, period) DO NOTHING`,
        { id: `${org}-week`, org, at: january(i) },
      );
      await appendAuditEntry(tx, {
        organizationId: org,
        actorKind: principal.userId ? 'user' : 'api_key',
        actorId: principal.userId ?? principal.apiKeyId,
        actorName: principal.label,
        actorUserId: principal.userId,
        actorApiKeyId: principal.apiKeyId,
        action: 'agent.create',
        resourceType: 'agent',
        resourceId: agent,
        result: 'success',
        requestId: null,
        clientAddress: null,
        metadata: {},
        createdAt: january(i),
      });
    }
  });
}

/**
 * `count` webhooks of the organization with two settled deliveries each (one DELIVERED, one FAILED), so that no
 * dispatcher attempt changes them while answers are compared.
 */
async function addWebhooks(tx: Tx, org: string, prefix: string, owners: readonly (string | null)[], count: number): Promise<void> {
  const marker = markerOf(org);
  for (let i = 0; i < count; i++) {
    const webhook = `${prefix}-webhook-${i}`;
    await tx.run(
      `INSERT INTO webhooks (id, organization_id, url, events, secret, created_by_user_id, created_at)
       VALUES (:webhook, :org, :url, '["budget.threshold_crossed"]', :secret, :user, :at)`,
      {
        webhook,
        org,
        url: `https://${marker}.example/hooks/${i}`,
        secret: `${marker}-secret`,
        user: owners[i % owners.length] ?? null,
        at: january(i),
      },
    );
    for (let d = 0; d < 2; d++) {
      await tx.run(
        `INSERT INTO webhook_deliveries (id, organization_id, webhook_id, event, body, status, attempts, next_attempt_at, last_status,
           last_error, delivered_at, created_at)
         VALUES (:id, :org, :webhook, 'budget.threshold_crossed', :body, :status, 2, :at, 500, :error, :delivered, :at)`,
        {
          id: `${webhook}-delivery-${d}`,
          org,
          webhook,
          body: JSON.stringify({ type: 'budget.threshold_crossed', timestamp: thisMonth(d), data: { marker } }),
          status: d === 0 ? 'DELIVERED' : 'FAILED',
          error: d === 0 ? null : `${marker} HTTP 500`,
          delivered: d === 0 ? thisMonth(d) : null,
          at: thisMonth(d),
        },
      );
    }
  }
}

/**
 * Makes an organization much bigger: members, domains, instances, integration
 * configs, keys, agents, versions, sessions, usage with large costs (this
 * month and in January), audit entries and a quota. Some rows name users of
 * the observing organization (`formerMembers`: people who once worked in
 * `org` too), and one observing member (`sharedUser`) joins `org`.
 */
async function growOrganization(db: Store, org: string, formerMembers: string[], sharedUser: string): Promise<void> {
  const marker = markerOf(org);
  const prefix = `${org}-zz`;
  const roles = (await db.all<{ id: string }>("SELECT id FROM roles WHERE level = 'org' ORDER BY id")).map((row) => row.id);
  const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
  const statuses = ['active', 'completed', 'failed', 'terminated'];
  await db.transaction(async (tx) => {
    const users: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = `${prefix}-user-${i}`;
      users.push(id);
      await tx.run(`INSERT INTO users (id, email, name, created_at, updated_at) VALUES (:id, :email, :name, :at, :at)`, {
        id,
        email: `${id}@${org}.zz.example`,
        name: `${marker} user ${i}`,
        at: january(-100 + i),
      });
      await tx.run(`INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at) VALUES (:grant, :id, :role, :org, :at)`, {
        grant: `${id}-grant`,
        id,
        role: pick(roles, i),
        org,
        at: january(-100 + i),
      });
    }
    await tx.run(
      `INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at) VALUES (:grant, :user, 'org_viewer', :org, :at)`,
      {
        grant: `${prefix}-shared-grant`,
        user: sharedUser,
        org,
        at: january(-50),
      },
    );
    const owners = [...users.slice(0, 2), ...formerMembers, null];

    const keys: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = `${prefix}-key-${i}`;
      keys.push(id);
      await tx.run(
        `INSERT INTO api_keys (id, key_id, name, secret_hash, organization_id, role_id, user_id, created_by_user_id, created_at, last_used_at)
         VALUES (:id, :keyId, :name, 'not-a-hash', :org, :role, :user, :creator, :at, :at)`,
        {
          id,
          keyId: `${org}zzkey${i}`,
          name: `${marker} key ${i}`,
          org,
          role: pick(roles, i),
          user: pick(owners, i),
          creator: pick(owners, i + 1),
          at: january(-40 + i),
        },
      );
    }

    const domains = [
      (await tx.get<{ id: string }>('SELECT id FROM domains WHERE organization_id = :org ORDER BY id', { org }))?.id as string,
    ];
    const instances = new Map<string, string[]>();
    for (let d = 0; d < 2; d++) {
      const id = `${prefix}-domain-${d}`;
      domains.push(id);
      await tx.run(
        `INSERT INTO domains (id, organization_id, name, display_name, description, created_at, updated_at)
         VALUES (:id, :org, :name, :name, :marker, :at, :at)`,
        { id, org, name: `${marker}-domain-${d}`, marker, at: january(-30 + d) },
      );
      for (const environment of ['dev', 'staging', 'prod']) {
        const instance = `${id}-${environment}`;
        instances.set(id, [...(instances.get(id) ?? []), instance]);
        await tx.run(
          `INSERT INTO instances (id, organization_id, domain_id, environment, name, config, created_at, updated_at)
           VALUES (:instance, :org, :id, :environment, :name, :config, :at, :at)`,
          { instance, org, id, environment, name: `${marker}-${environment}`, config: JSON.stringify({ marker }), at: january(-20 + d) },
        );
      }
      await tx.run(
        `INSERT INTO integration_configs (id, organization_id, domain_id, environment, integration, config, created_at, updated_at)
         VALUES (:config, :org, :id, 'dev', :integration, :settings, :at, :at)`,
        { config: `${id}-int`, org, id, integration: `${marker}-int-${d}`, settings: JSON.stringify({ marker }), at: january(-10 + d) },
      );
      await tx.run(`INSERT INTO integration_secrets (integration_config_id, secrets, updated_at) VALUES (:config, :secrets, :at)`, {
        config: `${id}-int`,
        secrets: JSON.stringify({ token: marker }),
        at: january(-10 + d),
      });
    }

    const agents: { id: string; domain: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const id = `${prefix}-agent-${i}`;
      const domain = pick(domains, i);
      agents.push({ id, domain });
      await tx.run(
        `INSERT INTO agents (id, organization_id, domain_id, name, display_name, description, status, environment, tags, config,
           published_at, created_by_user_id, created_by_api_key_id, created_at, updated_at)
         VALUES (:id, :org, :domain, :name, :name, :description, :status, :environment, :tags, :config, :published, :user, :key, :at, :at)`,
        {
          id,
          org,
          domain,
          name: `${marker}-agent-${i}`,
          description: `${marker} agent ${i}`,
          status: pick(['draft', 'active', 'inactive', 'archived'], i),
          environment: pick(['dev', 'staging', 'prod'], i),
          tags: JSON.stringify([marker, 'support']),
          config: JSON.stringify({ marker }),
          published: i % 2 === 0 ? january(i) : null,
          user: pick(owners, i),
          key: pick([...keys, null], i),
          at: january(i),
        },
      );
      if (i % 3 === 0) {
        await tx.run(
          `INSERT INTO agent_versions (id, agent_id, organization_id, version, snapshot, created_by_user_id, created_at)
           VALUES (:version, :id, :org, '1.0.0', :snapshot, :user, :at)`,
          { version: `${id}-1.0.0`, id, org, snapshot: JSON.stringify({ marker }), user: pick(owners, i + 1), at: january(i + 1) },
        );
      }
    }

    const sessions: { id: string; agent: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `${prefix}-session-${i}`;
      const agent = pick(agents, i);
      const status = pick(statuses, i);
      sessions.push({ id, agent: agent.id });
      await tx.run(
        `INSERT INTO sessions (id, organization_id, agent_id, instance_id, started_by_user_id, started_by_api_key_id, status, metadata, started_at, ended_at)
         VALUES (:id, :org, :agent, :instance, :user, :key, :status, :metadata, :at, :ended)`,
        {
          id,
          org,
          agent: agent.id,
          instance: i % 4 === 3 ? null : pick(instances.get(agent.domain) ?? [null], i),
          user: pick(owners, i),
          key: pick([...keys, null], i),
          status,
          metadata: JSON.stringify({ marker }),
          at: january(i * 7),
          ended: status === 'active' ? null : january(i * 7 + 5),
        },
      );
    }

    for (let i = 0; i < 160; i++) {
      const session = i % 10 === 9 ? null : pick(sessions, i);
      const agent = session ? session.agent : i % 20 === 9 ? null : pick(agents, i).id;
      const [provider, model] = i % 5 === 4 ? [marker, marker] : pick(MODELS, i);
      await insertUsageBatch(tx, [
        {
          id: `${prefix}-use-${i}`,
          organizationId: org,
          agentId: agent,
          sessionId: session?.id ?? null,
          userId: pick(owners, i),
          apiKeyId: pick([...keys, null], i + 1),
          provider,
          model,
          promptTokens: 100_000 + i,
          completionTokens: 50_000 + i,
          costNanoUsd: BigInt(987_654_321_000 + i),
          latencyMs: 300,
          createdAt: i % 2 === 0 ? thisMonth(i * 3) : january(i * 37),
        },
      ]);
    }

    const actors = [
      ...formerMembers.map((id) => ({ kind: 'user' as const, id })),
      { kind: 'user' as const, id: users[0] as string },
      { kind: 'api_key' as const, id: keys[0] as string },
    ];
    for (let i = 0; i < 24; i++) {
      const actor = pick(actors, i);
      await appendAuditEntry(tx, {
        organizationId: org,
        actorKind: actor.kind,
        actorId: actor.id,
        actorName: `${marker} actor`,
        actorUserId: actor.kind === 'user' ? actor.id : null,
        actorApiKeyId: actor.kind === 'api_key' ? actor.id : null,
        action: pick([`${marker}.probe`, 'agent.create', 'session.start'], i),
        resourceType: pick([marker, 'agent'], i),
        resourceId: pick(agents, i).id,
        result: pick(['success', 'denied', 'error'] as const, i),
        requestId: `${marker}-${i}`,
        clientAddress: null,
        metadata: { marker },
        createdAt: i % 2 === 0 ? thisMonth(i) : january(i * 11),
      });
    }

    await addWebhooks(tx, org, prefix, owners, 3);

    await tx.run(
      `INSERT INTO budgets (id, organization_id, level, subject_id, period, token_limit, cost_limit_nano_usd, created_at, updated_at)
       VALUES (:id, :org, 'ORGANIZATION', :org, 'MONTH', 1, 1, :at, :at)
       ON CONFLICT (organization_id, level, subject_id, period) DO UPDATE SET token_limit = 1, cost_limit_nano_usd = 1, updated_at = :at`,
      { id: `${org}-month`, org, at: thisMonth(1) },
    );
    // Budgets of its agents, keys and of members of the observing organization too.
    for (const [i, agent] of agents.slice(0, 4).entries()) {
      await tx.run(
        `INSERT INTO budgets (id, organization_id, level, subject_id, agent_id, period, token_limit, created_at, updated_at)
         VALUES (:id, :org, 'AGENT', :agent, :agent, 'DAY', 5, :at, :at)`,
        { id: `${prefix}-agent-budget-${i}`, org, agent: agent.id, at: thisMonth(i) },
      );
    }
    for (const [i, key] of keys.slice(0, 2).entries()) {
      await tx.run(
        `INSERT INTO budgets (id, organization_id, level, subject_id, api_key_id, period, token_limit, created_at, updated_at)
         VALUES (:id, :org, 'API_KEY', :key, :key, 'WEEK', 5, :at, :at)`,
        { id: `${prefix}-key-budget-${i}`, org, key, at: thisMonth(i) },
      );
    }
    for (const [i, user] of [...formerMembers, sharedUser].entries()) {
      await tx.run(
        `INSERT INTO budgets (id, organization_id, level, subject_id, user_id, period, token_limit, created_at, updated_at)
         VALUES (:id, :org, 'USER', :user, :user, 'MONTH', 5, :at, :at)`,
        { id: `${prefix}-user-budget-${i}`, org, user, at: thisMonth(i) },
      );
    }
  });
}

// ---------------------------------------------------------------------------
// Running documents and reading answers.

type Answer = Omit<GraphQLResponse<unknown>, 'extensions'>;

async function run(server: TestServer, principal: Principal, docs: Document[], variables: Record<string, unknown> = {}): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const doc of docs) {
    const { extensions: _timings, ...answer } = await ask(server, doc.query, variables, principal.token);
    answers.push(answer);
  }
  return answers;
}

/**
 * One request, sent again once if the connection was reset: client and server
 * share this process, and a long synchronous check lets both keep-alive
 * timers expire at once, so a reused socket may already be closed.
 */
async function ask(server: TestServer, query: string, variables: Record<string, unknown>, token: string) {
  try {
    return await server.gql(query, variables, token);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return server.gql(query, variables, token);
  }
}

/** Calls `visit` with every string in a value and a way to tell where it is. */
function strings(value: unknown, visit: (value: string, path: () => string) => void, path: (string | number)[] = []): void {
  if (typeof value === 'string') visit(value, () => path.join('.'));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      path.push(key);
      strings(item, visit, path);
      path.pop();
    }
  }
}

function decoded(value: string): { typename: string; id: string } | null {
  if (!/^[A-Za-z0-9+/]{4,}={0,2}$/.test(value)) return null;
  try {
    return decodeGlobalID(value);
  } catch {
    return null;
  }
}

/** Everything of `other` an answer holds, in data or errors: ids, global ids, slug, emails, key ids, its marker word. */
function sightings(answer: Answer, other: Owned, where: string): string[] {
  const found: string[] = [];
  strings({ data: answer.data, errors: answer.errors }, (value, path) => {
    if (other.strings.has(value) || other.globalIds.has(value) || value.includes(other.marker)) {
      const global = decoded(value);
      found.push(`${where}${path()}: ${JSON.stringify(value)}${global ? ` (${global.typename}:${global.id})` : ''}`);
    }
  });
  return found;
}

function typenames(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) typenames(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '__typename' && typeof item === 'string') into.add(item);
      else typenames(item, into);
    }
  }
}

/** Where the `_o` and `_m` halves of a pair differ in an answer: data, and errors by path. */
function pairDifferences(answer: Answer, where: string): string[] {
  const out: string[] = [];
  const visit = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, `${path}.${i}`);
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const [key, item] of Object.entries(record)) {
        const pair = /^(p\d+)_o$/.exec(key);
        const missing = pair ? record[`${pair[1]}_m`] : undefined;
        if (pair && JSON.stringify(item) !== JSON.stringify(missing)) {
          out.push(
            `${where}${path}.${key}: ${JSON.stringify(item)?.slice(0, 300)}, but for a missing one ${JSON.stringify(missing)?.slice(0, 300)}`,
          );
        }
        visit(item, `${path}.${key}`);
      }
    }
  };
  visit(answer.data, '');
  const errorsOf = (half: 'o' | 'm') =>
    (answer.errors ?? [])
      .filter((error) => error.path?.some((part) => typeof part === 'string' && new RegExp(`^p\\d+_${half}$`).test(part)))
      .map(
        (error) =>
          `${error.extensions?.code} ${error.message} at ${error.path?.map((part) => String(part).replace(/^(p\d+)_[om]$/, '$1')).join('.')}`,
      )
      .sort();
  if (JSON.stringify(errorsOf('o')) !== JSON.stringify(errorsOf('m'))) {
    out.push(`${where}: errors ${JSON.stringify(errorsOf('o'))}, but for missing ones ${JSON.stringify(errorsOf('m'))}`);
  }
  return out;
}

/** Where two answers differ, as paths with both values (the first few). */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 25 || JSON.stringify(a) === JSON.stringify(b)) return;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`, out);
    }
  } else {
    out.push(`${path}: ${JSON.stringify(a)?.slice(0, 200)} became ${JSON.stringify(b)?.slice(0, 200)}`);
  }
}

/** The aliases of lists a document orders by a key's last use (`alias: apiKeys(… LAST_USED_AT …)`). */
function useOrderedAliases(query: string): Set<string> {
  return new Set([...query.matchAll(/(\w+): \w+\([^)]*\bLAST_USED_AT\b[^)]*\)/g)].map((match) => match[1] as string));
}

/**
 * An answer without what moves with the clock alone: a key's lastUsedAt, written at most once a minute, and so the
 * order (and cursors) of a list ordered by it, when the two runs are more than a minute apart (a slow run).
 */
function timeless(value: unknown, useOrdered: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(value)) return value.map((item) => timeless(item, useOrdered));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        if (key === 'lastUsedAt' && item !== null) return [key, '<time>'];
        if (useOrdered.has(key) && item !== null && typeof item === 'object') return [key, unordered(item, useOrdered)];
        return [key, timeless(item, useOrdered)];
      }),
    );
  }
  return value;
}

type Edge = { cursor?: string; node?: { id?: string } };

/** A connection's edges in id order, without cursors. */
function unordered(connection: object, useOrdered: ReadonlySet<string>): unknown {
  const { edges, pageInfo, ...rest } = connection as { edges?: Edge[]; pageInfo?: object };
  const idOf = (edge: Edge) => String(edge.node?.id ?? '');
  return {
    ...(timeless(rest, useOrdered) as object),
    edges: edges?.map(({ cursor: _cursor, ...edge }) => timeless(edge, useOrdered) as Edge).sort((a, b) => idOf(a).localeCompare(idOf(b))),
    pageInfo: pageInfo && { ...pageInfo, startCursor: '<cursor>', endCursor: '<cursor>' },
  };
}

// ---------------------------------------------------------------------------

for (const [observer, other] of [
  ['quant', 'cibc'],
  ['cibc', 'quant'],
] as const) {
  describe(`every role of ${observer}, by every path of the schema`, () => {
    let server: TestServer;
    let schema: Schema;
    let walk: Walk;
    let principals: Principal[];
    let docs: Document[];
    let before: Map<Principal, Answer[]>;
    let grown = false;

    /** Grows the other organization (once): the last two tests look at the database after it. */
    async function growOther(): Promise<void> {
      if (grown) return;
      grown = true;
      const { db } = server.services;
      const formerMembers = principals.flatMap((principal) => (principal.userId && principal.apiKeyId === null ? [principal.userId] : []));
      const sharedUser = ((await ownedBy(db, observer)).rows.get('User') ?? []).find((id) => !formerMembers.includes(id)) as string;
      await growOrganization(db, other, formerMembers, sharedUser);
    }

    beforeAll(async () => {
      // bcrypt at its lowest cost: there are many keys, and their strength is not what this test is about.
      server = await startServer({ BCRYPT_COST: '4' });
      const { db } = server.services;
      const introspection = await server.gql<{ __schema: { queryType: { name: string }; types: SchemaType[] } }>(INTROSPECTION);
      if (!introspection.data) throw new Error(`introspection failed: ${JSON.stringify(introspection.errors)}`);
      schema = new Schema(introspection.data.__schema.types, introspection.data.__schema.queryType.name);
      principals = await principalsOf(server, observer);
      // Someone who has moved to the other organization; the id sorts last, so filters probe with a user no row here names.
      const stranger = `zz-moved-to-${other}`;
      await db.transaction((tx) =>
        tx.run(`INSERT INTO users (id, email, name, created_at, updated_at) VALUES (:stranger, :email, 'Moved', :at, :at)`, {
          stranger,
          email: `${stranger}@${other}.example`,
          at: january(-200),
        }),
      );
      await db.transaction((tx) =>
        tx.run(
          `INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at) VALUES (:id, :stranger, 'org_viewer', :other, :at)`,
          {
            id: `${stranger}-grant`,
            stranger,
            other,
            at: january(-200),
          },
        ),
      );
      await giveRowsTo(db, observer, principals, stranger);
      // A key of the other organization, so that it owns a row of every type.
      await apiKeyFor(server, { org: other, role: 'org_admin' });
      walk = new Walk(schema, {
        ownSlug: observer,
        otherSlug: other,
        ownIds: await sampleIds(db, observer),
        otherIds: await sampleIds(db, other),
        otherMarker: markerOf(other),
      });
      docs = documents([...walk.roots(), ...walk.ownNodes(), ...walk.otherNodes((await ownedBy(db, other)).rows)]);
      // Every key is used once first, so that no lastUsedAt goes from null to a time between the two runs.
      await Promise.all(principals.map((principal) => ask(server, '{ viewer { principal { id } } }', {}, principal.token)));
      before = new Map(await Promise.all(principals.map(async (principal) => [principal, await run(server, principal, docs)] as const)));
    });
    afterAll(() => server.close());

    it('knows, for every Node type, whether it is tenant data or the platform catalogue', () => {
      const unknown = schema.nodeTypes().filter((type) => TENANT_ROWS[type] === undefined && GLOBAL_ROWS[type] === undefined);
      expect(unknown, 'add the type to TENANT_ROWS (the SQL of its rows per organization) or to GLOBAL_ROWS').toEqual([]);
    });

    it('walks into every object type a query can return, making up every argument', () => {
      const unreached = schema.objectTypesReachableFromQuery().filter((type) => !walk.reached.has(type));
      expect(unreached, 'object types the walk never selected in full').toEqual([]);
      expect([...walk.unreachable], 'arguments the walk cannot make up').toEqual([]);
    });

    it('gets every object type back from some role', () => {
      const seen = new Set<string>();
      for (const answers of before.values()) for (const answer of answers) typenames(answer.data, seen);
      const missing = schema.objectTypesReachableFromQuery().filter((type) => !seen.has(type));
      expect(missing, 'object types no answer held').toEqual([]);
    });

    it('answers with no error but FORBIDDEN, and every role sees something of its own', async () => {
      const own = await ownedBy(server.services.db, observer);
      const problems: string[] = [];
      for (const [principal, answers] of before) {
        let sawOwn = false;
        answers.forEach((answer, i) => {
          if (answer.status !== 200) problems.push(`${principal.label}, ${docs[i]?.name}: HTTP ${answer.status}`);
          for (const error of answer.errors ?? []) {
            if (error.extensions?.code !== 'FORBIDDEN') {
              problems.push(`${principal.label}, ${docs[i]?.name}: ${error.extensions?.code} ${error.message} at ${error.path?.join('.')}`);
            }
          }
          strings(answer.data, (value) => {
            if (own.globalIds.has(value)) sawOwn = true;
          });
        });
        if (!sawOwn) problems.push(`${principal.label} saw nothing of ${observer}`);
      }
      expect(problems.slice(0, 40)).toEqual([]);
    });

    it(`never sees an object, id, slug or word of ${other}`, async () => {
      const theirs = await ownedBy(server.services.db, other);
      const seen: string[] = [];
      for (const [principal, answers] of before) {
        for (const [i, answer] of answers.entries()) seen.push(...sightings(answer, theirs, `${principal.label}, ${docs[i]?.name}: `));
      }
      expect(seen.slice(0, 40)).toEqual([]);
    });

    it(`gets the same answer for ${other}'s ids, slug and words as for ones that exist nowhere`, () => {
      const differing: string[] = [];
      for (const [principal, answers] of before) {
        for (const [i, answer] of answers.entries()) differing.push(...pairDifferences(answer, `${principal.label}, ${docs[i]?.name}`));
      }
      expect(differing.slice(0, 40)).toEqual([]);
    });

    // The last two change the database, so they come last.
    it(`counts and sums nothing of ${other}: every answer stays the same when ${other} grows`, async () => {
      await growOther();
      const theirs = await ownedBy(server.services.db, other);
      const changed: string[] = [];
      const seen: string[] = [];
      const differing: string[] = [];
      const after = await Promise.all(principals.map((principal) => run(server, principal, docs)));
      principals.forEach((principal, p) => {
        after[p]?.forEach((answer, i) => {
          const where = `${principal.label}, ${docs[i]?.name}`;
          const diff: string[] = [];
          const useOrdered = useOrderedAliases(docs[i]?.query ?? '');
          differences(timeless(before.get(principal)?.[i], useOrdered), timeless(answer, useOrdered), '', diff);
          changed.push(...diff.map((line) => `${where}: ${line}`));
          seen.push(...sightings(answer, theirs, `${where}: `));
          differing.push(...pairDifferences(answer, where));
        });
      });
      expect.soft(changed.slice(0, 40), 'answers that moved').toEqual([]);
      expect.soft(seen.slice(0, 40), `what was seen of ${other}`).toEqual([]);
      expect.soft(differing.slice(0, 40), `answers for ${other}'s names that differ from those for missing ones`).toEqual([]);
      // Every document again as every principal: on PostgreSQL beside the other test files, near half a minute.
    }, 120_000);

    it(`gets null from node and nodes for every id of ${other}, old and new`, async () => {
      await growOther();
      const theirs = await ownedBy(server.services.db, other);
      const ids = [...theirs.globalIds];
      // node() for a few ids of every type (aliases are limited), nodes() for all of them.
      const some = [...theirs.rows].flatMap(([type, rows]) => rows.slice(-3).map((id) => encodeGlobalID(type, id)));
      const probe: Document = {
        name: 'node and nodes',
        query: `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } ${some.map((id, i) => `n${i}: node(id: ${str(id)}) { __typename id }`).join(' ')} }`,
      };
      const wrong: string[] = [];
      for (const principal of principals) {
        const [answer] = await run(server, principal, [probe], { ids });
        const data = (answer?.data ?? {}) as Record<string, unknown>;
        if (answer?.errors) wrong.push(`${principal.label}: ${JSON.stringify(answer.errors).slice(0, 300)}`);
        const nodes = data.nodes as unknown[] | undefined;
        if (nodes?.length !== ids.length || nodes.some((node) => node !== null))
          wrong.push(`${principal.label}: nodes ${JSON.stringify(nodes).slice(0, 300)}`);
        const found = Object.entries(data).filter(([key, value]) => key !== 'nodes' && value !== null);
        if (found.length > 0) wrong.push(`${principal.label}: node ${JSON.stringify(found).slice(0, 300)}`);
      }
      expect(ids.length).toBeGreaterThan(200);
      expect(wrong).toEqual([]);
    });
  });
}
