// Makes a new API key: the secret is returned once and only its bcrypt hash is kept.
import { randomUUID } from 'node:crypto';
import { newApiKeySecret } from '../../auth/tokens';
import type { Tx } from '../../db/store';
import { isoNow } from '../../db/store';
import { type ApiKeyRow, insertApiKey } from './repo';

export type ApiKeyRequest = {
  name: string;
  organizationId: string | null;
  roleId: string;
  userId: string | null;
  createdByUserId: string | null;
  createdByApiKeyId: string | null;
  expiresAt: string | null;
};

/** Hashes outside any transaction (bcrypt is slow); `store` runs inside the caller's. */
export async function prepareApiKey(bcryptCost: number) {
  return newApiKeySecret(bcryptCost);
}

export async function storeApiKey(db: Tx, secret: { keyId: string; secretHash: string }, request: ApiKeyRequest): Promise<ApiKeyRow> {
  return await insertApiKey(db, {
    id: randomUUID(),
    keyId: secret.keyId,
    secretHash: secret.secretHash,
    createdAt: isoNow(),
    ...request,
  });
}
