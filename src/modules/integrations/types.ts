// The IntegrationConfig type and Organization.integrationConfigs; secrets are masked without integration:secret:read.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { readerOf } from '../../schema/context';
import { Environment } from '../../schema/enums';
import { listPagesPerParent, orderInput, visibleByIds } from '../../schema/lists';
import { Domain } from '../domains/types';
import { Organization } from '../organizations/types';
import { INTEGRATION_CONFIGS, type IntegrationConfigRow, secretsOfConfigs } from './repo';

export const MASK = '********';

/** Keeps the shape of the secrets (which keys are set) and hides every value. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskSecrets(inner)]));
  }
  return value === null ? null : MASK;
}

export const IntegrationConfig = builder.loadableNode('IntegrationConfig', {
  loaderOptions: LOADER_OPTIONS,
  description: 'The settings of one integration (e.g. salesforce) for a domain in one environment.',
  id: { resolve: (config: IntegrationConfigRow) => config.id },
  load: async (ids: string[], context) => await visibleByIds<IntegrationConfigRow>(context, readerOf(context), INTEGRATION_CONFIGS, ids),
  sort: (config) => config.id,
  readableBy: (config, context) => canSee(context.principal, 'integrationConfig', config),
  fields: (t) => ({
    integration: t.exposeString('integration'),
    environment: t.expose('environment', { type: Environment }),
    domain: t.field({ type: Domain, nullable: true, resolve: (config) => config.domain_id }),
    organization: t.field({ type: Organization, nullable: true, resolve: (config) => config.organization_id }),
    config: t.field({ type: 'JSONObject', resolve: (config) => JSON.parse(config.config) as Record<string, unknown> }),
    secrets: t.field({
      type: 'JSONObject',
      description: `The secrets; every value reads "${MASK}" unless the principal holds integration:secret:read.`,
      resolve: async (config, _args, context) => {
        const loader = context.loaders.get<string | null>('integration.secrets', async (ids) => {
          const map = await secretsOfConfigs(context.db, context.secretBox, ids);
          return ids.map((id) => map.get(id) ?? null);
        });
        const raw = JSON.parse((await loader.load(config.id)) ?? '{}') as Record<string, unknown>;
        return readerOf(context).grants.holds('integration:secret:read', config.organization_id)
          ? raw
          : (maskSecrets(raw) as Record<string, unknown>);
      },
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const IntegrationConfigConnection = builder.connectionObject({ type: IntegrationConfig, name: 'IntegrationConfigConnection' });
export const IntegrationConfigOrder = orderInput('IntegrationConfig', INTEGRATION_CONFIGS.orderFields);

builder.objectFields(Organization, (t) => ({
  integrationConfigs: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: IntegrationConfigConnection,
    byPath: true,
    description: 'The integration configs of the organization (needs integration:read).',
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: IntegrationConfigOrder }) },
    resolve: (organization) => organization.id,
    load: async (ids: string[], context, args) =>
      listPagesPerParent<IntegrationConfigRow>(context, readerOf(context), INTEGRATION_CONFIGS, 'organization_id', ids, args),
  }),
}));
