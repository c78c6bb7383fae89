// SQL for login tokens (stored as SHA-256 hashes only).
import type { Database } from '../../db/connection';

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
