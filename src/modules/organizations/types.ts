// The Organization type, its list and lookup fields.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { OrderDirection, pageRequest, sortOn, toConnection } from '../../schema/connections';
import { loadOrganizations } from './loaders';
import {
  countVisibleOrganizations,
  ORGANIZATION_ID,
  ORGANIZATION_ORDER,
  type OrganizationRow,
  visibleOrganizationBySlug,
  visibleOrganizationsPage,
} from './repo';

export const OrganizationTier = builder.enumType('OrganizationTier', {
  values: { FREE: { value: 'free' }, PRO: { value: 'pro' }, ENTERPRISE: { value: 'enterprise' } } as const,
});

export const Organization = builder.loadableNode('Organization', {
  loaderOptions: LOADER_OPTIONS,
  description: 'A tenant: it owns domains, instances, agents, sessions, usage and an audit log.',
  id: { resolve: (org: OrganizationRow) => org.id },
  load: async (ids: string[], context) => await loadOrganizations(ids, context),
  sort: (org) => org.id,
  readableBy: (org, context) => canSee(context.principal, 'organization', org),
  fields: (t) => ({
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    tier: t.expose('tier', { type: OrganizationTier }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

const OrganizationOrderField = builder.enumType('OrganizationOrderField', {
  values: {
    NAME: { value: 'o.name' },
    SLUG: { value: 'o.slug' },
    CREATED_AT: { value: 'o.created_at' },
    UPDATED_AT: { value: 'o.updated_at' },
  } as const,
});

const OrganizationOrder = builder.inputType('OrganizationOrder', {
  fields: (t) => ({
    field: t.field({ type: OrganizationOrderField, required: true }),
    direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
  }),
});

builder.queryFields((t) => ({
  organizations: t.withAuth({ authenticated: true }).connection({
    type: Organization,
    description: 'The organizations the principal may see.',
    args: { orderBy: t.arg({ type: OrganizationOrder }) },
    resolve: async (_root, args, context) => {
      const principal = context.principal;
      const field = args.orderBy?.field ?? 'o.created_at';
      const sort = sortOn('organizations', field, ORGANIZATION_ORDER[field], ORGANIZATION_ID, args.orderBy?.direction ?? 'ASC');
      const request = pageRequest(args, sort.key);
      const page = await visibleOrganizationsPage(context.db, principal, sort, request);
      return toConnection(page, request, sort.key, async () => await countVisibleOrganizations(context.db, principal));
    },
  }),
  organization: t.authField({
    type: Organization,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One organization by slug; null when it does not exist or is not visible.',
    args: { slug: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => (await visibleOrganizationBySlug(context.db, context.principal, args.slug)) ?? null,
  }),
}));
