// startSession, endSession (by its starter), terminateSession (session:terminate:org, or :self on one's own).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ownsRow } from '../../auth/policy';
import { isoNow } from '../../db/store';
import type { BusEvent, SessionChange } from '../../events/bus';
import { builder } from '../../schema/builder';
import type { InTransaction } from '../../schema/context';
import { BadUserInputError, ConflictError } from '../../schema/errors';
import { refuseNull } from '../../schema/validation';
import { audited, DeniedError, requireOnRow, requirePermission, visibleRowForWrite } from '../../schema/write';
import { AGENTS, type AgentRow } from '../agents/repo';
import { INSTANCES, type InstanceRow } from '../instances/repo';
import { endSessionRow, insertSession, SESSIONS, type SessionRow } from './repo';
import { Session } from './types';

const view = (row: SessionRow) => ({ status: row.status, endedAt: row.ended_at });
const changed = (change: SessionChange, session: SessionRow): BusEvent[] => [
  { topic: 'sessionChanged', organizationId: session.organization_id, payload: { change, session } },
];

const StartSessionInput = builder.inputType('StartSessionInput', {
  fields: (t) => ({
    agentId: t.id({ required: true }),
    instanceId: t.id({ description: "An instance of the agent's domain to run on." }),
    metadata: t.field({ type: 'JSONObject' }),
  }),
});

const SessionEndStatus = builder.enumType('SessionEndStatus', {
  values: { COMPLETED: { value: 'completed' }, FAILED: { value: 'failed' } } as const,
});
const EndSessionInput = refuseNull(
  builder.inputType('EndSessionInput', {
    fields: (t) => ({
      id: t.id({ required: true }),
      status: t.field({ type: SessionEndStatus, defaultValue: 'completed' }),
      metadata: t.field({ type: 'JSONObject', description: "Merged into the session's metadata." }),
    }),
  }),
  ['status'],
);

const TerminateSessionInput = builder.inputType('TerminateSessionInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    reason: t.string({ validate: z.string().max(1000, 'must be at most 1000 characters') }),
  }),
});

const SessionPayload = builder.objectRef<{ sessionId: string }>('SessionPayload').implement({
  fields: (t) => ({ session: t.field({ type: Session, nullable: true, resolve: (payload) => payload.sessionId }) }),
});

async function finish(context: InTransaction, session: SessionRow, status: string, metadata: Record<string, unknown>): Promise<SessionRow> {
  const merged = JSON.stringify({ ...(JSON.parse(session.metadata) as object), ...metadata });
  const after = await endSessionRow(context.db, session.id, status, merged, isoNow());
  if (!after) throw new ConflictError(`The session is ${session.status.toUpperCase()}, not ACTIVE.`);
  return after;
}

/** The change an ended session records. */
function ended(before: SessionRow, after: SessionRow) {
  return {
    organizationId: before.organization_id,
    resourceId: before.id,
    before: view(before),
    after: view(after),
    value: { sessionId: before.id },
  };
}

builder.mutationFields((t) => ({
  startSession: t.authField({
    type: SessionPayload,
    nullable: true,
    description: 'Starts a session of an ACTIVE agent. Needs agent:execute.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: StartSessionInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const principal = context.principal;
      return await audited(context, 'session.start', 'session', async (context) => {
        const agent = await visibleRowForWrite<AgentRow>(context, AGENTS, 'Agent', input.agentId, 'input.agentId');
        requirePermission(context, 'agent:execute', agent.organization_id, agent.id);
        if (agent.status !== 'active')
          throw new BadUserInputError(`input.agentId: the agent is ${agent.status.toUpperCase()}, not ACTIVE.`, 'input.agentId');
        let instanceId: string | null = null;
        if (input.instanceId) {
          const instance = await visibleRowForWrite<InstanceRow>(context, INSTANCES, 'Instance', input.instanceId, 'input.instanceId');
          if (instance.domain_id !== agent.domain_id) {
            throw new BadUserInputError("input.instanceId: the instance is not of the agent's domain.", 'input.instanceId');
          }
          instanceId = instance.id;
        }
        const row = await insertSession(context.db, {
          id: randomUUID(),
          organizationId: agent.organization_id,
          agentId: agent.id,
          instanceId,
          startedByUserId: principal.userId,
          startedByApiKeyId: principal.apiKeyId,
          metadata: JSON.stringify(input.metadata ?? {}),
          now: isoNow(),
        });
        return {
          organizationId: row.organization_id,
          resourceId: row.id,
          after: { agentId: agent.id, status: row.status },
          events: changed('STARTED', row),
          value: { sessionId: row.id },
        };
      });
    },
  }),
  endSession: t.authField({
    type: SessionPayload,
    nullable: true,
    description: 'Ends an ACTIVE session as COMPLETED or FAILED. Only the principal that started it may.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: EndSessionInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'session.end', 'session', async (context) => {
        const before = await visibleRowForWrite<SessionRow>(context, SESSIONS, 'Session', input.id, 'input.id');
        if (!ownsRow(context.principal, 'session', before)) {
          throw new DeniedError('Not allowed: only the principal that started a session ends it.', before.organization_id, before.id);
        }
        const after = await finish(context, before, input.status, input.metadata ?? {});
        return { ...ended(before, after), events: changed('ENDED', after) };
      });
    },
  }),
  terminateSession: t.authField({
    type: SessionPayload,
    nullable: true,
    description: "Stops an ACTIVE session as TERMINATED. Needs session:terminate:org, or session:terminate:self on one's own.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: TerminateSessionInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'session.terminate', 'session', async (context) => {
        const before = await visibleRowForWrite<SessionRow>(context, SESSIONS, 'Session', input.id, 'input.id');
        requireOnRow(context, 'session', before, 'session:terminate');
        const after = await finish(context, before, 'terminated', input.reason ? { terminationReason: input.reason } : {});
        return { ...ended(before, after), events: changed('TERMINATED', after) };
      });
    },
  }),
}));
