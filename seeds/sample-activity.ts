// Sample activity for both sample tenants (a cibc agent and member, agent
// versions, integration configs, sessions, LLM usage, a quota and audit
// entries), so that every field has something to show in GraphiQL.
// Idempotent: it runs only while the database has no sessions at all.
import type { Store } from '../src/db/store';
import { appendAuditEntry } from '../src/modules/auditLog/repo';
import { costOf, insertUsageBatch, type NewUsage, priceAt, pricePeriods } from '../src/modules/usage/repo';
import type { SecretBox } from '../src/secrets/box';

const T0 = Date.parse('2026-01-12T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const sessions = [
  {
    id: 'ses-q-001',
    org: 'quant',
    agent: 'agt-001',
    instance: 'quant-demo-dev',
    user: 'nwalker85',
    status: 'completed',
    start: 0,
    end: 14,
  },
  {
    id: 'ses-q-002',
    org: 'quant',
    agent: 'agt-002',
    instance: 'quant-demo-dev',
    user: 'sarah.chen',
    status: 'completed',
    start: 60,
    end: 75,
  },
  {
    id: 'ses-q-003',
    org: 'quant',
    agent: 'agt-003',
    instance: 'quant-demo-dev',
    user: 'mike.rodriguez',
    status: 'failed',
    start: 1440,
    end: 1443,
  },
  {
    id: 'ses-q-004',
    org: 'quant',
    agent: 'agt-001',
    instance: 'quant-demo-dev',
    user: 'sarah.chen',
    status: 'active',
    start: 2900,
    end: null,
  },
  {
    id: 'ses-c-001',
    org: 'cibc',
    agent: 'agt-101',
    instance: 'cibc-card-services-dev',
    user: 'priya.patel',
    status: 'completed',
    start: 30,
    end: 52,
  },
  {
    id: 'ses-c-002',
    org: 'cibc',
    agent: 'agt-101',
    instance: 'cibc-card-services-dev',
    user: 'priya.patel',
    status: 'active',
    start: 2880,
    end: null,
  },
];

const calls: [session: string, model: string, prompt: number, completion: number, latency: number][] = [
  ['ses-q-001', 'gpt-4o', 1812, 433, 2140],
  ['ses-q-001', 'gpt-4o-mini', 920, 181, 610],
  ['ses-q-002', 'claude-sonnet-4', 2411, 702, 3020],
  ['ses-q-003', 'gemini-1.5-flash', 15023, 77, 880],
  ['ses-q-004', 'claude-haiku-3.5', 640, 212, 540],
  ['ses-c-001', 'gpt-4o', 3301, 1203, 4410],
  ['ses-c-001', 'claude-haiku-3.5', 512, 97, 390],
  ['ses-c-002', 'gpt-4o-mini', 1450, 388, 700],
];

export async function seedSampleActivity(db: Store, secretBox: SecretBox): Promise<void> {
  if (((await db.get<{ n: number }>('SELECT count(*) AS n FROM sessions'))?.n ?? 0) > 0) return;
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO users (id, email, name, created_at, updated_at)
       VALUES ('priya.patel', 'priya.patel@cibc.example', 'Priya Patel', :at, :at) ON CONFLICT DO NOTHING`,
      { at: at(-60) },
    );
    await tx.run(
      `INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at)
       VALUES ('seed-priya.patel-cibc-developer', 'priya.patel', 'org_developer', 'cibc', :at) ON CONFLICT DO NOTHING`,
      { at: at(-60) },
    );
    await tx.run(
      `INSERT INTO agents (id, organization_id, domain_id, name, display_name, description, version, status, environment,
         tags, published_at, created_by_user_id, created_at, updated_at)
       VALUES ('agt-101', 'cibc', 'card-services', 'card-dispute-agent', 'Card Dispute Agent',
         'Opens card dispute cases, gathers transaction details and tracks chargebacks.', '1.2.0', 'active', 'dev',
         '["cards","disputes","support"]', :at, 'priya.patel', :at, :at) ON CONFLICT DO NOTHING`,
      { at: at(-30) },
    );
    const snapshot =
      tx.engine === 'postgres'
        ? "jsonb_build_object('name', name, 'displayName', display_name, 'tags', tags)"
        : "json_object('name', name, 'displayName', display_name, 'tags', json(tags))";
    for (const [id, agent, org, version, user] of [
      ['ver-agt-001-2.1.0', 'agt-001', 'quant', '2.1.0', 'nwalker85'],
      ['ver-agt-101-1.2.0', 'agt-101', 'cibc', '1.2.0', 'priya.patel'],
    ] as const) {
      await tx.run(
        `INSERT INTO agent_versions (id, agent_id, organization_id, version, snapshot, created_by_user_id, created_at)
         SELECT :id, id, organization_id, :version, ${snapshot}, :user, :at
           FROM agents WHERE id = :agent AND organization_id = :org
         ON CONFLICT DO NOTHING`,
        { id, agent, org, version, user, at: at(-20) },
      );
    }
    for (const [id, org, domain, integration, config, secrets] of [
      [
        'int-quant-salesforce',
        'quant',
        'demo',
        'salesforce',
        { instanceUrl: 'https://quant.my.salesforce.example' },
        { clientSecret: 'sf-demo-secret-1' },
      ],
      ['int-cibc-twilio', 'cibc', 'card-services', 'twilio', { accountSid: 'AC-demo-cibc' }, { authToken: 'tw-demo-secret-2' }],
    ] as const) {
      await tx.run(
        `INSERT INTO integration_configs (id, organization_id, domain_id, environment, integration, config, created_at, updated_at)
         VALUES (:id, :org, :domain, 'dev', :integration, :config, :at, :at) ON CONFLICT DO NOTHING`,
        { id, org, domain, integration, config: JSON.stringify(config), at: at(-10) },
      );
      await tx.run(
        `INSERT INTO integration_secrets (integration_config_id, secrets, updated_at) VALUES (:id, :secrets, :at)
         ON CONFLICT DO NOTHING`,
        { id, secrets: secretBox.seal(JSON.stringify(secrets), id), at: at(-10) },
      );
    }
    for (const s of sessions) {
      await tx.run(
        `INSERT INTO sessions (id, organization_id, agent_id, instance_id, started_by_user_id, status, metadata, started_at, ended_at)
         VALUES (:id, :org, :agent, :instance, :user, :status, :metadata, :startedAt, :endedAt)`,
        {
          id: s.id,
          org: s.org,
          agent: s.agent,
          instance: s.instance,
          user: s.user,
          status: s.status,
          metadata: JSON.stringify({ channel: 'web' }),
          startedAt: at(s.start),
          endedAt: s.end === null ? null : at(s.end),
        },
      );
    }
    const prices = await pricePeriods(
      tx,
      calls.map(([, model]) => model),
    );
    const usage = calls.flatMap(([sessionId, model, prompt, completion, latency], index): NewUsage[] => {
      const session = sessions.find((s) => s.id === sessionId);
      const createdAt = session ? at(session.start + 1 + index) : '';
      const price = priceAt(prices.get(model), createdAt);
      if (!session || !price) return [];
      return [
        {
          id: `use-${String(index + 1).padStart(3, '0')}`,
          organizationId: session.org,
          agentId: session.agent,
          sessionId: session.id,
          userId: session.user,
          apiKeyId: null,
          provider: price.provider,
          model,
          promptTokens: prompt,
          completionTokens: completion,
          costNanoUsd: costOf(price, { prompt, cachedPrompt: 0, completion, reasoning: 0 }),
          latencyMs: latency,
          createdAt,
        },
      ];
    });
    await insertUsageBatch(tx, usage);
    await tx.run(
      `INSERT INTO budgets (id, organization_id, level, subject_id, period, token_limit, cost_limit_nano_usd, created_at, updated_at)
       VALUES ('quant-month', 'quant', 'ORGANIZATION', 'quant', 'MONTH', 5000000, 250000000000, :at, :at) ON CONFLICT DO NOTHING`,
      { at: at(-5) },
    );
    for (const [org, user, name, agent] of [
      ['quant', 'nwalker85', 'N. Walker', 'agt-001'],
      ['quant', 'sarah.chen', 'Sarah Chen', 'agt-002'],
      ['cibc', 'priya.patel', 'Priya Patel', 'agt-101'],
    ] as const) {
      await appendAuditEntry(tx, {
        organizationId: org,
        actorKind: 'user',
        actorId: user,
        actorName: name,
        actorUserId: user,
        actorApiKeyId: null,
        action: 'agent.create',
        resourceType: 'agent',
        resourceId: agent,
        result: 'success',
        requestId: null,
        clientAddress: null,
        metadata: { after: { id: agent } },
        createdAt: at(-15),
      });
    }
  });
}
