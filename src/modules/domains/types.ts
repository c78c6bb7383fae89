// The Domain type and Organization.domains.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { readerOf } from '../../schema/context';
import { listPagesPerParent, orderInput, visibleByIds } from '../../schema/lists';
import { Organization } from '../organizations/types';
import { DOMAINS, type DomainRow } from './repo';

export const Domain = builder.loadableNode('Domain', {
  loaderOptions: LOADER_OPTIONS,
  description: 'A deployable unit of an organization: agents and instances belong to one.',
  id: { resolve: (domain: DomainRow) => domain.id },
  load: async (ids: string[], context) => await visibleByIds<DomainRow>(context, readerOf(context), DOMAINS, ids),
  sort: (domain) => domain.id,
  readableBy: (domain, context) => canSee(context.principal, 'domain', domain),
  fields: (t) => ({
    name: t.exposeString('name'),
    displayName: t.exposeString('display_name'),
    description: t.exposeString('description', { nullable: true }),
    version: t.exposeString('version'),
    organization: t.field({ type: Organization, nullable: true, resolve: (domain) => domain.organization_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const DomainConnection = builder.connectionObject({ type: Domain, name: 'DomainConnection' });
export const DomainOrder = orderInput('Domain', DOMAINS.orderFields);

builder.objectFields(Organization, (t) => ({
  domains: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: DomainConnection,
    byPath: true,
    description: 'The domains of the organization the principal may see.',
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: DomainOrder }) },
    resolve: (organization) => organization.id,
    load: async (ids: string[], context, args) =>
      listPagesPerParent<DomainRow>(context, readerOf(context), DOMAINS, 'organization_id', ids, args),
  }),
}));
