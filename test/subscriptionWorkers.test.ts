// Subscriptions with FOUNDRY_WORKERS=2: an event published in one worker reaches the subscribers of every worker
// (relayed through the cluster primary), and a shutdown completes the open streams.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { type Gateway, post, startGateway } from './helpers/gateway';
import { type Stream, subscribe } from './helpers/sse';

const dir = mkdtempSync(join(tmpdir(), 'foundry-subscription-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AUDIT = 'subscription ($org: ID!) { auditLogEntryAdded(organizationId: $org) { action resourceId } }';
const START = 'mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }';

describe('subscriptions on a gateway with FOUNDRY_WORKERS=2', () => {
  let gateway: Gateway;
  let owner: string;
  let base: string;
  const streams: Stream<any>[] = [];

  beforeAll(async () => {
    gateway = await startGateway(join(dir, 'cluster.db'), { FOUNDRY_WORKERS: '2' });
    if (!gateway.firstApiKey) throw new Error('the primary should print the first key');
    owner = gateway.firstApiKey;
    base = gateway.url.replace(/\/graphql$/, '');
  }, 30_000);
  afterAll(() => {
    for (const stream of streams) stream.close();
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  });

  it('delivers an event published in one worker to the subscribers of both', async () => {
    // Each stream holds its own connection, so the listener's round robin spreads them over the workers.
    const workers = () => new Set(streams.map((stream) => stream.headers.get('x-foundry-worker')));
    while (workers().size < 2 && streams.length < 8)
      streams.push(await subscribe(base, AUDIT, { org: gid('Organization', 'quant') }, owner));
    expect([...workers()].sort()).toEqual(['1', '2']);

    const writes: { session: string; worker: string | undefined }[] = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await post<{ startSession: { session: { id: string } } }>(
        gateway.url,
        START,
        { input: { agentId: gid('Agent', 'agt-001') } },
        owner,
      );
      expect(answer.errors).toBeUndefined();
      writes.push({ session: answer.data?.startSession.session.id as string, worker: answer.worker });
    }
    expect(new Set(writes.map((write) => write.worker)).size).toBe(2);

    const sessions = writes.map((write) => Buffer.from(write.session, 'base64').toString().split(':')[1]).sort();
    for (const stream of streams) {
      await stream.received(4);
      const heard = stream.results.map((result) => result.data?.auditLogEntryAdded);
      expect(heard.map((entry) => entry.action)).toEqual(['session.start', 'session.start', 'session.start', 'session.start']);
      expect(heard.map((entry) => entry.resourceId).sort()).toEqual(sessions);
    }
  });

  it('completes the open streams on SIGTERM and exits 0', async () => {
    gateway.child.kill('SIGTERM');
    await Promise.all(streams.map((stream) => stream.completed));
    expect(await gateway.exited).toBe(0);
  });
});
