// SQL for agents and their versions: list specs and the agents filter.
import { randomUUID } from 'node:crypto';
import { parentRowColumn } from '../../auth/policy';
import { tsQuery } from '../../db/postgres/search';
import { sql } from '../../db/sql';
import type { Engine, Reader, Tx } from '../../db/store';
import { BadUserInputError } from '../../schema/errors';
import { FilterBuilder, ftsQuery } from '../../schema/filters';
import { idOf } from '../../schema/ids';
import type { ListSpec, Narrowing } from '../../schema/lists';

export type AgentRow = {
  id: string;
  organization_id: string;
  domain_id: string;
  name: string;
  display_name: string;
  description: string;
  version: string;
  status: 'draft' | 'active' | 'inactive' | 'archived';
  environment: 'dev' | 'staging' | 'prod';
  tags: string;
  config: string;
  is_system_agent: number;
  published_at: string | null;
  created_by_user_id: string | null;
  created_by_api_key_id: string | null;
  created_at: string;
  updated_at: string;
};

export const AGENTS: ListSpec = {
  resource: 'agent',
  columns: sql`a.*`,
  orderFields: {
    NAME: sql`a.name`,
    DISPLAY_NAME: sql`a.display_name`,
    CREATED_AT: sql`a.created_at`,
    UPDATED_AT: sql`a.updated_at`,
    PUBLISHED_AT: sql`coalesce(a.published_at, '')`,
  },
  defaultOrder: { field: 'CREATED_AT', direction: 'ASC' },
  // The fields of Agent (modules/agents/types.ts) that read each column; fields other modules add read the id.
  projection: {
    keep: ['id', 'organization_id', 'created_by_user_id', 'created_by_api_key_id'],
    optional: {
      domain_id: ['domain'],
      name: ['name'],
      display_name: ['displayName'],
      description: ['description'],
      version: ['version'],
      status: ['status'],
      environment: ['environment'],
      tags: ['tags'],
      config: ['config'],
      is_system_agent: ['isSystemAgent'],
      published_at: ['publishedAt'],
      created_at: ['createdAt'],
      updated_at: ['updatedAt'],
    },
  },
};

export type AgentFilter = {
  status?: string | null;
  environment?: string | null;
  tag?: string | null;
  domainId?: string | null;
  createdById?: string | null;
  search?: string | null;
};

/**
 * The agents filter for the engine that runs it. Search: SQLite's FTS5 table agents_fts, PostgreSQL's generated
 * tsvector agents.search (GIN); tag: SQLite scans json_each, PostgreSQL asks containment, which the GIN index serves.
 */
export function agentFilter(filter: AgentFilter | null | undefined, engine: Engine): Narrowing {
  const postgres = engine === 'postgres';
  let search: string | null | undefined;
  if (filter?.search !== undefined && filter.search !== null) {
    search = postgres ? tsQuery(filter.search) : ftsQuery(filter.search);
    if (search === null) throw new BadUserInputError('filter.search: give at least one word to search for.', 'filter.search');
  }
  return new FilterBuilder()
    .add(filter?.status, (value) => sql`a.status = ${value}`)
    .add(filter?.environment, (value) => sql`a.environment = ${value}`)
    .add(filter?.tag, (value) =>
      postgres
        ? sql`a.tags @> jsonb_build_array(${value}::text)`
        : sql`EXISTS (SELECT 1 FROM json_each(a.tags) t WHERE t.value = ${value})`,
    )
    .add(filter?.domainId ? idOf(filter.domainId, 'Domain', 'filter.domainId') : undefined, (value) => sql`a.domain_id = ${value}`)
    .add(
      filter?.createdById ? idOf(filter.createdById, 'User', 'filter.createdById') : undefined,
      (value) => sql`a.created_by_user_id = ${value}`,
    )
    .add(search, (value) =>
      postgres ? sql`a.search @@ ${value}::tsquery` : sql`a.rowid IN (SELECT rowid FROM agents_fts WHERE agents_fts MATCH ${value})`,
    )
    .build();
}

export type AgentVersionRow = {
  id: string;
  agent_id: string;
  organization_id: string;
  version: string;
  snapshot: string;
  created_by_user_id: string | null;
  created_at: string;
  /** The agent's columns the object-level check reads, as a JSON array (versions follow their agent): see parentRowColumn. */
  parent_row: string;
};

export const AGENT_VERSIONS: ListSpec = {
  resource: 'agentVersion',
  columns: sql`v.*, ${parentRowColumn('agentVersion')}`,
  orderFields: { CREATED_AT: sql`v.created_at` },
  defaultOrder: { field: 'CREATED_AT', direction: 'DESC' },
};

export type AgentChange = {
  name: string;
  displayName: string;
  description: string;
  version: string;
  status: string;
  environment: string;
  tags: string;
  config: string;
  now: string;
};

export async function insertAgent(
  db: Tx,
  agent: AgentChange & {
    id: string;
    organizationId: string;
    domainId: string;
    createdByUserId: string | null;
    createdByApiKeyId: string | null;
  },
): Promise<AgentRow> {
  return (await db.get<AgentRow>(
    `INSERT INTO agents (id, organization_id, domain_id, name, display_name, description, version, status, environment,
       tags, config, created_by_user_id, created_by_api_key_id, created_at, updated_at)
     VALUES (:id, :organizationId, :domainId, :name, :displayName, :description, :version, :status, :environment,
       :tags, :config, :createdByUserId, :createdByApiKeyId, :now, :now) RETURNING *`,
    agent,
  )) as AgentRow;
}

export async function updateAgentRow(db: Tx, id: string, change: AgentChange): Promise<AgentRow> {
  return (await db.get<AgentRow>(
    `UPDATE agents SET name = :name, display_name = :displayName, description = :description, version = :version,
       status = :status, environment = :environment, tags = :tags, config = :config, updated_at = :now
     WHERE id = :id RETURNING *`,
    { id, ...change },
  )) as AgentRow;
}

export async function publishAgentRow(db: Tx, id: string, now: string): Promise<AgentRow> {
  return (await db.get<AgentRow>(
    `UPDATE agents SET published_at = :now, status = CASE WHEN status = 'draft' THEN 'active' ELSE status END, updated_at = :now
     WHERE id = :id RETURNING *`,
    { id, now },
  )) as AgentRow;
}

export async function agentNameTaken(db: Reader, domainId: string, name: string, exceptId: string | null): Promise<boolean> {
  return (
    (await db.get(
      sql`SELECT 1 AS taken FROM agents WHERE domain_id = ${domainId} AND name = ${name} AND id ${sql.word('isDifferent')} ${exceptId}`,
    )) !== undefined
  );
}

/** What an agent is, by its API names: the audit log's before/after and a version's snapshot. */
export function agentSnapshot(row: AgentRow) {
  return {
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    version: row.version,
    status: row.status,
    environment: row.environment,
    tags: JSON.parse(row.tags) as unknown,
    config: JSON.parse(row.config) as unknown,
    publishedAt: row.published_at,
  };
}

/** Keeps a snapshot of the agent as this version (once per version). */
export async function recordAgentVersion(db: Tx, agent: AgentRow, createdByUserId: string | null, now: string): Promise<void> {
  await db.run(
    `INSERT INTO agent_versions (id, agent_id, organization_id, version, snapshot, created_by_user_id, created_at)
     VALUES (:id, :agentId, :organizationId, :version, :snapshot, :createdByUserId, :now)
     ON CONFLICT (agent_id, version) DO NOTHING`,
    {
      id: randomUUID(),
      agentId: agent.id,
      organizationId: agent.organization_id,
      version: agent.version,
      snapshot: JSON.stringify(agentSnapshot(agent)),
      createdByUserId,
      now,
    },
  );
}

export async function deleteAgentRow(db: Tx, id: string): Promise<void> {
  await db.run('DELETE FROM agents WHERE id = :id', { id });
}
