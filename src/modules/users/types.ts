// The User type.
import { canSeeUser } from '../../auth/policy';
import { isoNow } from '../../db/store';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { OrderDirection, pageRequest, toConnections } from '../../schema/connections';
import { readerOf } from '../../schema/context';
import { Organization } from '../organizations/types';
import {
  countVisibleMembersPerOrganization,
  MEMBER_ORDER_FIELDS,
  memberSort,
  type VisibleUserRow,
  visibleMembersPerOrganization,
  visibleUsersByIds,
} from './repo';

function policyRow(user: VisibleUserRow) {
  return { id: user.id, organizationIds: JSON.parse(user.organization_ids) as string[] };
}

export const User = builder.loadableNode('User', {
  loaderOptions: LOADER_OPTIONS,
  description: 'A person who signs in; belongs to organizations through role assignments.',
  id: { resolve: (user: VisibleUserRow) => user.id },
  load: async (ids: string[], context) => await visibleUsersByIds(context.db, readerOf(context), ids),
  sort: (user) => user.id,
  readableBy: (user, context) => canSeeUser(context.principal, policyRow(user)),
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email', {
      description: 'Seen by the user itself and by principals with user:read where the user is a member.',
      authScopes: (user, _args, context) => canSeeUser(context.principal, policyRow(user)),
    }),
    isActive: t.boolean({ resolve: (user) => user.is_active === 1 }),
    lastLoginAt: t.expose('last_login_at', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

const MemberOrderField = builder.enumType('MemberOrderField', {
  values: Object.fromEntries(MEMBER_ORDER_FIELDS.map((field) => [field, { value: field }])),
});
const MemberOrder = builder.inputType('MemberOrder', {
  fields: (t) => ({
    field: t.field({ type: MemberOrderField, required: true }),
    direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
  }),
});
export const UserConnection = builder.connectionObject({ type: User, name: 'UserConnection' });

builder.objectFields(Organization, (t) => ({
  members: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: UserConnection,
    byPath: true,
    description: 'The users holding a role in the organization that the principal may see.',
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: MemberOrder }) },
    resolve: (organization) => organization.id,
    load: async (ids: string[], context, args) => {
      const principal = readerOf(context);
      const now = isoNow();
      const sort = memberSort(context.db.engine, args.orderBy?.field, args.orderBy?.direction ?? 'ASC');
      const request = pageRequest(args, sort.key);
      const pages = await visibleMembersPerOrganization(context.db, principal, ids, sort, request, now);
      const counts = context.loaders.get<number>('members.count', async (parents) => {
        const map = await countVisibleMembersPerOrganization(context.db, principal, parents, now);
        return parents.map((id) => map.get(id) ?? 0);
      });
      return toConnections(ids, pages, request, sort.key, (id) => counts.load(id));
    },
  }),
}));
