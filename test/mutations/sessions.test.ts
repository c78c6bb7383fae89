// startSession, endSession, terminateSession over HTTP: the sessions module's table (run by test/helpers/mutations.ts),
// then what one row of the table cannot show.
import { describe, expect, it } from 'vitest';
import { auditMaxId, auditSince } from '../helpers/database';
import { gid } from '../helpers/fixtures';
import { BIG, type Case, describeMutations, expectChange, inQuant, lower, mutate, mutationHarness } from '../helpers/mutations';

const h = mutationHarness();

// Order matters: later cases use what earlier ones made.
const CASES: Case[] = [
  {
    mutation: 'startSession',
    action: 'session.start',
    select: 'session { id status startedAt endedAt metadata agent { id } instance { id } }',
    failures: [
      {
        when: 'an org_viewer starts one (it lacks agent:execute)',
        as: 'viewer',
        input: () => ({ agentId: gid('Agent', 'agt-001') }),
        code: 'FORBIDDEN',
      },
      {
        when: 'a quant org_admin starts a cibc agent',
        as: 'admin',
        input: () => ({ agentId: gid('Agent', 'agt-101') }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the metadata is an array',
        as: 'admin',
        input: () => ({ agentId: gid('Agent', 'agt-001'), metadata: [1, 2] }),
        code: 'BAD_USER_INPUT',
        scalar: 'JSONObject',
      },
      {
        when: 'the metadata is over 64 KiB',
        as: 'admin',
        input: () => ({ agentId: gid('Agent', 'agt-001'), metadata: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.metadata',
      },
      {
        when: 'the agent is a DRAFT, not ACTIVE',
        as: 'admin',
        input: () => ({ agentId: gid('Agent', 'agt-draft') }),
        code: 'BAD_USER_INPUT',
        field: 'input.agentId',
      },
    ],
    happy: {
      when: "for an org_admin, on an instance of the agent's domain",
      as: 'admin',
      input: () => ({ agentId: gid('Agent', 'agt-001'), instanceId: gid('Instance', 'quant-demo-dev'), metadata: { channel: 'web' } }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.session).toMatchObject({
          status: 'ACTIVE',
          endedAt: null,
          metadata: { channel: 'web' },
          agent: { id: gid('Agent', 'agt-001') },
          instance: { id: gid('Instance', 'quant-demo-dev') },
        });
        h.ids.session = payload.session.id;
        expect(lower(entry.metadata.after)).toMatchObject({ status: 'active' });
      },
    },
  },
  {
    mutation: 'endSession',
    action: 'session.end',
    select: 'session { id status endedAt metadata }',
    failures: [
      {
        when: 'an org_operator, who sees it, ends a session another principal started',
        as: 'operator',
        input: () => ({ id: h.id('session') }),
        code: 'FORBIDDEN',
      },
      {
        when: 'an org_admin ends a session a user started',
        as: 'admin',
        input: () => ({ id: gid('Session', 'ses-q-004') }),
        code: 'FORBIDDEN',
      },
      { when: 'a quant org_admin ends a cibc session', as: 'admin', input: () => ({ id: gid('Session', 'ses-c-002') }), code: 'NOT_FOUND' },
      {
        when: 'the metadata is over 64 KiB',
        as: 'admin',
        input: () => ({ id: h.id('session'), metadata: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.metadata',
      },
      {
        when: 'an org_viewer ends a session it did not start',
        as: 'viewer',
        input: () => ({ id: gid('Session', 'ses-q-004') }),
        code: 'FORBIDDEN',
      },
      {
        when: 'the metadata for a seeded session is over 64 KiB',
        as: 'admin',
        input: () => ({ id: gid('Session', 'ses-q-004'), metadata: BIG }),
        code: 'BAD_USER_INPUT',
        field: 'input.metadata',
      },
    ],
    happy: {
      when: 'for the principal that started it, merging the metadata',
      as: 'admin',
      input: () => ({ id: h.id('session'), status: 'COMPLETED', metadata: { outcome: 'resolved' } }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.session).toMatchObject({
          id: h.id('session'),
          status: 'COMPLETED',
          metadata: { channel: 'web', outcome: 'resolved' },
        });
        expect(payload.session.endedAt).toMatch(/Z$/);
        expectChange(entry, { status: 'ACTIVE' }, { status: 'COMPLETED' });
      },
    },
    afterwards: [{ when: 'the session has ended already', as: 'admin', input: () => ({ id: h.id('session') }), code: 'CONFLICT' }],
  },
  {
    mutation: 'terminateSession',
    action: 'session.terminate',
    select: 'session { id status endedAt metadata }',
    failures: [
      {
        when: 'an org_operator (session:terminate:self only) stops a session it did not start',
        as: 'operator',
        input: () => ({ id: gid('Session', 'ses-q-004') }),
        code: 'FORBIDDEN',
      },
      { when: 'an org_viewer stops one', as: 'viewer', input: () => ({ id: gid('Session', 'ses-q-004') }), code: 'FORBIDDEN' },
      {
        when: 'a quant org_admin stops a cibc session',
        as: 'admin',
        input: () => ({ id: gid('Session', 'ses-c-002') }),
        code: 'NOT_FOUND',
      },
      {
        when: 'the reason is 2000 characters',
        as: 'admin',
        input: () => ({ id: gid('Session', 'ses-q-004'), reason: 'x'.repeat(2000) }),
        code: 'BAD_USER_INPUT',
        field: 'input.reason',
      },
      { when: 'an org_viewer stops another session', as: 'viewer', input: () => ({ id: gid('Session', 'ses-q-002') }), code: 'FORBIDDEN' },
      {
        when: 'the reason for another session is 2000 characters',
        as: 'admin',
        input: () => ({ id: gid('Session', 'ses-q-002'), reason: 'x'.repeat(2000) }),
        code: 'BAD_USER_INPUT',
        field: 'input.reason',
      },
    ],
    happy: {
      when: 'for an org_admin (session:terminate:org) on a session a user started',
      as: 'admin',
      input: () => ({ id: gid('Session', 'ses-q-004'), reason: 'runaway' }),
      organization: inQuant,
      check: (payload, entry) => {
        expect(payload.session).toMatchObject({ id: gid('Session', 'ses-q-004'), status: 'TERMINATED' });
        expect(payload.session.endedAt).toMatch(/Z$/);
        expectChange(entry, { status: 'ACTIVE' }, { status: 'TERMINATED' });
      },
    },
    afterwards: [
      { when: 'the session is TERMINATED already', as: 'admin', input: () => ({ id: gid('Session', 'ses-q-004') }), code: 'CONFLICT' },
    ],
  },
];

describeMutations(h, 'sessions', CASES);

describe('sessions mutations, beyond one row of the table', () => {
  it('terminateSession lets an org_operator stop a session it started itself (session:terminate:self)', async () => {
    const started = await mutate(h.server, 'startSession', 'session { id }', { agentId: gid('Agent', 'agt-002') }, h.tokens.operator);
    expect(started.errors).toBeUndefined();
    const sessionId: string = started.data?.startSession.session.id;
    const from = await auditMaxId(h.server);
    const stopped = await mutate(
      h.server,
      'terminateSession',
      'session { status }',
      { id: sessionId, reason: 'done here' },
      h.tokens.operator,
    );
    expect(stopped.errors).toBeUndefined();
    expect(stopped.data?.terminateSession.session.status).toBe('TERMINATED');
    expect((await auditSince(h.server, from)).map((entry) => [entry.result, entry.action])).toEqual([['success', 'session.terminate']]);
  });
});
