// SQL for API keys.

import { sql } from '../../db/sql';
import type { Tx } from '../../db/store';
import type { ListSpec } from '../../schema/lists';

export type ApiKeyRow = {
  id: string;
  key_id: string;
  name: string;
  secret_hash: string;
  organization_id: string | null;
  role_id: string;
  user_id: string | null;
  created_by_user_id: string | null;
  created_by_api_key_id: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
};

export type NewApiKey = {
  id: string;
  keyId: string;
  name: string;
  secretHash: string;
  organizationId: string | null;
  roleId: string;
  userId: string | null;
  createdByUserId: string | null;
  createdByApiKeyId: string | null;
  createdAt: string;
  expiresAt: string | null;
};

export async function insertApiKey(db: Tx, key: NewApiKey): Promise<ApiKeyRow> {
  return (await db.get<ApiKeyRow>(
    `INSERT INTO api_keys (id, key_id, name, secret_hash, organization_id, role_id, user_id,
       created_by_user_id, created_by_api_key_id, created_at, expires_at)
     VALUES (:id, :keyId, :name, :secretHash, :organizationId, :roleId, :userId,
       :createdByUserId, :createdByApiKeyId, :createdAt, :expiresAt)
     RETURNING *`,
    key,
  )) as ApiKeyRow;
}

export async function revokeApiKeyRow(db: Tx, id: string, now: string): Promise<ApiKeyRow | undefined> {
  return await db.get<ApiKeyRow>('UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL RETURNING *', { id, now });
}

/** What the API reads of a key: never the secret's hash. */
export type ApiKeyPublicRow = Omit<ApiKeyRow, 'secret_hash'>;

export const API_KEYS: ListSpec = {
  resource: 'apiKey',
  columns: sql`k.id, k.key_id, k.name, k.organization_id, k.role_id, k.user_id, k.created_by_user_id,
    k.created_by_api_key_id, k.created_at, k.expires_at, k.revoked_at, k.last_used_at`,
  orderFields: { NAME: sql`k.name`, CREATED_AT: sql`k.created_at`, LAST_USED_AT: sql`coalesce(k.last_used_at, '')` },
  defaultOrder: { field: 'CREATED_AT', direction: 'ASC' },
};
