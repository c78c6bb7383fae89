// GET /metrics: Prometheus text for the whole gateway, behind METRICS_TOKEN on the public port or on METRICS_PORT alone.

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { type Gateway, onEveryWorker, post, startGateway } from './helpers/gateway';
import { apiKeyFor } from './helpers/principals';
import { type Exposition, parsePrometheus, sampleValue } from './helpers/prometheus';
import { startServer, type TestServer } from './helpers/server';
import { subscribe } from './helpers/sse';

const TOKEN = 'metrics-token-for-the-tests-0123456789';
const ME = 'query Me { viewer { principal { kind } } }';
const SUMMARY =
  'query Summary { agents(first: 1) { edges { node { name usageSummary(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { totalCount } } } } }';

type Scrape = { status: number; contentType: string | null; text: string; worker?: string | undefined };

async function scrape(url: string, token: string | null = TOKEN): Promise<Scrape> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

async function metricsOf(url: string): Promise<Exposition> {
  const answer = await scrape(url);
  expect(answer.status).toBe(200);
  expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(answer.text);
}

describe('GET /metrics on the public port with METRICS_TOKEN', () => {
  let server: TestServer;
  let client: string;
  beforeAll(async () => {
    server = await startServer({ METRICS_TOKEN: TOKEN });
    client = (await apiKeyFor(server, { org: 'quant', role: 'api_client' })).token;
  });
  afterAll(() => server.close());

  it('counts requests, durations, statements, refusals and principal cache lookups by exactly what was asked', async () => {
    const before = await metricsOf(`${server.url}/metrics`);
    let statements = 0;
    for (let i = 0; i < 3; i++) {
      const ok = await server.gql(ME);
      expect(ok.errors).toBeUndefined();
      statements += ok.extensions?.sql?.statements ?? Number.NaN;
    }
    for (let i = 0; i < 2; i++) {
      const refused = await server.gql(SUMMARY, {}, client);
      expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      statements += refused.extensions?.sql?.statements ?? Number.NaN;
    }
    const anonymous = await server.gql(ME, {}, null);
    expect(anonymous.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    const after = await metricsOf(`${server.url}/metrics`);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);

    expect(after.types.get('foundry_graphql_requests_total')).toBe('counter');
    expect(after.types.get('foundry_graphql_request_duration_seconds')).toBe('histogram');
    expect(after.types.get('foundry_graphql_request_sql_statements')).toBe('histogram');
    expect(moved('foundry_graphql_requests_total', { operation: 'Me', outcome: 'OK' })).toBe(3);
    expect(moved('foundry_graphql_requests_total', { operation: 'Summary', outcome: 'FORBIDDEN' })).toBe(2);
    expect(moved('foundry_graphql_requests_total', { operation: 'Me', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(moved('foundry_graphql_request_duration_seconds_count', { operation: 'Me', outcome: 'OK' })).toBe(3);
    expect(moved('foundry_graphql_request_duration_seconds_bucket', { operation: 'Summary', outcome: 'FORBIDDEN', le: '+Inf' })).toBe(2);
    expect(moved('foundry_graphql_request_duration_seconds_sum', { operation: 'Me', outcome: 'OK' })).toBeGreaterThan(0);
    // The same statements the responses reported (the request without a token runs none).
    expect(moved('foundry_graphql_request_sql_statements_count')).toBe(6);
    expect(moved('foundry_graphql_request_sql_statements_sum')).toBe(statements);
    expect(moved('foundry_graphql_request_sql_statements_bucket', { le: '0' })).toBe(1);
    expect(moved('foundry_graphql_refusals_total', { code: 'FORBIDDEN' })).toBe(2);
    expect(moved('foundry_graphql_refusals_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sampleValue(after, 'foundry_graphql_refusals_total', { code: 'QUOTA_EXCEEDED' })).toBe(0);
    expect(sampleValue(after, 'foundry_graphql_refusals_total', { code: 'RATE_LIMITED' })).toBe(0);
    // Each token is read once (the new key moved the security epoch before), then answered from memory.
    expect(moved('foundry_principal_cache_misses_total')).toBe(2);
    expect(moved('foundry_principal_cache_hits_total')).toBe(3);
    expect(sampleValue(after, 'foundry_database_size_bytes')).toBeGreaterThan(0);
    if (server.services.db.engine === 'postgres') {
      // PostgreSQL's write-ahead log is the whole server's, not the gateway's: no such gauge there.
      expect(after.types.has('foundry_database_wal_size_bytes')).toBe(false);
    } else {
      expect(sampleValue(after, 'foundry_database_wal_size_bytes')).toBeGreaterThanOrEqual(0);
    }
    expect(after.types.get('process_resident_memory_bytes')).toBe('gauge');
  });

  it('does not count scrapes as GraphQL requests', async () => {
    const first = await metricsOf(`${server.url}/metrics`);
    const second = await metricsOf(`${server.url}/metrics`);
    const total = (exposition: Exposition) =>
      exposition.samples
        .filter((sample) => sample.name === 'foundry_graphql_requests_total')
        .reduce((sum, sample) => sum + sample.value, 0);
    expect(total(second)).toBe(total(first));
  });

  it('reports the subscriptions open now', async () => {
    expect(sampleValue(await metricsOf(`${server.url}/metrics`), 'foundry_open_subscriptions')).toBe(0);
    const stream = await subscribe(
      server.url,
      'subscription ($org: ID!) { auditLogEntryAdded(organizationId: $org) { id } }',
      { org: gid('Organization', 'quant') },
      server.firstApiKey,
    );
    try {
      expect(sampleValue(await metricsOf(`${server.url}/metrics`), 'foundry_open_subscriptions')).toBe(1);
    } finally {
      stream.close();
    }
    for (let waited = 0; sampleValue(await metricsOf(`${server.url}/metrics`), 'foundry_open_subscriptions') !== 0; waited += 50) {
      if (waited > 5_000) throw new Error('the subscription stayed open after the client hung up');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('refuses a scrape without the token, or with another, as UNAUTHENTICATED (401)', async () => {
    for (const token of [null, 'wrong-token-wrong-token-wrong', server.firstApiKey]) {
      const answer = await scrape(`${server.url}/metrics`, token);
      expect(answer.status).toBe(401);
      expect(answer.contentType).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
      expect(answer.text).not.toContain('foundry_');
    }
  });
});

describe('GET /metrics without METRICS_TOKEN or METRICS_PORT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('is not served: 404 as any unknown path', async () => {
    expect((await scrape(`${server.url}/metrics`)).status).toBe(404);
    expect((await scrape(`${server.url}/no-such-path`)).status).toBe(404);
  });
});

/** The `metrics listening` URL a gateway logged. */
async function metricsUrl(gateway: Gateway): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const match = /"url":"([^"]+\/metrics)"[^\n]*"msg":"metrics listening"/.exec(gateway.stdout());
    if (match) return match[1] as string;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no metrics listener was logged');
}

function stop(gateway: Gateway | undefined): Promise<unknown> {
  if (!gateway) return Promise.resolve();
  gateway.child.kill('SIGTERM');
  return gateway.exited;
}

/** GET on a fresh connection (the cluster's round-robin picks a worker per connection). */
function getOnNewConnection(url: string, token: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { authorization: `Bearer ${token}`, connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      const worker = res.headers['x-foundry-worker'];
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? null,
          text,
          worker: typeof worker === 'string' ? worker : undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('real gateway processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-metrics-'));
  const gateways: Gateway[] = [];
  afterAll(async () => {
    await Promise.all(gateways.map(stop));
    rmSync(dir, { recursive: true, force: true });
  });

  it('with METRICS_PORT, serves /metrics on that port (asking the token when set) and not on the public port', async () => {
    const gateway = await startGateway(join(dir, 'port.db'), { METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
    gateways.push(gateway);
    const url = await metricsUrl(gateway);
    const origin = new URL(gateway.url).origin;
    expect(new URL(url).port).not.toBe(new URL(gateway.url).port);
    expect((await post(gateway.url, ME, {}, gateway.firstApiKey)).status).toBe(200);
    const metrics = await metricsOf(url);
    expect(sampleValue(metrics, 'foundry_graphql_requests_total', { operation: 'Me', outcome: 'OK' })).toBe(1);
    expect((await scrape(url, null)).status).toBe(401);
    expect((await scrape(`${origin}/metrics`)).status).toBe(404);
    expect((await scrape(url.replace('/metrics', '/graphql'))).status).toBe(404);
  });

  it('with FOUNDRY_WORKERS=2, one scrape on either worker counts the requests of both', async () => {
    const gateway = await startGateway(join(dir, 'cluster.db'), { FOUNDRY_WORKERS: '2', METRICS_TOKEN: TOKEN });
    gateways.push(gateway);
    const key = gateway.firstApiKey;
    const answered = await onEveryWorker(
      () => post(gateway.url, 'query Ping { viewer { principal { kind } } }', {}, key),
      (answer) => expect(answer.errors).toBeUndefined(),
    );
    const sent = [...answered.values()].reduce((sum, count) => sum + count, 0);
    const metricsUrlOfCluster = `${new URL(gateway.url).origin}/metrics`;
    const scrapedBy = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) {
      const answer = await getOnNewConnection(metricsUrlOfCluster, TOKEN);
      scrapedBy.add(answer.worker);
      expect(answer.status).toBe(200);
      const metrics = parsePrometheus(answer.text);
      expect(sampleValue(metrics, 'foundry_graphql_requests_total', { operation: 'Ping', outcome: 'OK' })).toBe(sent);
      expect(sampleValue(metrics, 'foundry_graphql_request_sql_statements_count')).toBe(sent);
      // The file sizes are one reading, not one per worker.
      expect(sampleValue(metrics, 'foundry_database_size_bytes')).toBeGreaterThan(0);
    }
    expect(scrapedBy.size).toBe(2);
    expect((await getOnNewConnection(metricsUrlOfCluster, 'wrong-token-wrong-token-wrong')).status).toBe(401);
  });
});
