// Sends webhook deliveries after their transaction committed: each process looks for due deliveries every
// WEBHOOK_POLL_MS (and at once when told something was queued), claims a few (no two processes claim the same
// one), and POSTs each body signed as Standard Webhooks (https://www.standardwebhooks.com) specifies:
//   webhook-id: the delivery id, webhook-timestamp: Unix seconds, webhook-signature: v1,<base64 HMAC-SHA256>
//   over `${id}.${timestamp}.${body}` with the bytes of the secret after its `whsec_` prefix.
// A 2xx answer delivers it; anything else (another status, a refused connection, a timeout) is retried with
// backoff, WEBHOOK_RETRY_BASE_MS doubled per attempt up to an hour, until WEBHOOK_MAX_ATTEMPTS: then FAILED.
// Redirects are not followed. Unless WEBHOOK_PRIVATE_ADDRESSES=allow, an endpoint that resolves to a loopback,
// private, link-local or otherwise internal address is refused before connecting, every attempt.
import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { WebhookConfig } from '../../config';
import { isoNow, type Store } from '../../db/store';
import type { SecretBox } from '../../secrets/box';
import { type AttemptOutcome, type ClaimedDelivery, claimDueDeliveries, nextDueAt, recordAttempt } from './repo';

/** Deliveries one process claims at a time. */
const CLAIM_LIMIT = 10;
const MAX_BACKOFF_MS = 3_600_000;
/** The answer's body is read only to let the connection go: never stored, never logged. */
const SECRET_PREFIX = 'whsec_';

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Store,
    private readonly box: SecretBox,
    private readonly config: WebhookConfig,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.nudge(), this.config.pollMs);
    this.timer.unref();
    this.nudge();
  }

  /** Looks for due deliveries now (after a commit that queued some), or once more after the pass under way. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: unknown) => {
        this.logger.warn({ err: error instanceof Error ? error.name : 'unknown' }, 'webhook dispatch failed; retried at the next poll');
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** Stops polling and waits for the attempts under way to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async pass(): Promise<void> {
    for (;;) {
      const due = await nextDueAt(this.db);
      const now = isoNow();
      if (due === null || due > now) return;
      const leaseUntil = new Date(Date.now() + this.config.timeoutMs + 30_000).toISOString();
      const claimed = await this.db.transaction((tx) => claimDueDeliveries(tx, now, leaseUntil, CLAIM_LIMIT));
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      if (this.stopped) return;
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    let outcome: AttemptOutcome;
    try {
      const secret = this.box.open(delivery.secret, delivery.webhook_id);
      const status = await this.post(delivery, secret);
      outcome =
        status >= 200 && status < 300 ? { kind: 'delivered', status, at: isoNow() } : this.failure(delivery, status, `HTTP ${status}`);
    } catch (error) {
      outcome = this.failure(delivery, null, reasonOf(error));
    }
    await this.db.transaction((tx) => recordAttempt(tx, delivery.id, outcome));
  }

  private failure(delivery: ClaimedDelivery, status: number | null, error: string): AttemptOutcome {
    if (delivery.attempts >= this.config.maxAttempts) return { kind: 'failed', status, error };
    const wait = Math.min(this.config.retryBaseMs * 2 ** (delivery.attempts - 1), MAX_BACKOFF_MS);
    return { kind: 'retry', status, error, nextAttemptAt: new Date(Date.now() + wait).toISOString() };
  }

  /** One POST; resolves with the answer's status. */
  private post(delivery: ClaimedDelivery, secret: string): Promise<number> {
    const url = new URL(delivery.url);
    const timestamp = Math.floor(Date.now() / 1000);
    const body = Buffer.from(delivery.body, 'utf8');
    const client = url.protocol === 'https:' ? https : http;
    // A literal address is connected to without a lookup: checked here.
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!this.config.allowPrivateAddresses && isIP(literal) !== 0 && isInternalAddress(literal)) {
      return Promise.reject(new WebhookError('endpoint resolves to an internal address'));
    }
    return new Promise<number>((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(body.length),
            'user-agent': 'agent-foundry-gateway-webhooks',
            'webhook-id': delivery.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature(secret, delivery.id, timestamp, delivery.body),
          },
          timeout: this.config.timeoutMs,
          lookup: this.config.allowPrivateAddresses ? undefined : publicOnlyLookup,
          agent: false,
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new WebhookError('timeout')));
      request.on('error', reject);
      request.end(body);
    });
  }
}

class WebhookError extends Error {}

/** What the delivery records of a failure: a short reason, never a message that could carry the URL or a body. */
function reasonOf(error: unknown): string {
  if (error instanceof WebhookError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code)) return code.toLowerCase().replaceAll('_', ' ');
  return 'request failed';
}

/** Addresses a tenant's endpoint may not reach unless WEBHOOK_PRIVATE_ADDRESSES=allow. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, or ::ffff:XXXX:XXXX) is the IPv4 address it maps.
  const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (mapped) {
    const v4 =
      mapped[1] ??
      [mapped[2], mapped[3]]
        .flatMap((group) => [Number.parseInt(group as string, 16) >> 8, Number.parseInt(group as string, 16) & 0xff])
        .join('.');
    return INTERNAL.check(v4, 'ipv4');
  }
  return INTERNAL.check(address, 'ipv6');
}

/** dns.lookup that refuses internal addresses: checked on the address the connection will use, after resolution. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const list = addresses as unknown as { address: string; family: number }[];
    if (list.length === 0 || list.some((entry) => isInternalAddress(entry.address))) {
      callback(new WebhookError('endpoint resolves to an internal address'), '', 0);
      return;
    }
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: typeof list) => void)(null, list);
    else callback(null, (list[0] as { address: string }).address, (list[0] as { family: number }).family);
  });
};
