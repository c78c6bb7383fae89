// What the cluster primary relays between its workers: security changes (acked by all) and diagnostics requests.
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { ACK_TIMEOUT_MS, type SecurityMessage } from './securityBus';

/** One publish being relayed: the workers that have not acked yet. */
type Round = { publisher: Worker; pending: Map<number, Worker>; timer: NodeJS.Timeout };

/**
 * Relays a worker's publish to every worker on the bus and answers the
 * publisher once all of them ran their listeners. A worker that stays silent
 * past ACK_TIMEOUT_MS is killed: its caches may be stale, and the primary
 * restarts it empty.
 */
export class SecurityRelay {
  private readonly rounds = new Map<string, Round>();
  private readonly ready = new Map<number, Worker>();

  constructor(private readonly logger: Logger) {}

  receive(from: Worker, message: SecurityMessage): void {
    if (message.kind === 'ready') this.ready.set(from.id, from);
    else if (message.kind === 'publish') this.start(from, message.id, message.reason);
    else if (message.kind === 'ack') this.acked(message.id, from);
  }

  /** The workers that listen to the bus (they said so before serving anything), and are still connected. */
  members(): Worker[] {
    return [...this.ready.values()].filter((worker) => worker.isConnected());
  }

  /** A worker that exited owes no ack. */
  forget(worker: Worker): void {
    this.ready.delete(worker.id);
    for (const id of [...this.rounds.keys()]) this.acked(id, worker);
  }

  private start(publisher: Worker, id: string, reason: string): void {
    const pending = new Map(this.members().map((worker) => [worker.id, worker]));
    const timer = setTimeout(() => this.timedOut(id, reason), ACK_TIMEOUT_MS);
    this.rounds.set(id, { publisher, pending, timer });
    for (const worker of pending.values()) sendTo(worker, { type: 'foundry:security', kind: 'changed', id, reason });
    if (pending.size === 0) this.finish(id);
  }

  private acked(id: string, worker: Worker): void {
    const round = this.rounds.get(id);
    if (round && round.pending.delete(worker.id) && round.pending.size === 0) this.finish(id);
  }

  private timedOut(id: string, reason: string): void {
    const round = this.rounds.get(id);
    if (!round) return;
    for (const worker of round.pending.values()) {
      this.logger.error({ worker: worker.id, reason, timeoutMs: ACK_TIMEOUT_MS }, 'worker did not ack a security change; killing it');
      worker.process.kill('SIGKILL');
    }
    this.finish(id);
  }

  private finish(id: string): void {
    const round = this.rounds.get(id);
    if (!round) return;
    clearTimeout(round.timer);
    this.rounds.delete(id);
    sendTo(round.publisher, { type: 'foundry:security', kind: 'published', id });
  }
}

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
    if (!collection || !collection.asked.has(from.id) || collection.replies.has(from.id)) return;
    collection.replies.set(from.id, message);
    if (collection.replies.size === collection.asked.size) collection.done();
  }

  private async collect(message: DiagnosticsRequest): Promise<void> {
    const workers = this.members();
    const replies = new Map<number, unknown>();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DIAGNOSTICS_TIMEOUT_MS);
      this.current = { asked: new Set(workers.map((worker) => worker.id)), replies, done: () => (clearTimeout(timer), resolve()) };
      for (const worker of workers) sendTo(worker, message);
      if (workers.length === 0) this.current.done();
    });
    this.current = null;
    const ordered = [...replies.entries()].sort(([a], [b]) => a - b).map(([, reply]) => reply);
    this.answer({ type: 'foundry:diagnostics', workers: ordered });
  }
}

/** Sends unless the worker's channel is gone (it is exiting; its exit is handled elsewhere). */
function sendTo(worker: Worker, message: SecurityMessage | DiagnosticsRequest): void {
  if (worker.isConnected()) worker.send(message, undefined, () => undefined);
}
