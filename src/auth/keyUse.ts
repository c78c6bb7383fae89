// When each API key was last used, written at most once a minute per key and
// off the request path: a request only notes the use in memory; the writes
// are batched into one transaction on the next turn of the event loop.
import type { Store } from '../db/store';
import { touchApiKeys } from './credentials';

const INTERVAL_MS = 60_000;

export class ApiKeyUseRecorder {
  /** Per key: when its use was last written (or found written), in ms. */
  private readonly written = new Map<string, number>();
  private readonly pending = new Map<string, string>();
  private scheduled: NodeJS.Immediate | null = null;
  /** The writes begun and not yet ended (settled either way), so that a flush can wait for one already running. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly db: Store) {}

  /** Notes a use of the key; `lastUsedAt` is the stored value when the caller has just read it. */
  record(apiKeyId: string, now: number, lastUsedAt?: string | null): void {
    if (lastUsedAt !== undefined && !this.written.has(apiKeyId) && lastUsedAt !== null) {
      this.written.set(apiKeyId, Date.parse(lastUsedAt));
    }
    const last = this.written.get(apiKeyId);
    if (last !== undefined && now - last < INTERVAL_MS) return;
    this.written.set(apiKeyId, now);
    this.pending.set(apiKeyId, new Date(now).toISOString());
    this.scheduled ??= setImmediate(() => void this.flush());
  }

  /**
   * Writes the pending uses now (also at shutdown), and waits for the writes already running: on an engine whose
   * transactions run alongside each other (PostgreSQL), a write begun on the last turn may not have committed yet.
   */
  async flush(): Promise<void> {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const earlier = this.writing;
    if (this.pending.size === 0 || !this.db.isOpen()) return await earlier;
    const uses = [...this.pending].map(([id, at]) => ({ id, at }));
    this.pending.clear();
    const write = this.db.transaction((tx) => touchApiKeys(tx, uses));
    this.writing = Promise.all([earlier, write.catch(() => undefined)]).then(() => undefined);
    await Promise.all([earlier, write]);
  }
}
