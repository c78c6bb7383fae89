// Webhook deliveries to a receiver on 127.0.0.1: queued in the transaction of the change they report, sent after
// its commit, signed as Standard Webhooks specifies (verified here from the spec, not with the gateway's code),
// retried with backoff, FAILED after the last attempt, never sent for a rolled-back change, and refused for an
// internal address unless allowed; and a budget alert, end to end, through recordLlmUsage.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoNow } from '../src/db/store';
import { isInternalAddress } from '../src/modules/webhooks/dispatcher';
import { queueWebhookEvent } from '../src/modules/webhooks/repo';
import { gid } from './helpers/fixtures';
import { apiKeyFor } from './helpers/principals';
import { startServer, type TestServer } from './helpers/server';

type Received = { headers: IncomingHttpHeaders; body: string; at: number };

/** A receiver that answers each request with the next status of `plan` (then its last one), and records them. */
class Receiver {
  readonly received: Received[] = [];
  private server: Server | null = null;
  url = '';
  constructor(private plan: number[] = [200]) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        const status = this.plan.length > 1 ? (this.plan.shift() as number) : (this.plan[0] as number);
        res.writeHead(status).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/foundry`;
  }

  async until(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && Date.now() < deadline) await sleep(20);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The Standard Webhooks check, written from the spec: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> keyed with the secret's bytes. */
function verifies(secret: string, received: Received): boolean {
  const id = received.headers['webhook-id'] as string;
  const timestamp = received.headers['webhook-timestamp'] as string;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${received.body}`).digest('base64');
  return String(received.headers['webhook-signature'])
    .split(' ')
    .some((candidate) => candidate === `v1,${expected}`);
}

const quant = gid('Organization', 'quant');
const EVENT = 'budget.threshold_crossed';

async function createWebhook(server: TestServer, token: string, url: string): Promise<{ id: string; secret: string }> {
  const response = await server.gql<{ createWebhook: { secret: string; webhook: { id: string } } }>(
    'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }',
    { input: { organizationId: quant, url, events: ['BUDGET_THRESHOLD_CROSSED'] } },
    token,
  );
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return { id: response.data?.createWebhook.webhook.id as string, secret: response.data?.createWebhook.secret as string };
}

/** Queues one event for quant's webhooks in a transaction of its own, as a change reporting it does. */
async function queue(server: TestServer, data: Record<string, unknown>): Promise<number> {
  const queued = await server.services.db.transaction((tx) =>
    queueWebhookEvent(tx, { organizationId: 'quant', event: EVENT, data, newId: randomUUID, now: isoNow() }),
  );
  server.services.webhooks.nudge();
  return queued;
}

type DeliveryView = {
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  payload: { data: unknown };
};

async function deliveriesOf(server: TestServer, token: string, webhookId: string): Promise<DeliveryView[]> {
  const response = await server.gql<{ node: { deliveries: { edges: { node: DeliveryView }[] } } }>(
    'query ($id: ID!) { node(id: $id) { ... on Webhook { deliveries(first: 20) { edges { node { status attempts lastStatusCode lastError payload } } } } } }',
    { id: webhookId },
    token,
  );
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return (response.data?.node.deliveries.edges ?? []).map((edge) => edge.node);
}

async function settled(server: TestServer, token: string, webhookId: string, timeoutMs = 10_000): Promise<DeliveryView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deliveries = await deliveriesOf(server, token, webhookId);
    if (deliveries.every((delivery) => delivery.status === 'DELIVERED' || delivery.status === 'FAILED') || Date.now() > deadline) {
      return deliveries;
    }
    await sleep(25);
  }
}

describe('webhook deliveries', () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startServer({ WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_POLL_MS: '50', WEBHOOK_MAX_ATTEMPTS: '3' });
    admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
  });
  afterAll(() => server.close());

  it('sends one signed request per event after the commit, and shows it DELIVERED', async () => {
    const receiver = new Receiver([200]);
    await receiver.start();
    try {
      const hook = await createWebhook(server, admin, receiver.url);
      expect(await queue(server, { budget: 'b-1', percent: 80 })).toBe(1);
      await receiver.until(1);
      await sleep(200);
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received as [Received];
      expect(verifies(hook.secret, request)).toBe(true);
      // Another secret does not verify it, nor an altered body.
      expect(verifies(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request)).toBe(false);
      expect(verifies(hook.secret, { ...request, body: request.body.replace('b-1', 'b-2') })).toBe(false);
      expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toMatchObject({ type: EVENT, data: { budget: 'b-1', percent: 80 } });
      const deliveries = await settled(server, admin, hook.id);
      expect(deliveries).toEqual([
        { status: 'DELIVERED', attempts: 1, lastStatusCode: 200, lastError: null, payload: JSON.parse(request.body) },
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('retries a receiver that answers 500 twice: the third attempt delivers it, with the same id and body', async () => {
    const receiver = new Receiver([500, 500, 204]);
    await receiver.start();
    try {
      const hook = await createWebhook(server, admin, receiver.url);
      await queue(server, { budget: 'b-retry' });
      await receiver.until(3);
      const deliveries = await settled(server, admin, hook.id);
      expect(receiver.received).toHaveLength(3);
      expect(new Set(receiver.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
      expect(new Set(receiver.received.map((request) => request.body)).size).toBe(1);
      expect(receiver.received.every((request) => verifies(hook.secret, request))).toBe(true);
      // Backoff: the second wait is about twice the first (50 ms, then 100 ms, plus the poll).
      const [first, second, third] = receiver.received.map((request) => request.at) as [number, number, number];
      expect(second - first).toBeGreaterThanOrEqual(45);
      expect(third - second).toBeGreaterThanOrEqual(95);
      expect(deliveries).toMatchObject([{ status: 'DELIVERED', attempts: 3, lastStatusCode: 204, lastError: null }]);
    } finally {
      await receiver.close();
    }
  });

  it('gives up after the last attempt: FAILED, with the last status', async () => {
    const receiver = new Receiver([503]);
    await receiver.start();
    try {
      const hook = await createWebhook(server, admin, receiver.url);
      await queue(server, { budget: 'b-down' });
      const deliveries = await settled(server, admin, hook.id);
      expect(deliveries).toMatchObject([{ status: 'FAILED', attempts: 3, lastStatusCode: 503, lastError: 'HTTP 503' }]);
      await sleep(300);
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('sends nothing for a change that rolled back', async () => {
    const receiver = new Receiver([200]);
    await receiver.start();
    try {
      const hook = await createWebhook(server, admin, receiver.url);
      await expect(
        server.services.db.transaction(async (tx) => {
          await queueWebhookEvent(tx, {
            organizationId: 'quant',
            event: EVENT,
            data: { budget: 'b-rolled-back' },
            newId: randomUUID,
            now: isoNow(),
          });
          throw new Error('the batch was refused');
        }),
      ).rejects.toThrow('the batch was refused');
      server.services.webhooks.nudge();
      await sleep(400);
      expect(receiver.received).toHaveLength(0);
      expect(await deliveriesOf(server, admin, hook.id)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('stops with the webhook: a deleted webhook takes its deliveries with it', async () => {
    const receiver = new Receiver([200]);
    await receiver.start();
    try {
      const hook = await createWebhook(server, admin, receiver.url);
      await queue(server, { budget: 'b-gone' });
      await receiver.until(1);
      const deleted = await server.gql('mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }', { id: hook.id }, admin);
      expect(deleted.errors).toBeUndefined();
      const left = await server.services.db.all('SELECT id FROM webhook_deliveries WHERE webhook_id = :id', {
        id: Buffer.from(hook.id, 'base64').toString('utf8').split(':')[1] as string,
      });
      expect(left).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

describe('internal addresses', () => {
  it('are refused unless WEBHOOK_PRIVATE_ADDRESSES=allow: nothing reaches the receiver, and the delivery says why', async () => {
    const server = await startServer({
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_MAX_ATTEMPTS: '2',
      WEBHOOK_PRIVATE_ADDRESSES: 'deny',
    });
    const receiver = new Receiver([200]);
    await receiver.start();
    try {
      const admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
      const literal = await createWebhook(server, admin, receiver.url);
      const named = await createWebhook(server, admin, receiver.url.replace('127.0.0.1', 'localhost'));
      await queue(server, { budget: 'b-internal' });
      for (const hook of [literal, named]) {
        expect(await settled(server, admin, hook.id)).toMatchObject([
          { status: 'FAILED', attempts: 2, lastStatusCode: null, lastError: 'endpoint resolves to an internal address' },
        ]);
      }
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
      await server.close();
    }
  });

  it('are the loopback, private, link-local, shared and mapped ranges; public ones are not', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isInternalAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '::ffff:1.1.1.1'])
      expect(isInternalAddress(address), address).toBe(false);
  });
});

describe('a budget alert', () => {
  it('delivers exactly one signed request per crossing; crossing again in the period, or a refused batch, delivers nothing', async () => {
    const server = await startServer({ WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_POLL_MS: '50' });
    const receiver = new Receiver([200]);
    await receiver.start();
    try {
      const admin = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
      const hook = await createWebhook(server, admin, receiver.url);
      const set = await server.gql(
        'mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }',
        { input: { organizationId: quant, period: 'DAY', tokenLimit: 1000, alertAtPercent: 80 } },
        admin,
      );
      expect(set.errors, JSON.stringify(set.errors)).toBeUndefined();
      const record = (tokens: number) =>
        server.gql<{ recordLlmUsage: { count: number } | null }>(
          'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }',
          { input: { organizationId: quant, records: [{ model: 'gpt-4o-mini', promptTokens: tokens, completionTokens: 0 }] } },
          admin,
        );
      expect((await record(500)).errors).toBeUndefined();
      await sleep(200);
      expect(receiver.received).toHaveLength(0);
      // 500 + 350 = 850 of 1,000: past 80 %.
      expect((await record(350)).errors).toBeUndefined();
      await receiver.until(1);
      // Past the limit: refused, rolled back, nothing queued; and a second batch past 80 % does not alert again.
      expect((await record(500)).errors?.[0]?.extensions?.code).toBe('QUOTA_EXCEEDED');
      expect((await record(100)).errors).toBeUndefined();
      await sleep(400);
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received as [Received];
      expect(verifies(hook.secret, request)).toBe(true);
      expect(JSON.parse(request.body)).toMatchObject({
        type: 'budget.threshold_crossed',
        data: { organizationId: quant, level: 'ORGANIZATION', period: 'DAY', alertAtPercent: 80, tokenLimit: 1000, usedTokens: 850 },
      });
      expect(await settled(server, admin, hook.id)).toMatchObject([{ status: 'DELIVERED', attempts: 1 }]);
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});
