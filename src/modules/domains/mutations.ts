// createDomain, updateDomain, deleteDomain.
import { randomUUID } from 'node:crypto';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { ConflictError } from '../../schema/errors';
import { DeletePayload } from '../../schema/payloads';
import { description, displayName, resourceName, semver } from '../../schema/validation';
import { audited, diff, organizationForWrite, requirePermission, visibleRowForWrite } from '../../schema/write';
import { DOMAINS, type DomainRow, deleteDomainRow, domainDependents, domainNameTaken, insertDomain, updateDomainRow } from './repo';
import { Domain } from './types';

const FIELDS = ['name', 'displayName', 'description', 'version'] as const;
const view = (row: DomainRow) => ({ name: row.name, displayName: row.display_name, description: row.description, version: row.version });

const CreateDomainInput = builder.inputType('CreateDomainInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    name: t.string({
      required: true,
      description: 'Unique in the organization: lower-case letters, digits, dots, dashes, underscores.',
      validate: resourceName,
    }),
    displayName: t.string({ required: true, validate: displayName }),
    description: t.string({ validate: description }),
    version: t.string({ description: 'Semantic version; 1.0.0 when left out.', validate: semver }),
  }),
});

const UpdateDomainInput = builder.inputType('UpdateDomainInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ validate: resourceName }),
    displayName: t.string({ validate: displayName }),
    description: t.string({ validate: description }),
    version: t.string({ validate: semver }),
  }),
});

const DeleteDomainInput = builder.inputType('DeleteDomainInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    cascade: t.boolean({ defaultValue: false, description: 'Also delete its agents, instances, sessions and configs.' }),
  }),
});

const DomainPayload = builder.objectRef<{ domainId: string }>('DomainPayload').implement({
  fields: (t) => ({ domain: t.field({ type: Domain, nullable: true, resolve: (payload) => payload.domainId }) }),
});

builder.mutationFields((t) => ({
  createDomain: t.authField({
    type: DomainPayload,
    nullable: true,
    description: 'Creates a domain in an organization. Needs domain:create.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateDomainInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const organizationId = await organizationForWrite(context, input.organizationId, 'input.organizationId');
      return await audited(context, 'domain.create', 'domain', async (context) => {
        requirePermission(context, 'domain:create', organizationId, null);
        if (await domainNameTaken(context.db, organizationId, input.name, null))
          throw new ConflictError('input.name: the organization has a domain of that name.');
        const row = await insertDomain(context.db, {
          id: randomUUID(),
          organizationId,
          name: input.name,
          displayName: input.displayName,
          description: input.description ?? null,
          version: input.version ?? '1.0.0',
          now: isoNow(),
        });
        return { organizationId, resourceId: row.id, after: view(row), value: { domainId: row.id } };
      });
    },
  }),
  updateDomain: t.authField({
    type: DomainPayload,
    nullable: true,
    description: 'Changes a domain. Needs domain:update.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: UpdateDomainInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'domain.update', 'domain', async (context) => {
        const before = await visibleRowForWrite<DomainRow>(context, DOMAINS, 'Domain', input.id, 'input.id');
        requirePermission(context, 'domain:update', before.organization_id, before.id);
        const name = input.name ?? before.name;
        if (await domainNameTaken(context.db, before.organization_id, name, before.id))
          throw new ConflictError('input.name: the organization has a domain of that name.');
        const after = await updateDomainRow(context.db, before.id, {
          name,
          displayName: input.displayName ?? before.display_name,
          description: input.description !== undefined ? input.description : before.description,
          version: input.version ?? before.version,
          now: isoNow(),
        });
        return {
          organizationId: before.organization_id,
          resourceId: before.id,
          ...diff(view(before), view(after), FIELDS),
          value: { domainId: before.id },
        };
      });
    },
  }),
  deleteDomain: t.authField({
    type: DeletePayload,
    nullable: true,
    description: 'Deletes a domain; one that still has agents or instances needs cascade: true. Needs domain:delete.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: DeleteDomainInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'domain.delete', 'domain', async (context) => {
        const before = await visibleRowForWrite<DomainRow>(context, DOMAINS, 'Domain', args.input.id, 'input.id');
        requirePermission(context, 'domain:delete', before.organization_id, before.id);
        const dependents = await domainDependents(context.db, before.id);
        if (!args.input.cascade && (dependents.agents > 0 || dependents.instances > 0)) {
          throw new ConflictError(
            `The domain still has ${dependents.agents} agent(s) and ${dependents.instances} instance(s); pass cascade: true to delete them too.`,
          );
        }
        await deleteDomainRow(context.db, before.id);
        return {
          organizationId: before.organization_id,
          resourceId: before.id,
          before: view(before),
          metadata: args.input.cascade ? { cascade: dependents } : {},
          value: { deletedId: args.input.id },
        };
      }),
  }),
}));
