// The publish/subscribe seam: what happened (after its transaction committed)
// goes out by topic and organization to the subscriptions of every process.
// The transport is an EventTarget, the shape of Yoga's distributed event
// targets (@graphql-yoga/redis-event-target): in memory for one process,
// relayed through the cluster primary for FOUNDRY_WORKERS > 1; a PostgreSQL
// LISTEN/NOTIFY target for several gateways plugs in here, resolvers unchanged.
import cluster from 'node:cluster';
import type { AuditRow } from '../modules/auditLog/repo';
import type { SessionRow } from '../modules/sessions/repo';
import type { QuotaRow } from '../modules/usage/rollups';

export type SessionChange = 'STARTED' | 'ENDED' | 'TERMINATED';

/** What each topic carries: the committed rows, plain JSON (it crosses processes). */
export type Payloads = {
  auditLogEntryAdded: { entry: AuditRow };
  sessionChanged: { change: SessionChange; session: SessionRow };
  usageRecorded: {
    organizationId: string;
    /** Who recorded the batch: usage rows have these owners, for the `:self` rule. */
    userId: string | null;
    apiKeyId: string | null;
    count: number;
    promptTokens: number;
    cachedPromptTokens: number;
    completionTokens: number;
    reasoningTokens: number;
    totalTokens: number;
    costNanoUsd: string;
    models: string[];
    recordedAt: string;
    /** The organization's quota with the batch counted. */
    quota: QuotaRow | null;
  };
  /** A budget's use reached its alertAtPercent in a period, first in that period (src/modules/budgets/check.ts). */
  budgetThresholdCrossed: {
    budgetId: string;
    level: 'ORGANIZATION' | 'AGENT' | 'API_KEY' | 'USER';
    period: 'DAY' | 'WEEK' | 'MONTH';
    periodStart: string;
    resetsAt: string;
    alertAtPercent: number;
    tokenLimit: number | null;
    costLimitNanoUsd: string | null;
    usedTokens: number;
    usedCostNanoUsd: string;
  };
};

export type Topic = keyof Payloads;

export type BusEvent = { [T in Topic]: { topic: T; organizationId: string; payload: Payloads[T] } }[Topic];

export type Unsubscribe = () => void;

export type EventBus = {
  /** Sends an event to the subscriptions of every process. Call after the commit, never inside a transaction. */
  publish(event: BusEvent): void;
  /** Hears the events of a topic about one organization, from every process, until unsubscribed. */
  subscribe<T extends Topic>(topic: T, organizationId: string, listener: (payload: Payloads[T]) => void): Unsubscribe;
  /** Calls `listener` when the process shuts down (open subscriptions end then), until unsubscribed. */
  onClose(listener: () => void): Unsubscribe;
  close(): void;
};

/** The message a worker sends to the primary, and the primary to the other workers. */
export type RelayedEvent = { type: 'foundry:event'; topic: string; detail: unknown };

export function isRelayedEvent(message: unknown): message is RelayedEvent {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'foundry:event';
}

let open = 0;

/** Subscriptions open in this process (a gauge for metrics). */
export function openSubscriptions(): number {
  return open;
}

const channel = (topic: Topic, organizationId: string) => `${topic}:${organizationId}`;

/**
 * A bus on a transport. A listener that throws would surface as an uncaught
 * exception from dispatchEvent, so its fault goes to `onListenerError` instead.
 */
export function createEventBus(target: EventTarget, onListenerError: (error: unknown) => void): EventBus {
  const closers = new Set<() => void>();
  return {
    publish(event) {
      target.dispatchEvent(new CustomEvent(channel(event.topic, event.organizationId), { detail: event.payload }));
    },
    subscribe(topic, organizationId, listener) {
      const name = channel(topic, organizationId);
      const heard = (event: Event) => {
        try {
          listener((event as CustomEvent<Payloads[typeof topic]>).detail);
        } catch (error) {
          onListenerError(error);
        }
      };
      target.addEventListener(name, heard);
      open += 1;
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        open -= 1;
        target.removeEventListener(name, heard);
      };
    },
    onClose(listener) {
      closers.add(listener);
      return () => closers.delete(listener);
    },
    close() {
      for (const listener of [...closers]) listener();
      closers.clear();
    },
  };
}

/**
 * A cluster worker's transport: an event dispatched here reaches this
 * process's listeners at once and goes to the primary, which relays it to
 * every other worker (src/cluster/relays.ts), where it is dispatched again.
 */
export function clusterEventTarget(): EventTarget {
  const local = new EventTarget();
  process.on('message', (message: unknown) => {
    if (isRelayedEvent(message)) local.dispatchEvent(new CustomEvent(message.topic, { detail: message.detail }));
  });
  return {
    addEventListener: local.addEventListener.bind(local),
    removeEventListener: local.removeEventListener.bind(local),
    dispatchEvent(event: Event) {
      const delivered = local.dispatchEvent(event);
      const relayed: RelayedEvent = { type: 'foundry:event', topic: event.type, detail: (event as CustomEvent<unknown>).detail };
      if (process.send && process.connected) process.send(relayed, undefined, {}, () => undefined);
      return delivered;
    },
  };
}

/** The bus of this process: relayed through the primary in a cluster worker, in memory otherwise. */
export function processEventBus(onListenerError: (error: unknown) => void): EventBus {
  return createEventBus(cluster.isWorker ? clusterEventTarget() : new EventTarget(), onListenerError);
}
