// createOrganization, updateOrganization, deleteOrganization.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { ConflictError } from '../../schema/errors';
import { DeletePayload } from '../../schema/payloads';
import { displayName, refuseNull, slug } from '../../schema/validation';
import { audited, diff, organizationForWrite, requirePermission } from '../../schema/write';
import {
  deleteOrganizationRow,
  insertOrganization,
  type OrganizationRow,
  organizationById,
  organizationBySlug,
  updateOrganizationRow,
} from './repo';
import { Organization, OrganizationTier } from './types';

const FIELDS = ['slug', 'name', 'tier', 'settings'] as const;
const view = (row: OrganizationRow) => ({
  slug: row.slug,
  name: row.name,
  tier: row.tier,
  settings: JSON.parse(row.settings) as Record<string, unknown>,
});

const CreateOrganizationInput = refuseNull(
  builder.inputType('CreateOrganizationInput', {
    fields: (t) => ({
      slug: t.string({ required: true, description: '2 to 63 lower-case letters, digits and dashes; unique.', validate: slug }),
      name: t.string({ required: true, validate: displayName }),
      tier: t.field({ type: OrganizationTier, defaultValue: 'free' }),
      settings: t.field({ type: 'JSONObject' }),
    }),
  }),
  ['tier'],
);

const UpdateOrganizationInput = builder.inputType('UpdateOrganizationInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ validate: displayName }),
    tier: t.field({ type: OrganizationTier, description: 'Needs org:tier:update.' }),
    settings: t.field({ type: 'JSONObject', description: 'Replaces the settings; needs settings:update.' }),
  }),
  validate: z
    .custom<{ name?: unknown; tier?: unknown; settings?: unknown }>()
    .refine(
      (input) => input.name != null || input.tier != null || input.settings != null,
      'give at least one of name, tier and settings to change.',
    ),
});

const DeleteOrganizationInput = builder.inputType('DeleteOrganizationInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const OrganizationPayload = builder.objectRef<{ organizationId: string }>('OrganizationPayload').implement({
  fields: (t) => ({
    organization: t.field({ type: Organization, nullable: true, resolve: (payload) => payload.organizationId }),
  }),
});

builder.mutationFields((t) => ({
  createOrganization: t.authField({
    type: OrganizationPayload,
    nullable: true,
    description: 'Creates a tenant. Needs org:update:platform.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'organization.create', 'organization', async (context) => {
        requirePermission(context, 'org:update:platform', null, null);
        if (await organizationBySlug(context.db, input.slug)) throw new ConflictError('input.slug: that slug is taken.');
        const row = await insertOrganization(context.db, {
          id: randomUUID(),
          slug: input.slug,
          name: input.name,
          tier: input.tier,
          settings: JSON.stringify(input.settings ?? {}),
          now: isoNow(),
        });
        return { organizationId: row.id, resourceId: row.id, after: view(row), value: { organizationId: row.id } };
      });
    },
  }),
  updateOrganization: t.authField({
    type: OrganizationPayload,
    nullable: true,
    description: 'Changes name (org:update), tier (org:tier:update) or settings (settings:update) of an organization.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: UpdateOrganizationInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const id = await organizationForWrite(context, input.id, 'input.id');
      return await audited(context, 'organization.update', 'organization', async (context) => {
        const before = (await organizationById(context.db, id)) as OrganizationRow;
        if (input.name != null) requirePermission(context, ['org:update', 'org:update:platform'], id, id);
        if (input.tier != null) requirePermission(context, ['org:tier:update'], id, id);
        if (input.settings != null) requirePermission(context, ['settings:update', 'org:update:platform'], id, id);
        const after = await updateOrganizationRow(context.db, id, {
          name: input.name ?? before.name,
          tier: input.tier ?? before.tier,
          settings: input.settings ? JSON.stringify(input.settings) : before.settings,
          now: isoNow(),
        });
        return { organizationId: id, resourceId: id, ...diff(view(before), view(after), FIELDS), value: { organizationId: id } };
      });
    },
  }),
  deleteOrganization: t.authField({
    type: DeletePayload,
    nullable: true,
    description: 'Deletes an organization and everything it owns. Needs org:delete:platform.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: DeleteOrganizationInput, required: true }) },
    resolve: async (_root, args, context) => {
      const id = await organizationForWrite(context, args.input.id, 'input.id');
      return await audited(context, 'organization.delete', 'organization', async (context) => {
        requirePermission(context, 'org:delete:platform', id, id);
        const before = (await organizationById(context.db, id)) as OrganizationRow;
        await deleteOrganizationRow(context.db, id);
        return { organizationId: id, resourceId: id, before: view(before), value: { deletedId: args.input.id } };
      });
    },
  }),
}));
