// SQL for login tokens (stored as SHA-256 hashes only).
import type { Reader, Tx } from '../../db/store';

export async function insertLoginToken(
  db: Tx,
  token: { id: string; tokenHash: string; userId: string; now: string; expiresAt: string },
): Promise<void> {
  await db.run(
    `INSERT INTO login_tokens (id, token_hash, user_id, created_at, expires_at)
     VALUES (:id, :tokenHash, :userId, :now, :expiresAt)`,
    token,
  );
}

export async function revokeLoginToken(db: Tx, id: string, now: string): Promise<boolean> {
  return (await db.run('UPDATE login_tokens SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL', { id, now })).changes > 0;
}

/** Whose failed logins a row counts: a SHA-256 digest of a normalized email or of a client address subject. */
export type LoginFailureSubject = { kind: 'email' | 'address'; subject: string };

/** The latest moment (epoch ms) until which any of the subjects is locked; 0 when none is. */
export async function loginLockedUntil(db: Reader, email: string, address: string | null): Promise<number> {
  return (
    (
      await db.get<{ until: number | null }>(
        `SELECT max(locked_until) AS until FROM login_failures
        WHERE (kind = 'email' AND subject = :email) OR (kind = 'address' AND subject = :address)`,
        { email, address },
      )
    )?.until ?? 0
  );
}

/**
 * Counts one failure in one statement, so that processes failing at once each count theirs: a count
 * whose last failure is older than the window starts again at 1; from `allowed` failures on, the subject
 * is locked for lockMs, doubled for each further failure, at most maxLockMs.
 */
export async function countLoginFailure(
  db: Tx,
  failure: LoginFailureSubject & { now: number; allowed: number; lockMs: number; maxLockMs: number; forgetBefore: number },
): Promise<void> {
  const failures = 'iif(last_failure_at <= :forgetBefore, 1, failures + 1)';
  await db.run(
    `INSERT INTO login_failures (kind, subject, failures, last_failure_at, locked_until)
     VALUES (:kind, :subject, 1, :now, iif(:allowed <= 1, :now + :lockMs, 0))
     ON CONFLICT (kind, subject) DO UPDATE SET
       failures = ${failures},
       locked_until = iif(${failures} >= :allowed,
                          :now + min(:maxLockMs, :lockMs << min(${failures} - :allowed, 30)),
                          locked_until),
       last_failure_at = :now`,
    failure,
  );
}

/** Forgets an email's failures (after a successful login). */
export async function forgetLoginFailures(db: Tx, { kind, subject }: LoginFailureSubject): Promise<void> {
  await db.run('DELETE FROM login_failures WHERE kind = :kind AND subject = :subject', { kind, subject });
}

/** Deletes the rows whose failures are forgotten and whose lock is over. */
export async function pruneLoginFailures(db: Tx, now: number, forgetBefore: number): Promise<number> {
  return (await db.run('DELETE FROM login_failures WHERE last_failure_at <= :forgetBefore AND locked_until <= :now', { now, forgetBefore }))
    .changes;
}
