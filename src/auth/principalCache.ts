// Authenticated principals by token fingerprint, so that a warm token
// resolves to its principal and grants from memory. An entry is trusted only
// while the database's security epoch is the one it was made under (triggers
// move the epoch with every change to keys, login tokens, users, roles and
// grants, whoever writes it), and never past its token's expiry, the first
// expiry among its grants, or the cache's TTL.
import type { Reader } from '../db/store';
import type { Principal } from './principal';

type Entry = { principal: Principal; expiresAt: number; validUntil: number | null };

export async function securityEpoch(db: Reader): Promise<number> {
  return (await db.get<{ value: number }>('SELECT value FROM security_epoch WHERE id = 1'))?.value ?? 0;
}

export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private epoch: number | null = null;
  /** Lookups answered from memory and not, since the process started (read by src/metrics.ts). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Forgets every entry when the epoch has moved since the last look. */
  sync(epoch: number): void {
    if (epoch !== this.epoch) {
      this.entries.clear();
      this.epoch = epoch;
    }
  }

  /** The principal of a fingerprint and when its token or first grant lapses (ms, null: never). */
  get(fingerprint: string, now: number): { principal: Principal; validUntil: number | null } | null {
    const entry = this.entries.get(fingerprint);
    if (!entry) {
      this.misses += 1;
      return null;
    }
    if (entry.expiresAt <= now) {
      this.entries.delete(fingerprint);
      this.misses += 1;
      return null;
    }
    this.hits += 1;
    return entry;
  }

  /**
   * Keeps a principal until `validUntil` (its token's or a grant's expiry, ms)
   * or the TTL, whichever comes first. `epoch` is the one read before the
   * principal was loaded: if the cache has moved on since (a change committed
   * while the load awaited bcrypt), the principal may be stale and is not kept.
   */
  set(fingerprint: string, principal: Principal, epoch: number, now: number, validUntil: number | null): void {
    if (this.ttlMs === 0 || epoch !== this.epoch) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const expiresAt = Math.min(now + this.ttlMs, validUntil ?? Number.POSITIVE_INFINITY);
    if (expiresAt > now) this.entries.set(fingerprint, { principal, expiresAt, validUntil });
  }

  /** Forgets every principal (the next request of each token reads its row and grants again). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
