// The Instance type (a domain deployed to an environment), Organization.instances and Domain.instances.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { type Context, readerOf } from '../../schema/context';
import { Environment } from '../../schema/enums';
import { type FilteredListArgs, listPagesPerParent, orderInput, visibleByIds } from '../../schema/lists';
import { Domain } from '../domains/types';
import { Organization } from '../organizations/types';
import { INSTANCES, type InstanceFilter, type InstanceRow, instanceFilter } from './repo';

export const InstanceStatus = builder.enumType('InstanceStatus', {
  values: {
    PROVISIONING: { value: 'provisioning' },
    RUNNING: { value: 'running' },
    STOPPED: { value: 'stopped' },
    FAILED: { value: 'failed' },
  } as const,
});

export const Instance = builder.loadableNode('Instance', {
  loaderOptions: LOADER_OPTIONS,
  description: 'A domain deployed to one environment (dev, staging or prod).',
  id: { resolve: (instance: InstanceRow) => instance.id },
  load: async (ids: string[], context) => await visibleByIds<InstanceRow>(context, readerOf(context), INSTANCES, ids),
  sort: (instance) => instance.id,
  readableBy: (instance, context) => canSee(context.principal, 'instance', instance),
  fields: (t) => ({
    name: t.exposeString('name'),
    environment: t.expose('environment', { type: Environment }),
    status: t.expose('status', { type: InstanceStatus }),
    config: t.field({ type: 'JSONObject', resolve: (instance) => JSON.parse(instance.config) as Record<string, unknown> }),
    organization: t.field({ type: Organization, nullable: true, resolve: (instance) => instance.organization_id }),
    domain: t.field({ type: Domain, nullable: true, resolve: (instance) => instance.domain_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const InstanceConnection = builder.connectionObject({ type: Instance, name: 'InstanceConnection' });
export const InstanceOrder = orderInput('Instance', INSTANCES.orderFields);
export const InstanceFilterInput = builder.inputType('InstanceFilter', {
  fields: (t) => ({
    environment: t.field({ type: Environment }),
    status: t.field({ type: InstanceStatus }),
  }),
});

const instancesField = (parentColumn: 'organization_id' | 'domain_id') => ({
  type: InstanceConnection,
  byPath: true as const,
  description: 'The instances the principal may see.',
  load: async (ids: string[], context: Context, args: FilteredListArgs<InstanceFilter>) =>
    listPagesPerParent<InstanceRow>(context, readerOf(context), INSTANCES, parentColumn, ids, args, instanceFilter(args.filter)),
});

builder.objectFields(Organization, (t) => ({
  instances: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...instancesField('organization_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: InstanceOrder }), filter: t.arg({ type: InstanceFilterInput }) },
    resolve: (organization) => organization.id,
  }),
}));

builder.objectFields(Domain, (t) => ({
  instances: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...instancesField('domain_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: InstanceOrder }), filter: t.arg({ type: InstanceFilterInput }) },
    resolve: (domain) => domain.id,
  }),
}));
