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
  await db.run(db.engine === 'postgres' ? COUNT_FAILURE_POSTGRES : COUNT_FAILURE_SQLITE, failure);
}

const FAILURES_SQLITE = 'iif(last_failure_at <= :forgetBefore, 1, failures + 1)';
const COUNT_FAILURE_SQLITE = `INSERT INTO login_failures (kind, subject, failures, last_failure_at, locked_until)
     VALUES (:kind, :subject, 1, :now, iif(:allowed <= 1, :now + :lockMs, 0))
     ON CONFLICT (kind, subject) DO UPDATE SET
       failures = ${FAILURES_SQLITE},
       locked_until = iif(${FAILURES_SQLITE} >= :allowed,
                          :now + min(:maxLockMs, :lockMs << min(${FAILURES_SQLITE} - :allowed, 30)),
                          locked_until),
       last_failure_at = :now`;
// PostgreSQL: CASE and least() for iif() and the scalar min(); the parameters typed, as no operator tells their type.
const FAILURES_POSTGRES = 'CASE WHEN login_failures.last_failure_at <= :forgetBefore::bigint THEN 1 ELSE login_failures.failures + 1 END';
const COUNT_FAILURE_POSTGRES = `INSERT INTO login_failures (kind, subject, failures, last_failure_at, locked_until)
     VALUES (:kind, :subject, 1, :now::bigint, CASE WHEN :allowed::bigint <= 1 THEN :now::bigint + :lockMs::bigint ELSE 0 END)
     ON CONFLICT (kind, subject) DO UPDATE SET
       failures = ${FAILURES_POSTGRES},
       locked_until = CASE WHEN ${FAILURES_POSTGRES} >= :allowed::bigint
                           THEN :now::bigint + least(:maxLockMs::bigint, :lockMs::bigint << least(${FAILURES_POSTGRES} - :allowed::bigint, 30)::int)
                           ELSE login_failures.locked_until END,
       last_failure_at = :now::bigint`;

/** Forgets an email's failures (after a successful login). */
export async function forgetLoginFailures(db: Tx, { kind, subject }: LoginFailureSubject): Promise<void> {
  await db.run('DELETE FROM login_failures WHERE kind = :kind AND subject = :subject', { kind, subject });
}

/** Deletes the rows whose failures are forgotten and whose lock is over. */
export async function pruneLoginFailures(db: Tx, now: number, forgetBefore: number): Promise<number> {
  return (await db.run('DELETE FROM login_failures WHERE last_failure_at <= :forgetBefore AND locked_until <= :now', { now, forgetBefore }))
    .changes;
}
