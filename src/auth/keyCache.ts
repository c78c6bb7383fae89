// Remembers API keys whose secret was verified recently, so that an
// authenticated request does not pay for bcrypt each time. Keyed by a SHA-256
// of the presented token; an entry is only trusted while the stored hash it
// was verified against is unchanged, and is dropped at once on revoke.
type Entry = { apiKeyId: string; secretHash: string; expiresAt: number };

export class ApiKeyVerificationCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  isVerified(fingerprint: string, apiKeyId: string, secretHash: string, now = Date.now()): boolean {
    const entry = this.entries.get(fingerprint);
    if (!entry) return false;
    if (entry.expiresAt <= now || entry.apiKeyId !== apiKeyId || entry.secretHash !== secretHash) {
      this.entries.delete(fingerprint);
      return false;
    }
    return true;
  }

  remember(fingerprint: string, apiKeyId: string, secretHash: string, now = Date.now()): void {
    if (this.ttlMs === 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(fingerprint, { apiKeyId, secretHash, expiresAt: now + this.ttlMs });
  }

  /**
   * Keeps a verified entry for another TTL (a subscription that holds the
   * token): checking the same secret against the same hash again proves
   * nothing new, and isVerified still refuses the entry once the hash changes.
   */
  keep(fingerprint: string, now = Date.now()): void {
    const entry = this.entries.get(fingerprint);
    if (entry && entry.expiresAt > now) entry.expiresAt = now + this.ttlMs;
  }

  forgetKey(apiKeyId: string): void {
    for (const [fingerprint, entry] of this.entries) if (entry.apiKeyId === apiKeyId) this.entries.delete(fingerprint);
  }

  get size(): number {
    return this.entries.size;
  }
}
