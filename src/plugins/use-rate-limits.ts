// Request rate limits, in memory in each process: per API key by its role (RATE_LIMITS, none unless configured) and per
// client address for requests without a valid token (RATE_LIMIT_UNAUTHENTICATED). Past them, RATE_LIMITED with
// retryAfterSeconds (HTTP 429, Retry-After). A request with a login token is not limited here.
import { performance } from 'node:perf_hooks';
import type { Plugin } from 'graphql-yoga';
import { addressSubject } from '../auth/clientAddress';
import type { Rate } from '../config';
import type { Context } from '../schema/context';
import { RateLimitedError } from '../schema/errors';

/** Past this many keys a table forgets its full buckets (a full bucket is the same as none), then its oldest. */
const MAX_BUCKETS = 50_000;

type Bucket = { tokens: number; at: number };

/** Token buckets of one rate, one per key: `capacity` requests at once, refilled continuously. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly rate: Rate) {}

  /** Takes one request's token: 0 when it was there, else the milliseconds until one will be. */
  take(key: string, now: number): number {
    const { capacity, perMs } = this.rate;
    const bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(now);
      this.buckets.set(key, { tokens: capacity - 1, at: now });
      return 0;
    }
    const tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    if (tokens >= 1) {
      bucket.tokens = tokens - 1;
      return 0;
    }
    bucket.tokens = tokens;
    return (1 - tokens) / perMs;
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const { capacity, perMs } = this.rate;
    for (const [key, bucket] of this.buckets) if (bucket.tokens + (now - bucket.at) * perMs >= capacity) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < MAX_BUCKETS / 2) break;
      this.buckets.delete(key);
    }
  }
}

export type RateLimitsOptions = {
  /** By API key role; `*` for any role not named. */
  rateLimits: ReadonlyMap<string, Rate>;
  /** Per client address for requests without a principal; null: none. */
  unauthenticated: Rate | null;
  /** The clock (ms); performance.now unless a test drives it. */
  now?: () => number;
};

export function useRateLimits({ rateLimits, unauthenticated, now = () => performance.now() }: RateLimitsOptions): Plugin<Context> {
  const byRole = new Map([...rateLimits].map(([role, rate]) => [role, new TokenBuckets(rate)]));
  const anyRole = byRole.get('*') ?? null;
  const addresses = unauthenticated ? new TokenBuckets(unauthenticated) : null;

  /** Milliseconds to wait when the request is over its limit, else 0. */
  function waitFor(context: Context): number {
    const principal = context.principal;
    if (principal) {
      if (principal.apiKeyId === null || principal.apiKeyRoleId === null) return 0;
      const buckets = byRole.get(principal.apiKeyRoleId) ?? anyRole;
      return buckets ? buckets.take(principal.apiKeyId, now()) : 0;
    }
    if (!addresses || context.clientAddress === null) return 0;
    return addresses.take(addressSubject(context.clientAddress), now());
  }

  const refusal = (waitMs: number) => ({ errors: [new RateLimitedError('Too many requests: slow down and try again later.', waitMs)] });
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const waitMs = waitFor(args.contextValue);
      if (waitMs > 0) setResultAndStopExecution(refusal(waitMs));
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const waitMs = waitFor(args.contextValue);
      if (waitMs > 0) setResultAndStopExecution(refusal(waitMs));
    },
  };
}
