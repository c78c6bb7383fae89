// Delivers a topic's events to one subscription. Each event passes the read
// policy for the subscriber as it is at delivery (its token authenticated
// again whenever the security epoch moved or its validity ran out), and the
// stream ends with UNAUTHENTICATED once that token no longer holds: at the
// next event, or within SUBSCRIPTION_RECHECK_MS without one.
import { initContextCache } from '@pothos/core';
import { authenticateToken } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import { securityEpoch } from '../auth/principalCache';
import { sha256 } from '../auth/tokens';
import type { AuthenticatedContext, Context } from '../schema/context';
import { UnauthenticatedError } from '../schema/errors';
import { RequestLoaders } from '../schema/loaders';
import type { Payloads, Topic } from './bus';

/** Events waiting for a subscriber this far behind end its subscription: the bus never waits for anyone. */
const MAX_QUEUED = 1_000;

/** What a subscription's stream yields: an event with the principal it was checked for, or the end of authentication. */
export type Delivery<E> = { event: E; principal: Principal } | { ended: 'UNAUTHENTICATED' };

/**
 * The subscriber's principal, authenticated again only when something that
 * decides it may have changed: one read of the security epoch otherwise.
 */
class TokenWatch {
  private epoch = -1;
  private validUntil: number | null = null;
  private readonly fingerprint: string;

  constructor(
    private readonly context: AuthenticatedContext,
    private readonly token: string,
    private principal: Principal | null,
  ) {
    this.fingerprint = sha256(token);
  }

  /** The principal now, or null once the token is wrong, revoked or expired (for good). */
  async current(): Promise<Principal | null> {
    if (!this.principal) return null;
    const epoch = await securityEpoch(this.context.db);
    // An API key's secret was verified when the subscription began; a change of epoch rereads its row, not bcrypt.
    this.context.keyCache.keep(this.fingerprint);
    if (epoch === this.epoch && (this.validUntil === null || Date.now() < this.validUntil)) return this.principal;
    const fresh = await authenticateToken(this.context, this.token);
    this.epoch = epoch;
    this.principal = fresh?.principal ?? null;
    this.validUntil = fresh?.validUntil ?? null;
    return this.principal;
  }
}

/**
 * The stream of a subscription field: the topic's events about the
 * organization that `visible` lets the subscriber read. It listens from the
 * moment it is made (before the response starts); each event is checked
 * when the client is ready for it, against the principal as it is then.
 */
export function deliveries<T extends Topic>(
  context: AuthenticatedContext,
  topic: T,
  organizationId: string,
  visible: (principal: Principal, event: Payloads[T]) => boolean,
): AsyncIterableIterator<Delivery<Payloads[T]>> {
  return new DeliveryStream(context, topic, organizationId, visible);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

class DeliveryStream<T extends Topic> implements AsyncIterableIterator<Delivery<Payloads[T]>> {
  private readonly queue: Payloads[T][] = [];
  private readonly watch: TokenWatch;
  private readonly unsubscribe: () => void;
  private readonly recheck: NodeJS.Timeout;
  private readonly offClose: () => void;
  /** Wakes a next() waiting for an event (or for the end). */
  private wake: (() => void) | null = null;
  private unauthenticated = false;
  private finished = false;

  constructor(
    private readonly context: AuthenticatedContext,
    private readonly topic: T,
    organizationId: string,
    private readonly visible: (principal: Principal, event: Payloads[T]) => boolean,
  ) {
    const { events, config } = context;
    this.watch = new TokenWatch(context, context.token ?? '', context.principal);
    this.unsubscribe = events.subscribe(topic, organizationId, (event) => this.arrived(event));
    this.recheck = setInterval(() => void this.principalNow(), config.subscriptionRecheckMs);
    this.recheck.unref();
    this.offClose = events.onClose(() => this.finish());
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Delivery<Payloads[T]>, undefined>> {
    for (;;) {
      if (this.unauthenticated) {
        this.unauthenticated = false;
        return { value: { ended: 'UNAUTHENTICATED' }, done: false };
      }
      if (this.finished) return DONE;
      const event = this.queue.shift();
      if (event === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const principal = await this.principalNow();
      if (principal && this.visible(principal, event)) return { value: { event, principal }, done: false };
    }
  }

  async return(): Promise<IteratorReturnResult<undefined>> {
    this.finish();
    return DONE;
  }

  private arrived(event: Payloads[T]): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.context.logger.warn({ topic: this.topic, queued: this.queue.length }, 'subscriber too far behind; its subscription ends');
      this.finish();
      return;
    }
    this.queue.push(event);
    this.wakeUp();
  }

  /** The subscriber now; null once the token no longer holds, and the stream ends with UNAUTHENTICATED. */
  private async principalNow(): Promise<Principal | null> {
    if (this.finished) return null;
    try {
      const principal = await this.watch.current();
      if (principal) return principal;
      if (!this.finished) this.unauthenticated = true;
    } catch (error) {
      this.context.logger.error(
        { err: error instanceof Error ? error.message : String(error), topic: this.topic },
        'subscription check failed',
      );
    }
    this.finish();
    return null;
  }

  /** Stops listening at once; a next() waiting is answered (with UNAUTHENTICATED first, when that is why). */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.length = 0;
    this.unsubscribe();
    clearInterval(this.recheck);
    this.offClose();
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * For a subscription field's resolve: the event, read as its subscriber is
 * now (the principal just checked, fresh loaders and scope caches, since one
 * context serves every event); the end of authentication as UNAUTHENTICATED.
 */
export function delivered<E>(context: Context, delivery: Delivery<E>): E {
  if ('ended' in delivery) throw new UnauthenticatedError('The token of this subscription no longer holds.');
  Object.assign(context, initContextCache(), { principal: delivery.principal, loaders: new RequestLoaders() });
  return delivery.event;
}
