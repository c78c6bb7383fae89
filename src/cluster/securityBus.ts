// Tells every process of the gateway that credentials or grants changed, so that none serves a stale cache.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

export interface SecurityBus {
  /** Tells every process of this gateway (this one included) that credentials or grants changed; resolves once every process has run its listeners (or after a bounded timeout, logged). */
  publish(reason: string): Promise<void>;
  /** Runs `listener` in this process whenever any process publishes (including itself). Returns an unsubscribe function. */
  subscribe(listener: (reason: string) => void): () => void;
}

/** The IPC messages of the bus between a worker and the primary (src/cluster/primary.ts). */
export type SecurityMessage =
  | { type: 'foundry:security'; kind: 'ready' }
  | { type: 'foundry:security'; kind: 'publish'; id: string; reason: string }
  | { type: 'foundry:security'; kind: 'changed'; id: string; reason: string }
  | { type: 'foundry:security'; kind: 'ack'; id: string }
  | { type: 'foundry:security'; kind: 'published'; id: string };

export function isSecurityMessage(message: unknown): message is SecurityMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'foundry:security';
}

/** How long the primary waits for every worker to ack before it kills the silent ones. */
export const ACK_TIMEOUT_MS = 2_000;
/** How long a publishing worker waits for the primary (longer than ACK_TIMEOUT_MS, so the primary's verdict comes first). */
const PUBLISH_TIMEOUT_MS = 5_000;

/** The bus of a gateway that is one process: listeners run at once, in the publisher's call. */
export class LocalSecurityBus implements SecurityBus {
  private readonly listeners = new Set<(reason: string) => void>();

  constructor(protected readonly logger: Logger) {}

  publish(reason: string): Promise<void> {
    this.notify(reason);
    return Promise.resolve();
  }

  subscribe(listener: (reason: string) => void): () => void {
    const entry = (reason: string) => listener(reason);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Runs every listener; one that throws is logged and does not stop the others. */
  protected notify(reason: string): void {
    for (const listener of this.listeners) {
      try {
        listener(reason);
      } catch (error) {
        this.logger.error({ reason, err: error instanceof Error ? error.message : String(error) }, 'security listener failed');
      }
    }
  }
}

type Send = (message: SecurityMessage) => void;

/** Throws when there is no primary to talk to; a channel that closes meanwhile ends the worker anyway (node:cluster). */
function sendToPrimary(message: SecurityMessage): void {
  if (!process.send || !process.connected) throw new Error('no IPC channel to the primary');
  process.send(message, undefined, {}, () => undefined);
}

/**
 * The bus of a cluster worker: a publish goes to the primary, which tells
 * every worker (this one too) and answers once all of them acked.
 */
export class WorkerSecurityBus extends LocalSecurityBus {
  private readonly waiting = new Map<string, () => void>();

  constructor(
    logger: Logger,
    private readonly send: Send = sendToPrimary,
    channel: NodeJS.EventEmitter = process,
  ) {
    super(logger);
    channel.on('message', (message: unknown) => {
      if (isSecurityMessage(message)) this.receive(message);
    });
    // Sent before this worker listens, so the primary counts it in every change from before its first request on.
    this.send({ type: 'foundry:security', kind: 'ready' });
  }

  override publish(reason: string): Promise<void> {
    const id = randomUUID();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.logger.error({ reason, timeoutMs: PUBLISH_TIMEOUT_MS }, 'security change not confirmed by the primary in time');
        resolve();
      }, PUBLISH_TIMEOUT_MS);
      this.waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        this.send({ type: 'foundry:security', kind: 'publish', id, reason });
      } catch (error) {
        // No primary to relay through: at least this process must forget.
        this.waiting.delete(id);
        clearTimeout(timer);
        this.logger.error({ reason, err: error instanceof Error ? error.message : String(error) }, 'security change not sent to the primary');
        this.notify(reason);
        resolve();
      }
    });
  }

  private receive(message: SecurityMessage): void {
    if (message.kind === 'changed') {
      this.notify(message.reason);
      this.send({ type: 'foundry:security', kind: 'ack', id: message.id });
    } else if (message.kind === 'published') {
      const done = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      done?.();
    }
  }
}
