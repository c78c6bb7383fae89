// One write transaction at a time in this process, in the order asked: the SQLite engine's writer connection is
// shared, so a transaction that awaits must keep every other one out until it ends (across processes,
// BEGIN IMMEDIATE and busy_timeout serialize as before).
export class WriteQueue {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /** Resolves when the caller holds the turn; null when it holds it at once (no extra turn of the event loop). */
  acquire(): Promise<void> | null {
    if (!this.held) {
      this.held = true;
      return null;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the turn to the next waiter, in order. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}
