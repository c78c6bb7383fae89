// SQL for the audit log: the list spec and its filter.
import { createHash } from 'node:crypto';
import { sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';
import { FilterBuilder } from '../../schema/filters';
import { typedIdOf } from '../../schema/ids';
import type { ListSpec, Narrowing } from '../../schema/lists';

export type AuditRow = {
  id: number;
  organization_id: string | null;
  actor_kind: 'user' | 'api_key' | 'service' | 'anonymous';
  actor_id: string | null;
  actor_name: string | null;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  result: 'success' | 'denied' | 'error';
  request_id: string | null;
  client_address: string | null;
  metadata: string;
  created_at: string;
  previous_hash: string | null;
  hash: string;
};

export const AUDIT_LOG: ListSpec = {
  resource: 'auditLogEntry',
  columns: sql`l.*`,
  orderFields: { CREATED_AT: sql`l.created_at`, ACTION: sql`l.action` },
  defaultOrder: { field: 'CREATED_AT', direction: 'DESC' },
};

export type AuditFilter = {
  actionPrefix?: string | null;
  resourceType?: string | null;
  actorId?: string | null;
  result?: string | null;
  from?: string | null;
  to?: string | null;
};

export function auditFilter(filter: AuditFilter | null | undefined): Narrowing {
  const actor = filter?.actorId ? typedIdOf(filter.actorId, ['User', 'ApiKey'], 'filter.actorId') : null;
  return new FilterBuilder()
    .add(filter?.actionPrefix, (value) => sql`substr(l.action, 1, length(${value})) = ${value}`)
    .add(filter?.resourceType, (value) => sql`l.resource_type = ${value}`)
    .add(actor?.typename === 'User' ? actor.id : undefined, (value) => sql`l.actor_user_id = ${value}`)
    .add(actor?.typename === 'ApiKey' ? actor.id : undefined, (value) => sql`l.actor_api_key_id = ${value}`)
    .add(filter?.result, (value) => sql`l.result = ${value}`)
    .add(filter?.from, (value) => sql`l.created_at >= ${value}`)
    .add(filter?.to, (value) => sql`l.created_at < ${value}`)
    .build();
}

export type NewAuditEntry = {
  organizationId: string | null;
  actorKind: AuditRow['actor_kind'];
  actorId: string | null;
  actorName: string | null;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  result: AuditRow['result'];
  requestId: string | null;
  clientAddress: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
};

/** The text an entry's hash covers: every field, in a fixed order. */
export function canonicalEntry(entry: Omit<AuditRow, 'id' | 'hash' | 'previous_hash'>): string {
  return JSON.stringify([
    entry.organization_id,
    entry.actor_kind,
    entry.actor_id,
    entry.actor_name,
    entry.actor_user_id,
    entry.actor_api_key_id,
    entry.action,
    entry.resource_type,
    entry.resource_id,
    entry.result,
    entry.request_id,
    entry.client_address,
    entry.metadata,
    entry.created_at,
  ]);
}

export function chainHash(previousHash: string | null, canonical: string): string {
  return createHash('sha256')
    .update(previousHash ?? '')
    .update('\n')
    .update(canonical)
    .digest('hex');
}

/**
 * Appends an entry to its organization's hash chain (platform entries have a
 * chain of their own). Call inside the transaction of the change it records.
 */
export async function appendAuditEntry(db: Tx, entry: NewAuditEntry): Promise<AuditRow> {
  const row = {
    organization_id: entry.organizationId,
    actor_kind: entry.actorKind,
    actor_id: entry.actorId,
    actor_name: entry.actorName,
    actor_user_id: entry.actorUserId,
    actor_api_key_id: entry.actorApiKeyId,
    action: entry.action,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId,
    result: entry.result,
    request_id: entry.requestId,
    client_address: entry.clientAddress,
    metadata: JSON.stringify(entry.metadata),
    created_at: entry.createdAt,
  };
  if (db.engine === 'postgres') return await appendOnPostgres(db, row);
  const previous = await db.get<{ hash: string }>(
    'SELECT hash FROM audit_log WHERE organization_id IS :organization_id ORDER BY id DESC LIMIT 1',
    { organization_id: entry.organizationId },
  );
  const previousHash = previous?.hash ?? null;
  const hash = chainHash(previousHash, canonicalEntry(row));
  return (await db.get<AuditRow>(
    `INSERT INTO audit_log (organization_id, actor_kind, actor_id, actor_name, actor_user_id, actor_api_key_id, action,
       resource_type, resource_id, result, request_id, client_address, metadata, created_at, previous_hash, hash)
     VALUES (:organization_id, :actor_kind, :actor_id, :actor_name, :actor_user_id, :actor_api_key_id, :action,
       :resource_type, :resource_id, :result, :request_id, :client_address, :metadata, :created_at, :previous_hash, :hash)
     RETURNING *`,
    { ...row, previous_hash: previousHash, hash },
  )) as AuditRow;
}

/**
 * PostgreSQL: the chain's head and the entry's id come from audit_chain_head (src/auth/rowLevelSecurity.ts), which
 * locks the chain until the transaction ends; the entry is inserted with that id, and without RETURNING (an entry
 * of another organization is appended, never read back, under the request's wall).
 */
async function appendOnPostgres(db: Tx, row: Omit<AuditRow, 'id' | 'hash' | 'previous_hash'>): Promise<AuditRow> {
  const head = (await db.get<{ previous_hash: string | null; next_id: number }>(
    'SELECT previous_hash, next_id FROM audit_chain_head(:organization_id)',
    { organization_id: row.organization_id },
  )) as { previous_hash: string | null; next_id: number };
  const entry: AuditRow = {
    id: head.next_id,
    ...row,
    previous_hash: head.previous_hash,
    hash: chainHash(head.previous_hash, canonicalEntry(row)),
  };
  await db.run(
    `INSERT INTO audit_log (id, organization_id, actor_kind, actor_id, actor_name, actor_user_id, actor_api_key_id, action,
       resource_type, resource_id, result, request_id, client_address, metadata, created_at, previous_hash, hash)
     OVERRIDING SYSTEM VALUE
     VALUES (:id, :organization_id, :actor_kind, :actor_id, :actor_name, :actor_user_id, :actor_api_key_id, :action,
       :resource_type, :resource_id, :result, :request_id, :client_address, :metadata, :created_at, :previous_hash, :hash)`,
    entry,
  );
  return entry;
}

export type ChainBreak = { organizationId: string | null; entryId: number; action: string; reason: string };
export type ChainReport = { chains: number; entries: number; broken: ChainBreak | null };

/**
 * Walks each organization's chain (or one, or the platform chain with
 * `null`) in id order, recomputing every hash; stops at the first broken link.
 */
export async function verifyAuditChains(db: Reader, organizationId?: string | null): Promise<ChainReport> {
  const scoped = organizationId !== undefined;
  const organizations = scoped
    ? [organizationId]
    : (await db.all<{ organization_id: string | null }>('SELECT DISTINCT organization_id FROM audit_log ORDER BY organization_id')).map(
        (row) => row.organization_id,
      );
  let entries = 0;
  for (const org of organizations) {
    let previous: string | null = null;
    const chain =
      org === null
        ? db.iterate<AuditRow>('SELECT * FROM audit_log WHERE organization_id IS NULL ORDER BY id')
        : db.iterate<AuditRow>('SELECT * FROM audit_log WHERE organization_id = :org ORDER BY id', { org });
    for await (const row of chain) {
      entries++;
      if (row.previous_hash !== previous) {
        return {
          chains: organizations.length,
          entries,
          broken: { organizationId: org, entryId: row.id, action: row.action, reason: 'previous_hash does not match the entry before it' },
        };
      }
      if (chainHash(row.previous_hash, canonicalEntry(row)) !== row.hash) {
        return {
          chains: organizations.length,
          entries,
          broken: { organizationId: org, entryId: row.id, action: row.action, reason: "hash does not match the entry's contents" },
        };
      }
      previous = row.hash;
    }
  }
  return { chains: organizations.length, entries, broken: null };
}

/** An entry for a change made on the host (bootstrap, the foundry CLI), where no principal is signed in. */
export async function appendLocalAuditEntry(
  db: Tx,
  entry: { action: string; resourceType: string; organizationId: string | null; resourceId: string; after: Record<string, unknown> },
): Promise<AuditRow> {
  return await appendAuditEntry(db, {
    organizationId: entry.organizationId,
    actorKind: 'service',
    actorId: null,
    actorName: 'foundry (local administrator)',
    actorUserId: null,
    actorApiKeyId: null,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    result: 'success',
    requestId: null,
    clientAddress: null,
    metadata: { after: entry.after },
    createdAt: new Date().toISOString(),
  });
}
