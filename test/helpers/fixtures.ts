// Extra rows for tests, written straight into the test's SQLite file (the
// write API comes later; reads are what these tests are about). Usage goes
// through insertUsageBatch, the one write path that keeps the rollups.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { insertUsageBatch } from '../../src/modules/usage/repo';
import type { TestServer } from './server';

const BASE = Date.parse('2026-03-02T08:00:00.000Z');
export const minutesAfterBase = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

export function gid(typename: string, id: string | number): string {
  return encodeGlobalID(typename, String(id));
}

export function addOrganization(server: TestServer, slug: string): void {
  const now = minutesAfterBase(0);
  server.services.db.run(
    `INSERT INTO organizations (id, slug, name, tier, created_at, updated_at) VALUES (:slug, :slug, :slug, 'pro', :now, :now)`,
    { slug, now },
  );
  server.services.db.run(
    `INSERT INTO domains (id, organization_id, name, display_name, created_at, updated_at)
     VALUES (:id, :slug, 'main', 'Main', :now, :now)`,
    { id: `${slug}-main`, slug, now },
  );
  server.services.db.run(
    `INSERT INTO instances (id, organization_id, domain_id, environment, name, created_at, updated_at)
     VALUES (:id, :slug, :domain, 'dev', 'dev', :now, :now)`,
    { id: `${slug}-main-dev`, slug, domain: `${slug}-main`, now },
  );
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

export function addAgent(server: TestServer, agent: AgentSpec): void {
  const at = agent.createdAt ?? minutesAfterBase(1);
  server.services.db.run(
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
  );
}

export function addSession(
  server: TestServer,
  session: { id: string; organizationId: string; agentId: string; startedByUserId?: string | null; startedAt?: string },
): void {
  server.services.db.run(
    `INSERT INTO sessions (id, organization_id, agent_id, started_by_user_id, status, started_at)
     VALUES (:id, :organizationId, :agentId, :user, 'active', :at)`,
    { ...session, user: session.startedByUserId ?? null, at: session.startedAt ?? minutesAfterBase(2) },
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

export function addUsage(server: TestServer, usage: UsageSpec): void {
  insertUsageBatch(server.services.db, [
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
  ]);
}
