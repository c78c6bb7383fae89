// `viewer`: who the caller is and what it may do.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { isPermission } from '../../auth/permissions';
import type { Principal as PrincipalValue } from '../../auth/principal';
import { builder } from '../../schema/builder';
import { pageRequest, sortOn, toConnection } from '../../schema/connections';
import { BadUserInputError } from '../../schema/errors';
import {
  countMemberOrganizations,
  memberOrganizationsPage,
  ORGANIZATION_ID,
  ORGANIZATION_ORDER,
  organizationBySlug,
} from '../organizations/repo';
import { Organization } from '../organizations/types';
import { User } from '../users/types';

const PrincipalKind = builder.enumType('PrincipalKind', {
  values: ['USER', 'API_KEY', 'SERVICE'] as const,
});

const PrincipalRef = builder.objectRef<PrincipalValue>('Principal').implement({
  description: 'The identity a request acts as: a signed-in user, an API key, or a service key.',
  fields: (t) => ({
    kind: t.expose('kind', { type: PrincipalKind }),
    id: t.id({
      description: 'The global id of the User (for USER) or of the ApiKey (API_KEY, SERVICE).',
      resolve: (p) => encodeGlobalID(p.kind === 'USER' ? 'User' : 'ApiKey', p.id),
    }),
    name: t.exposeString('name'),
  }),
});

type ViewerValue = { principal: PrincipalValue };
const Viewer = builder.objectRef<ViewerValue>('Viewer');

/** The organization a slug names, if any: unknown slugs behave as organizations where only platform grants apply. */
async function organizationIdOf(
  context: Parameters<typeof organizationBySlug>[0],
  slug: string | null | undefined,
): Promise<string | null> {
  if (slug === null || slug === undefined) return null;
  return (await organizationBySlug(context, slug))?.id ?? `unknown:${slug}`;
}

Viewer.implement({
  fields: (t) => ({
    principal: t.field({ type: PrincipalRef, resolve: (v) => v.principal }),
    user: t.field({
      type: User,
      nullable: true,
      description: 'The user the principal acts as (API keys may belong to one).',
      resolve: (v) => v.principal.userId,
    }),
    organizations: t.connection({
      type: Organization,
      description: 'The visible organizations the principal holds permissions in.',
      resolve: async (v, args, context) => {
        const sort = sortOn('viewer.organizations', 'o.created_at', ORGANIZATION_ORDER['o.created_at'], ORGANIZATION_ID, 'ASC');
        const request = pageRequest(args, sort.key);
        const page = await memberOrganizationsPage(context.db, v.principal, sort, request);
        return toConnection(page, request, sort.key, async () => await countMemberOrganizations(context.db, v.principal));
      },
    }),
    permissions: t.stringList({
      description:
        'The permissions the principal holds in the organization (platform-wide ones apply everywhere); without a slug, the platform-wide ones.',
      args: { organizationSlug: t.arg.string() },
      resolve: async (v, args, context) => v.principal.grants.permissionsIn(await organizationIdOf(context.db, args.organizationSlug)),
    }),
    can: t.boolean({
      description: 'Whether the principal holds the permission in the organization; without a slug, in any organization.',
      args: { permission: t.arg.string({ required: true }), organizationSlug: t.arg.string() },
      resolve: async (v, args, context) => {
        if (!isPermission(args.permission)) {
          throw new BadUserInputError('permission: not a permission of the catalogue.', 'permission');
        }
        const organizationId = await organizationIdOf(context.db, args.organizationSlug);
        return organizationId === null
          ? v.principal.grants.holdsAnywhere(args.permission)
          : v.principal.grants.holds(args.permission, organizationId);
      },
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.authField({
    type: Viewer,
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => ({ principal: context.principal }),
  }),
);
