// The User type.
import { canSeeUser } from '../../auth/policy';
import { builder } from '../../schema/builder';
import { principalOf } from '../../schema/context';
import { visibleUsersByIds, type VisibleUserRow } from './repo';

function policyRow(user: VisibleUserRow) {
  return { id: user.id, organizationIds: JSON.parse(user.organization_ids) as string[] };
}

export const User = builder.loadableNode('User', {
  description: 'A person who signs in; belongs to organizations through role assignments.',
  id: { resolve: (user: VisibleUserRow) => user.id },
  load: async (ids: string[], context) => visibleUsersByIds(context.db, principalOf(context), ids),
  sort: (user) => user.id,
  authScopes: (user, context) => canSeeUser(context.principal, policyRow(user)),
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    isActive: t.boolean({ resolve: (user) => user.is_active === 1 }),
    lastLoginAt: t.field({ type: 'DateTime', nullable: true, resolve: (user) => user.last_login_at }),
    createdAt: t.field({ type: 'DateTime', resolve: (user) => user.created_at }),
  }),
});
