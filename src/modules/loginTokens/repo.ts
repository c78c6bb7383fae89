// SQL for login tokens (stored as SHA-256 hashes only).
import type { Database } from '../../db/connection';

export type LoginTokenForAuthentication = {
  id: string;
  user_id: string;
  expires_at: string;
  revoked_at: string | null;
  user_name: string;
  user_active: number;
};

export function loginTokenForAuthentication(db: Database, tokenHash: string): LoginTokenForAuthentication | undefined {
  return db.get<LoginTokenForAuthentication>(
    `SELECT t.id, t.user_id, t.expires_at, t.revoked_at, u.name AS user_name, u.is_active AS user_active
       FROM login_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = :tokenHash`,
    { tokenHash },
  );
}

export function insertLoginToken(
  db: Database,
  token: { id: string; tokenHash: string; userId: string; now: string; expiresAt: string },
): void {
  db.run(
    `INSERT INTO login_tokens (id, token_hash, user_id, created_at, expires_at)
     VALUES (:id, :tokenHash, :userId, :now, :expiresAt)`,
    token,
  );
}

export function revokeLoginToken(db: Database, id: string, now: string): boolean {
  return db.run('UPDATE login_tokens SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL', { id, now }).changes > 0;
}
