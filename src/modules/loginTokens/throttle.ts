// Failed logins, limited per email and per client address with exponential backoff. Counted in the database
// (login_failures), so that every worker and a restart see the same count; only digests are stored, never an email.
import { createHash } from 'node:crypto';
import { addressSubject } from '../../auth/clientAddress';
import type { LoginThrottleConfig } from '../../config';
import type { Reader, Tx } from '../../db/store';
import { RateLimitedError } from '../../schema/errors';
import { countLoginFailure, forgetLoginFailures, loginLockedUntil, pruneLoginFailures } from './repo';

/** A process prunes forgotten rows at most this often, in the transaction of a failure it records anyway. */
const PRUNE_EVERY_MS = 60_000;
let lastPrune = 0;

/** The digests one login attempt is counted under. */
export type LoginSubjects = { email: string; address: string | null };

function digest(kind: string, value: string): string {
  return createHash('sha256').update(`${kind}\n${value}`).digest('hex');
}

/** Emails compare case-insensitively (users.email is NOCASE), so `A@x` and `a@x` share one count. */
export function loginSubjects(email: string, clientAddress: string | null): LoginSubjects {
  return {
    email: digest('email', email.trim().normalize('NFC').toLowerCase()),
    address: clientAddress ? digest('address', addressSubject(clientAddress)) : null,
  };
}

/**
 * Refuses a login while its email or its address is locked, before the password is looked at: a correct
 * password is refused too, so that the answer says nothing about it. The message does not say which is locked.
 */
export async function refuseWhileLocked(db: Reader, subjects: LoginSubjects, now = Date.now()): Promise<void> {
  const until = await loginLockedUntil(db, subjects.email, subjects.address);
  if (until > now) throw new RateLimitedError('Too many failed logins: try again later.', until - now);
}

/** Counts a failed login for its email and its address; call inside the transaction that audits it. */
export async function recordLoginFailure(db: Tx, config: LoginThrottleConfig, subjects: LoginSubjects, now = Date.now()): Promise<void> {
  const forgetBefore = now - config.windowMs;
  const common = { now, lockMs: config.lockMs, maxLockMs: config.maxLockMs, forgetBefore };
  await countLoginFailure(db, { ...common, kind: 'email', subject: subjects.email, allowed: config.failuresPerEmail });
  if (subjects.address)
    await countLoginFailure(db, { ...common, kind: 'address', subject: subjects.address, allowed: config.failuresPerAddress });
  if (now - lastPrune >= PRUNE_EVERY_MS) {
    lastPrune = now;
    await pruneLoginFailures(db, now, forgetBefore);
  }
}

/** A successful login forgets its email's failures (not its address's: one's own account must not reset a guesser's count). */
export async function recordLoginSuccess(db: Tx, subjects: LoginSubjects): Promise<void> {
  await forgetLoginFailures(db, { kind: 'email', subject: subjects.email });
}
