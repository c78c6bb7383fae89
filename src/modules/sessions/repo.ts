// SQL for sessions: the list spec and the sessions filter.

import { sql } from '../../db/sql';
import type { Tx } from '../../db/store';
import { FilterBuilder } from '../../schema/filters';
import { idOf } from '../../schema/ids';
import type { ListSpec, Narrowing } from '../../schema/lists';

export type SessionRow = {
  id: string;
  organization_id: string;
  agent_id: string;
  instance_id: string | null;
  started_by_user_id: string | null;
  started_by_api_key_id: string | null;
  status: 'active' | 'completed' | 'failed' | 'terminated';
  metadata: string;
  started_at: string;
  ended_at: string | null;
};

export const SESSIONS: ListSpec = {
  resource: 'session',
  columns: sql`s.*`,
  orderFields: { STARTED_AT: sql`s.started_at`, ENDED_AT: sql`coalesce(s.ended_at, '')` },
  defaultOrder: { field: 'STARTED_AT', direction: 'DESC' },
  // The fields of Session (modules/sessions/types.ts) that read each column; fields other modules add read the id.
  projection: {
    keep: ['id', 'organization_id', 'started_by_user_id', 'started_by_api_key_id'],
    optional: {
      agent_id: ['agent'],
      instance_id: ['instance'],
      status: ['status'],
      metadata: ['metadata'],
      started_at: ['startedAt'],
      ended_at: ['endedAt'],
    },
  },
};

export type SessionFilter = {
  status?: string | null;
  agentId?: string | null;
  instanceId?: string | null;
  startedAfter?: string | null;
  startedBefore?: string | null;
};

export function sessionFilter(filter: SessionFilter | null | undefined): Narrowing {
  return new FilterBuilder()
    .add(filter?.status, (value) => sql`s.status = ${value}`)
    .add(filter?.agentId ? idOf(filter.agentId, 'Agent', 'filter.agentId') : undefined, (value) => sql`s.agent_id = ${value}`)
    .add(
      filter?.instanceId ? idOf(filter.instanceId, 'Instance', 'filter.instanceId') : undefined,
      (value) => sql`s.instance_id = ${value}`,
    )
    .add(filter?.startedAfter, (value) => sql`s.started_at >= ${value}`)
    .add(filter?.startedBefore, (value) => sql`s.started_at < ${value}`)
    .build();
}

export async function insertSession(
  db: Tx,
  session: {
    id: string;
    organizationId: string;
    agentId: string;
    instanceId: string | null;
    startedByUserId: string | null;
    startedByApiKeyId: string | null;
    metadata: string;
    now: string;
  },
): Promise<SessionRow> {
  return (await db.get<SessionRow>(
    `INSERT INTO sessions (id, organization_id, agent_id, instance_id, started_by_user_id, started_by_api_key_id, status,
       metadata, started_at)
     VALUES (:id, :organizationId, :agentId, :instanceId, :startedByUserId, :startedByApiKeyId, 'active', :metadata, :now)
     RETURNING *`,
    session,
  )) as SessionRow;
}

/**
 * Ends an active session; undefined when it was no longer active (someone ended it first). It never ends before it
 * started: the later of now and started_at (SQLite's scalar max, PostgreSQL's greatest).
 */
export async function endSessionRow(db: Tx, id: string, status: string, metadata: string, now: string): Promise<SessionRow | undefined> {
  return await db.get<SessionRow>(
    db.engine === 'postgres'
      ? `UPDATE sessions SET status = :status, metadata = :metadata, ended_at = greatest(:now, started_at)
         WHERE id = :id AND status = 'active' RETURNING *`
      : `UPDATE sessions SET status = :status, metadata = :metadata, ended_at = max(:now, started_at)
         WHERE id = :id AND status = 'active' RETURNING *`,
    { id, status, metadata, now },
  );
}
