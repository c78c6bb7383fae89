// The Session type, the root sessions list, and the sessions of organizations, agents and instances.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { type Context, readerOf } from '../../schema/context';
import { type FilteredListArgs, listPage, listPagesPerParent, orderInput, type SelectionInfo, visibleByIds } from '../../schema/lists';
import { Agent } from '../agents/types';
import { Instance } from '../instances/types';
import { Organization } from '../organizations/types';
import { User } from '../users/types';
import { SESSIONS, type SessionFilter, type SessionRow, sessionFilter } from './repo';

export const SessionStatus = builder.enumType('SessionStatus', {
  values: {
    ACTIVE: { value: 'active' },
    COMPLETED: { value: 'completed' },
    FAILED: { value: 'failed' },
    TERMINATED: { value: 'terminated' },
  } as const,
});

export const Session = builder.loadableNode('Session', {
  loaderOptions: LOADER_OPTIONS,
  description: 'One run of an agent, from start to end.',
  id: { resolve: (session: SessionRow) => session.id },
  load: async (ids: string[], context) => await visibleByIds<SessionRow>(context, readerOf(context), SESSIONS, ids),
  sort: (session) => session.id,
  readableBy: (session, context) => canSee(context.principal, 'session', session),
  fields: (t) => ({
    status: t.expose('status', { type: SessionStatus }),
    agent: t.field({ type: Agent, nullable: true, resolve: (session) => session.agent_id }),
    instance: t.field({ type: Instance, nullable: true, resolve: (session) => session.instance_id }),
    startedBy: t.field({
      type: User,
      nullable: true,
      description: 'The user who started the session; null when a key without a user did, or not visible.',
      resolve: (session) => session.started_by_user_id,
    }),
    organization: t.field({ type: Organization, nullable: true, resolve: (session) => session.organization_id }),
    startedAt: t.expose('started_at', { type: 'DateTime' }),
    endedAt: t.expose('ended_at', { type: 'DateTime', nullable: true }),
    metadata: t.field({ type: 'JSONObject', resolve: (session) => JSON.parse(session.metadata) as Record<string, unknown> }),
  }),
});

export const SessionConnection = builder.connectionObject({ type: Session, name: 'SessionConnection' });
export const SessionOrder = orderInput('Session', SESSIONS.orderFields);
export const SessionFilterInput = builder.inputType('SessionFilter', {
  fields: (t) => ({
    status: t.field({ type: SessionStatus }),
    agentId: t.id({ description: 'Sessions of this agent (its global id).' }),
    instanceId: t.id({ description: 'Sessions on this instance (its global id).' }),
    startedAfter: t.field({ type: 'DateTime', description: 'Started at or after this instant.' }),
    startedBefore: t.field({ type: 'DateTime', description: 'Started before this instant.' }),
  }),
});

const sessionsOf = (parentColumn: 'organization_id' | 'agent_id' | 'instance_id') => ({
  type: SessionConnection,
  byPath: true as const,
  description: 'The sessions the principal may see, newest first unless ordered otherwise.',
  load: async (ids: string[], context: Context, args: FilteredListArgs<SessionFilter>, info: SelectionInfo) =>
    listPagesPerParent<SessionRow>(context, readerOf(context), SESSIONS, parentColumn, ids, args, sessionFilter(args.filter), info),
});

builder.objectFields(Organization, (t) => ({
  sessions: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...sessionsOf('organization_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: SessionOrder }), filter: t.arg({ type: SessionFilterInput }) },
    resolve: (organization) => organization.id,
  }),
}));

builder.objectFields(Agent, (t) => ({
  sessions: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...sessionsOf('agent_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: SessionOrder }), filter: t.arg({ type: SessionFilterInput }) },
    resolve: (agent) => agent.id,
  }),
}));

builder.objectFields(Instance, (t) => ({
  sessions: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...sessionsOf('instance_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: SessionOrder }), filter: t.arg({ type: SessionFilterInput }) },
    resolve: (instance) => instance.id,
  }),
}));

builder.queryFields((t) => ({
  sessions: t.authField({
    type: SessionConnection,
    description: 'The sessions the principal may see, across its organizations.',
    authScopes: { authenticated: true },
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: SessionOrder }), filter: t.arg({ type: SessionFilterInput }) },
    resolve: async (_root, args, context, info) =>
      await listPage<SessionRow>(context, context.principal, SESSIONS, args, sessionFilter(args.filter), info),
  }),
}));
