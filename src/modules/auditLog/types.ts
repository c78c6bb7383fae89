// The AuditLogEntry type, the root auditLog list and Organization.auditLog.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { readerOf } from '../../schema/context';
import { listPage, listPagesPerParent, orderInput, visibleByIds } from '../../schema/lists';
import { Organization } from '../organizations/types';
import { User } from '../users/types';
import { AUDIT_LOG, type AuditRow, auditFilter } from './repo';

export const AuditResult = builder.enumType('AuditResult', {
  values: { SUCCESS: { value: 'success' }, DENIED: { value: 'denied' }, ERROR: { value: 'error' } } as const,
});

const AuditActorKind = builder.enumType('AuditActorKind', {
  values: {
    USER: { value: 'user' },
    API_KEY: { value: 'api_key' },
    SERVICE: { value: 'service' },
    ANONYMOUS: { value: 'anonymous' },
  } as const,
});

const AuditActor = builder.objectRef<AuditRow>('AuditActor').implement({
  description: 'The principal that acted, as it was when the entry was written.',
  fields: (t) => ({
    kind: t.expose('actor_kind', { type: AuditActorKind }),
    id: t.id({
      nullable: true,
      description: 'The global id of the User or ApiKey that acted.',
      resolve: (entry) => {
        if (entry.actor_id === null) return null;
        return encodeGlobalID(entry.actor_kind === 'user' ? 'User' : 'ApiKey', entry.actor_id);
      },
    }),
    name: t.exposeString('actor_name', { nullable: true }),
    user: t.field({
      type: User,
      nullable: true,
      description: 'The user behind the actor, if visible.',
      resolve: (entry) => entry.actor_user_id,
    }),
  }),
});

export const AuditLogEntry = builder.loadableNode('AuditLogEntry', {
  loaderOptions: LOADER_OPTIONS,
  description: 'One audited action; entries of an organization form a hash chain.',
  id: { resolve: (entry: AuditRow) => String(entry.id) },
  load: async (ids: string[], context) =>
    await visibleByIds<AuditRow>(context, readerOf(context), AUDIT_LOG, ids.filter((id) => /^\d{1,15}$/.test(id)).map(Number)),
  sort: (entry) => String(entry.id),
  readableBy: (entry, context) => canSee(context.principal, 'auditLogEntry', entry),
  fields: (t) => ({
    action: t.exposeString('action', { description: 'What was done, e.g. agent.create.' }),
    actor: t.field({ type: AuditActor, resolve: (entry) => entry }),
    resourceType: t.exposeString('resource_type'),
    resourceId: t.exposeString('resource_id', { nullable: true }),
    result: t.expose('result', { type: AuditResult }),
    requestId: t.exposeString('request_id', { nullable: true }),
    metadata: t.field({
      type: 'JSONObject',
      description: 'Details; for changes, before and after.',
      resolve: (entry) => JSON.parse(entry.metadata) as Record<string, unknown>,
    }),
    organization: t.field({ type: Organization, nullable: true, resolve: (entry) => entry.organization_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    hash: t.exposeString('hash'),
    previousHash: t.exposeString('previous_hash', { nullable: true }),
  }),
});

export const AuditLogConnection = builder.connectionObject({ type: AuditLogEntry, name: 'AuditLogConnection' });
export const AuditLogOrder = orderInput('AuditLog', AUDIT_LOG.orderFields);
export const AuditLogFilterInput = builder.inputType('AuditLogFilter', {
  fields: (t) => ({
    actionPrefix: t.string({ description: 'Actions starting with this, e.g. "agent." or "agent.create".' }),
    resourceType: t.string(),
    actorId: t.id({ description: 'Entries whose actor is this User or ApiKey (its global id).' }),
    result: t.field({ type: AuditResult }),
    from: t.field({ type: 'DateTime', description: 'Written at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Written before this instant.' }),
  }),
});

builder.objectFields(Organization, (t) => ({
  auditLog: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: AuditLogConnection,
    byPath: true,
    description: 'Audit entries of the organization the principal may see, newest first.',
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: AuditLogOrder }), filter: t.arg({ type: AuditLogFilterInput }) },
    resolve: (organization) => organization.id,
    load: async (ids: string[], context, args) =>
      listPagesPerParent<AuditRow>(context, readerOf(context), AUDIT_LOG, 'organization_id', ids, args, auditFilter(args.filter)),
  }),
}));

builder.queryFields((t) => ({
  auditLog: t.authField({
    type: AuditLogConnection,
    description: 'The audit entries the principal may see, newest first.',
    authScopes: { authenticated: true },
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: AuditLogOrder }), filter: t.arg({ type: AuditLogFilterInput }) },
    resolve: async (_root, args, context) =>
      await listPage<AuditRow>(context, context.principal, AUDIT_LOG, args, auditFilter(args.filter)),
  }),
}));
