// upsertIntegrationConfig and deleteIntegrationConfig. Secrets are stored
// apart from the config and never written to the audit log (only their keys).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { Environment } from '../../schema/enums';
import { DeletePayload } from '../../schema/payloads';
import { audited, diff, requirePermission, visibleRowForWrite } from '../../schema/write';
import { DOMAINS, type DomainRow } from '../domains/repo';
import {
  deleteIntegrationConfigRow,
  INTEGRATION_CONFIGS,
  type IntegrationConfigRow,
  integrationConfigByKey,
  upsertIntegrationConfigRow,
  upsertIntegrationSecrets,
} from './repo';
import { IntegrationConfig } from './types';

const view = (row: IntegrationConfigRow) => ({ config: JSON.parse(row.config) as Record<string, unknown> });

const UpsertIntegrationConfigInput = builder.inputType('UpsertIntegrationConfigInput', {
  fields: (t) => ({
    domainId: t.id({ required: true }),
    environment: t.field({ type: Environment, required: true }),
    integration: t.string({
      required: true,
      description: 'e.g. salesforce, twilio.',
      validate: z
        .string()
        .max(100, 'must be at most 100 characters')
        .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be 1 to 100 lower-case letters, digits, dashes and underscores'),
    }),
    config: t.field({ type: 'JSONObject', required: true }),
    secrets: t.field({ type: 'JSONObject', description: 'Replaces the secrets when given; kept as they are when left out.' }),
  }),
});

const DeleteIntegrationConfigInput = builder.inputType('DeleteIntegrationConfigInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

const IntegrationConfigPayload = builder
  .objectRef<{ integrationConfigId: string; created: boolean }>('IntegrationConfigPayload')
  .implement({
    fields: (t) => ({
      integrationConfig: t.field({ type: IntegrationConfig, nullable: true, resolve: (payload) => payload.integrationConfigId }),
      created: t.exposeBoolean('created', { description: 'True when the config did not exist before.' }),
    }),
  });

builder.mutationFields((t) => ({
  upsertIntegrationConfig: t.authField({
    type: IntegrationConfigPayload,
    nullable: true,
    description: 'Creates or replaces the config of an integration for a domain and environment. Needs integration:update.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: UpsertIntegrationConfigInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'integration_config.upsert', 'integration_config', async (context) => {
        const domain = await visibleRowForWrite<DomainRow>(context, DOMAINS, 'Domain', input.domainId, 'input.domainId');
        requirePermission(context, 'integration:update', domain.organization_id, null);
        const key = {
          organizationId: domain.organization_id,
          domainId: domain.id,
          environment: input.environment,
          integration: input.integration,
        };
        const before = await integrationConfigByKey(context.db, key);
        const now = isoNow();
        const after = await upsertIntegrationConfigRow(context.db, { id: randomUUID(), ...key, config: JSON.stringify(input.config), now });
        if (input.secrets) await upsertIntegrationSecrets(context.db, context.secretBox, after.id, JSON.stringify(input.secrets), now);
        const change = before ? diff(view(before), view(after), ['config']) : { before: null, after: view(after) };
        return {
          organizationId: after.organization_id,
          resourceId: after.id,
          ...change,
          metadata: {
            integration: input.integration,
            environment: input.environment,
            ...(input.secrets ? { secretKeys: Object.keys(input.secrets).sort() } : {}),
          },
          value: { integrationConfigId: after.id, created: !before },
        };
      });
    },
  }),
  deleteIntegrationConfig: t.authField({
    type: DeletePayload,
    nullable: true,
    description: 'Deletes an integration config and its secrets. Needs integration:update.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: DeleteIntegrationConfigInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'integration_config.delete', 'integration_config', async (context) => {
        const before = await visibleRowForWrite<IntegrationConfigRow>(
          context,
          INTEGRATION_CONFIGS,
          'IntegrationConfig',
          args.input.id,
          'input.id',
        );
        requirePermission(context, 'integration:update', before.organization_id, before.id);
        await deleteIntegrationConfigRow(context.db, before.id);
        return { organizationId: before.organization_id, resourceId: before.id, before: view(before), value: { deletedId: args.input.id } };
      }),
  }),
}));
