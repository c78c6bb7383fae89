// The SQL authentication reads and writes: API keys and login tokens by their
// presented form, the grants behind them, and when keys were last used. Here,
// below the modules, so that authenticating a request never climbs into them.
import type { Reader, Tx } from '../db/store';

/** An API key as authentication needs it, with its role's level and its user's state. */
export type ApiKeyCredential = {
  id: string;
  name: string;
  secret_hash: string;
  organization_id: string | null;
  role_id: string;
  user_id: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  role_level: string;
  user_active: number | null;
};

export async function apiKeyForAuthentication(db: Reader, keyId: string): Promise<ApiKeyCredential | undefined> {
  return await db.get<ApiKeyCredential>(
    `SELECT k.id, k.name, k.secret_hash, k.organization_id, k.role_id, k.user_id, k.expires_at, k.revoked_at, k.last_used_at,
            r.level AS role_level, u.is_active AS user_active
       FROM api_keys k JOIN roles r ON r.id = k.role_id LEFT JOIN users u ON u.id = k.user_id
      WHERE k.key_id = :keyId`,
    { keyId },
  );
}

/** Records when keys were used (never moving a time backwards); the caller batches and rate-limits. */
export async function touchApiKeys(db: Tx, uses: readonly { id: string; at: string }[]): Promise<void> {
  for (const use of uses) {
    await db.run('UPDATE api_keys SET last_used_at = :at WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :at)', use);
  }
}

export type LoginTokenCredential = {
  id: string;
  user_id: string;
  expires_at: string;
  revoked_at: string | null;
  user_name: string;
  user_active: number;
};

export async function loginTokenForAuthentication(db: Reader, tokenHash: string): Promise<LoginTokenCredential | undefined> {
  return await db.get<LoginTokenCredential>(
    `SELECT t.id, t.user_id, t.expires_at, t.revoked_at, u.name AS user_name, u.is_active AS user_active
       FROM login_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = :tokenHash`,
    { tokenHash },
  );
}

export async function permissionCodesOfRole(db: Reader, roleId: string): Promise<string[]> {
  return (
    await db.all<{ code: string }>('SELECT permission_code AS code FROM role_permissions WHERE role_id = :roleId ORDER BY 1', { roleId })
  ).map((row) => row.code);
}

/** Each (organization, permission) a user holds through unexpired role assignments; organization null = platform-wide. */
export async function grantsOfUser(db: Reader, userId: string, now: string): Promise<{ organizationId: string | null; code: string }[]> {
  return await db.all(
    `SELECT DISTINCT ur.organization_id AS "organizationId", rp.permission_code AS code
       FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id
      WHERE ur.user_id = :userId AND (ur.expires_at IS NULL OR ur.expires_at > :now)`,
    { userId, now },
  );
}

/** The first moment one of the user's current grants lapses (a cached principal must not outlive it), or null. */
export async function nextGrantExpiry(db: Reader, userId: string, now: string): Promise<string | null> {
  return (
    (
      await db.get<{ at: string | null }>('SELECT min(expires_at) AS at FROM user_roles WHERE user_id = :userId AND expires_at > :now', {
        userId,
        now,
      })
    )?.at ?? null
  );
}

export async function holdsPlatformRole(db: Reader, userId: string, roleId: string, now: string): Promise<boolean> {
  return (
    (await db.get<{ found: number }>(
      `SELECT 1 AS found FROM user_roles WHERE user_id = :userId AND role_id = :roleId AND organization_id IS NULL
         AND (expires_at IS NULL OR expires_at > :now)`,
      { userId, roleId, now },
    )) !== undefined
  );
}
