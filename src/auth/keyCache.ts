// Remembers API keys whose secret was verified recently, so that an
// authenticated request does not pay for bcrypt each time. Keyed by a SHA-256
// of the presented token; an entry is only trusted while the stored hash it
// was verified against is unchanged, and is dropped whole whenever the
// security bus says credentials or grants changed in any process.
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

  forgetKey(apiKeyId: string): void {
    for (const [fingerprint, entry] of this.entries) if (entry.apiKeyId === apiKeyId) this.entries.delete(fingerprint);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
