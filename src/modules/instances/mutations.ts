// createInstance, updateInstance, deleteInstance.
import { randomUUID } from 'node:crypto';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { Environment } from '../../schema/enums';
import { ConflictError } from '../../schema/errors';
import { DeletePayload } from '../../schema/payloads';
import { refuseNull, resourceName } from '../../schema/validation';
import { audited, diff, requirePermission, visibleRowForWrite } from '../../schema/write';
import { DOMAINS, type DomainRow } from '../domains/repo';
import { deleteInstanceRow, INSTANCES, type InstanceRow, insertInstance, instanceNameTaken, updateInstanceRow } from './repo';
import { Instance, InstanceStatus } from './types';

const FIELDS = ['name', 'status', 'config'] as const;
const view = (row: InstanceRow) => ({
  name: row.name,
  environment: row.environment,
  status: row.status,
  config: JSON.parse(row.config) as Record<string, unknown>,
});

const CreateInstanceInput = refuseNull(
  builder.inputType('CreateInstanceInput', {
    fields: (t) => ({
      domainId: t.id({ required: true }),
      environment: t.field({ type: Environment, required: true }),
      name: t.string({ required: true, validate: resourceName }),
      status: t.field({ type: InstanceStatus, defaultValue: 'provisioning' }),
      config: t.field({ type: 'JSONObject' }),
    }),
  }),
  ['status'],
);

const UpdateInstanceInput = builder.inputType('UpdateInstanceInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ validate: resourceName }),
    status: t.field({ type: InstanceStatus }),
    config: t.field({ type: 'JSONObject' }),
  }),
});

const DeleteInstanceInput = builder.inputType('DeleteInstanceInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const InstancePayload = builder.objectRef<{ instanceId: string }>('InstancePayload').implement({
  fields: (t) => ({ instance: t.field({ type: Instance, nullable: true, resolve: (payload) => payload.instanceId }) }),
});

builder.mutationFields((t) => ({
  createInstance: t.authField({
    type: InstancePayload,
    nullable: true,
    description: 'Deploys a domain to an environment. Needs instance:create.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateInstanceInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'instance.create', 'instance', async (context) => {
        const domain = await visibleRowForWrite<DomainRow>(context, DOMAINS, 'Domain', input.domainId, 'input.domainId');
        requirePermission(context, 'instance:create', domain.organization_id, null);
        if (await instanceNameTaken(context.db, domain.id, input.environment, input.name, null)) {
          throw new ConflictError(`input.name: the domain has an instance of that name in ${input.environment} already.`);
        }
        const row = await insertInstance(context.db, {
          id: randomUUID(),
          organizationId: domain.organization_id,
          domainId: domain.id,
          environment: input.environment,
          name: input.name,
          status: input.status,
          config: JSON.stringify(input.config ?? {}),
          now: isoNow(),
        });
        return { organizationId: row.organization_id, resourceId: row.id, after: view(row), value: { instanceId: row.id } };
      });
    },
  }),
  updateInstance: t.authField({
    type: InstancePayload,
    nullable: true,
    description: 'Changes an instance. Needs instance:update.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: UpdateInstanceInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'instance.update', 'instance', async (context) => {
        const before = await visibleRowForWrite<InstanceRow>(context, INSTANCES, 'Instance', input.id, 'input.id');
        requirePermission(context, 'instance:update', before.organization_id, before.id);
        const name = input.name ?? before.name;
        if (await instanceNameTaken(context.db, before.domain_id, before.environment, name, before.id)) {
          throw new ConflictError(`input.name: the domain has an instance of that name in ${before.environment} already.`);
        }
        const after = await updateInstanceRow(context.db, before.id, {
          name,
          status: input.status ?? before.status,
          config: input.config ? JSON.stringify(input.config) : before.config,
          now: isoNow(),
        });
        return {
          organizationId: before.organization_id,
          resourceId: before.id,
          ...diff(view(before), view(after), FIELDS),
          value: { instanceId: before.id },
        };
      });
    },
  }),
  deleteInstance: t.authField({
    type: DeletePayload,
    nullable: true,
    description: 'Deletes an instance (its sessions keep their history without it). Needs instance:delete.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: DeleteInstanceInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'instance.delete', 'instance', async (context) => {
        const before = await visibleRowForWrite<InstanceRow>(context, INSTANCES, 'Instance', args.input.id, 'input.id');
        requirePermission(context, 'instance:delete', before.organization_id, before.id);
        await deleteInstanceRow(context.db, before.id);
        return { organizationId: before.organization_id, resourceId: before.id, before: view(before), value: { deletedId: args.input.id } };
      }),
  }),
}));
