// What the cluster primary relays between its parent and its workers: diagnostics requests, and events for subscriptions.
import type { Worker } from 'node:cluster';
import type { RelayedEvent } from '../events/bus';

export type DiagnosticsRequest = { type: 'foundry:diagnostics'; reset?: unknown };

export function isDiagnosticsMessage(message: unknown): message is DiagnosticsRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'foundry:diagnostics';
}

/** How long the primary waits for the workers' diagnostics before it answers with what it has. */
const DIAGNOSTICS_TIMEOUT_MS = 1_000;

type Collection = { asked: Set<number>; replies: Map<number, unknown>; done: () => void };

/**
 * Asks every worker the diagnostics request the primary's parent sent and
 * answers `{ type, workers: [reply, …] }`. Requests are answered one after
 * the other, so that each reply is counted in the request it answers.
 */
export class DiagnosticsRelay {
  private queue: Promise<void> = Promise.resolve();
  private current: Collection | null = null;

  constructor(
    private readonly members: () => Worker[],
    private readonly answer: (message: { type: 'foundry:diagnostics'; workers: unknown[] }) => void,
  ) {}

  request(message: DiagnosticsRequest): void {
    this.queue = this.queue.then(() => this.collect(message));
  }

  /** A worker's reply to the request under way; a late one is dropped. */
  receive(from: Worker, message: unknown): void {
    const collection = this.current;
    if (!collection?.asked.has(from.id) || collection.replies.has(from.id)) return;
    collection.replies.set(from.id, message);
    if (collection.replies.size === collection.asked.size) collection.done();
  }

  private async collect(message: DiagnosticsRequest): Promise<void> {
    const workers = this.members();
    const replies = new Map<number, unknown>();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DIAGNOSTICS_TIMEOUT_MS);
      this.current = {
        asked: new Set(workers.map((worker) => worker.id)),
        replies,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      for (const worker of workers) sendTo(worker, message);
      if (workers.length === 0) this.current.done();
    });
    this.current = null;
    const ordered = [...replies.entries()].sort(([a], [b]) => a - b).map(([, reply]) => reply);
    this.answer({ type: 'foundry:diagnostics', workers: ordered });
  }
}

/** Sends unless the worker's channel is gone (it is exiting; its exit is handled elsewhere). */
function sendTo(worker: Worker, message: DiagnosticsRequest): void {
  if (worker.isConnected()) worker.send(message, undefined, () => undefined);
}

/** Sends an event one worker published to every other worker (the publisher delivered it to its own subscribers). */
export function relayEvent(from: Worker, message: RelayedEvent, workers: Iterable<Worker>): void {
  for (const worker of workers) {
    if (worker.id !== from.id && worker.isConnected()) worker.send(message, undefined, () => undefined);
  }
}
