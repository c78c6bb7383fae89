// Extra rows for tests, written straight into the test's SQLite file (the
// write API comes later; reads are what these tests are about). Usage goes
// through insertUsageBatch, the one write path that keeps the rollups.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Tx } from '../../src/db/store';
import { insertUsageBatch } from '../../src/modules/usage/repo';
import { insertWebhook, queueWebhookEvent } from '../../src/modules/webhooks/repo';
import type { TestServer } from './server';

const BASE = Date.parse('2026-03-02T08:00:00.000Z');
export const minutesAfterBase = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

/** Where a fixture writes: a server (each fixture in a transaction of its own), or a transaction the caller holds. */
export type FixtureTarget = TestServer | Tx;

function write(target: FixtureTarget, work: (tx: Tx) => Promise<unknown>): Promise<unknown> {
  return 'services' in target ? target.services.db.transaction(work) : work(target);
}

export function gid(typename: string, id: string | number): string {
  return encodeGlobalID(typename, String(id));
}

export async function addOrganization(target: FixtureTarget, slug: string): Promise<void> {
  const now = minutesAfterBase(0);
  await write(target, async (tx) => {
    await tx.run(
      `INSERT INTO organizations (id, slug, name, tier, created_at, updated_at) VALUES (:slug, :slug, :slug, 'pro', :now, :now)`,
      { slug, now },
    );
    await tx.run(
      `INSERT INTO domains (id, organization_id, name, display_name, created_at, updated_at)
     VALUES (:id, :slug, 'main', 'Main', :now, :now)`,
      { id: `${slug}-main`, slug, now },
    );
    await tx.run(
      `INSERT INTO instances (id, organization_id, domain_id, environment, name, created_at, updated_at)
     VALUES (:id, :slug, :domain, 'dev', 'dev', :now, :now)`,
      { id: `${slug}-main-dev`, slug, domain: `${slug}-main`, now },
    );
  });
}

export type AgentSpec = {
  id: string;
  organizationId: string;
  domainId: string;
  name?: string;
  displayName?: string;
  createdByUserId?: string | null;
  createdAt?: string;
  status?: string;
  environment?: string;
  tags?: string[];
  description?: string;
};

export async function addAgent(target: FixtureTarget, agent: AgentSpec): Promise<void> {
  const at = agent.createdAt ?? minutesAfterBase(1);
  await write(target, (tx) =>
    tx.run(
      `INSERT INTO agents (id, organization_id, domain_id, name, display_name, description, status, environment, tags,
       created_by_user_id, created_at, updated_at)
     VALUES (:id, :organizationId, :domainId, :name, :displayName, :description, :status, :environment, :tags,
       :createdBy, :at, :at)`,
      {
        id: agent.id,
        organizationId: agent.organizationId,
        domainId: agent.domainId,
        name: agent.name ?? agent.id,
        displayName: agent.displayName ?? agent.id,
        description: agent.description ?? '',
        status: agent.status ?? 'active',
        environment: agent.environment ?? 'dev',
        tags: JSON.stringify(agent.tags ?? []),
        createdBy: agent.createdByUserId ?? null,
        at,
      },
    ),
  );
}

export async function addSession(
  target: FixtureTarget,
  session: { id: string; organizationId: string; agentId: string; startedByUserId?: string | null; startedAt?: string },
): Promise<void> {
  await write(target, (tx) =>
    tx.run(
      `INSERT INTO sessions (id, organization_id, agent_id, started_by_user_id, status, started_at)
     VALUES (:id, :organizationId, :agentId, :user, 'active', :at)`,
      { ...session, user: session.startedByUserId ?? null, at: session.startedAt ?? minutesAfterBase(2) },
    ),
  );
}

export type UsageSpec = {
  id: string;
  organizationId: string;
  agentId?: string | null;
  sessionId?: string | null;
  userId?: string | null;
  provider?: string;
  model?: string;
  promptTokens?: number;
  completionTokens?: number;
  costNanoUsd: number;
  createdAt?: string;
};

export async function addUsage(target: FixtureTarget, usage: UsageSpec): Promise<void> {
  await write(target, (tx) =>
    insertUsageBatch(tx, [
      {
        id: usage.id,
        organizationId: usage.organizationId,
        agentId: usage.agentId ?? null,
        sessionId: usage.sessionId ?? null,
        userId: usage.userId ?? null,
        apiKeyId: null,
        provider: usage.provider ?? 'openai',
        model: usage.model ?? 'gpt-4o',
        promptTokens: usage.promptTokens ?? 10,
        completionTokens: usage.completionTokens ?? 5,
        costNanoUsd: BigInt(usage.costNanoUsd),
        latencyMs: 100,
        createdAt: usage.createdAt ?? minutesAfterBase(3),
      },
    ]),
  );
}

/**
 * A webhook of the organization with one delivery, queued through the gateway's own outbox writer and marked
 * delivered, so that no dispatcher attempt changes a row while a test compares tables.
 */
export async function addWebhook(target: TestServer, webhook: { id: string; organizationId: string }): Promise<void> {
  await target.services.db.transaction(async (tx) => {
    await insertWebhook(tx, target.services.secretBox, {
      id: webhook.id,
      organizationId: webhook.organizationId,
      url: 'http://127.0.0.1:9/hooks',
      events: ['budget.threshold_crossed'],
      secret: `whsec_${webhook.id}`,
      userId: null,
      apiKeyId: null,
      now: minutesAfterBase(1),
    });
    let n = 0;
    await queueWebhookEvent(tx, {
      organizationId: webhook.organizationId,
      event: 'budget.threshold_crossed',
      data: { fixture: webhook.id },
      newId: () => `${webhook.id}-delivery-${++n}`,
      now: minutesAfterBase(2),
    });
    await tx.run(
      "UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = 1, last_status = 204, delivered_at = :at WHERE webhook_id = :id",
      { id: webhook.id, at: minutesAfterBase(3) },
    );
  });
}
