// The ApiKey type (never a hash or secret) and Organization.apiKeys.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { readerOf } from '../../schema/context';
import { listPagesPerParent, orderInput, visibleByIds } from '../../schema/lists';
import { Organization } from '../organizations/types';
import { Role } from '../roles/types';
import { User } from '../users/types';
import { API_KEYS, type ApiKeyPublicRow } from './repo';

export const ApiKey = builder.loadableNode('ApiKey', {
  loaderOptions: LOADER_OPTIONS,
  description: 'A key for programmatic access: one role in one organization. Its secret is shown only when created.',
  id: { resolve: (key: ApiKeyPublicRow) => key.id },
  load: async (ids: string[], context) => await visibleByIds<ApiKeyPublicRow>(context, readerOf(context), API_KEYS, ids),
  sort: (key) => key.id,
  readableBy: (key, context) => canSee(context.principal, 'apiKey', key),
  fields: (t) => ({
    keyId: t.exposeString('key_id', { description: 'The public part of the key (afk_<keyId>_…).' }),
    name: t.exposeString('name'),
    role: t.field({ type: Role, nullable: true, resolve: (key) => key.role_id }),
    organization: t.field({ type: Organization, nullable: true, resolve: (key) => key.organization_id }),
    user: t.field({ type: User, nullable: true, description: 'The user the key acts for, if any.', resolve: (key) => key.user_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    expiresAt: t.expose('expires_at', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('last_used_at', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revoked_at', { type: 'DateTime', nullable: true }),
  }),
});

export const ApiKeyConnection = builder.connectionObject({ type: ApiKey, name: 'ApiKeyConnection' });
export const ApiKeyOrder = orderInput('ApiKey', API_KEYS.orderFields);

builder.objectFields(Organization, (t) => ({
  apiKeys: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: ApiKeyConnection,
    byPath: true,
    description:
      "The organization's API keys the principal may see (its own with api_key:read:self; all with api_key:create:org or api_key:revoke:org).",
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: ApiKeyOrder }) },
    resolve: (organization) => organization.id,
    load: async (ids: string[], context, args) =>
      listPagesPerParent<ApiKeyPublicRow>(context, readerOf(context), API_KEYS, 'organization_id', ids, args),
  }),
}));
