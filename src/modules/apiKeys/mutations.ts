// createApiKey (the secret is shown once, in its payload) and revokeApiKey (effective at once).
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { BadUserInputError, ConflictError } from '../../schema/errors';
import { requireGrantable, roleForInput } from '../../schema/grantRules';
import { displayName, refuseNull } from '../../schema/validation';
import { audited, organizationForWrite, requireOnRow, requirePermission, visibleRowForWrite } from '../../schema/write';
import { prepareApiKey, storeApiKey } from './issue';
import { API_KEYS, type ApiKeyPublicRow, revokeApiKeyRow } from './repo';
import { ApiKey } from './types';

const CreateApiKeyInput = refuseNull(
  builder.inputType('CreateApiKeyInput', {
    fields: (t) => ({
      organizationId: t.id({ required: true }),
      role: t.string({ required: true, description: 'The role the key carries; never more than the caller holds there.' }),
      name: t.string({ required: true, validate: displayName }),
      expiresAt: t.field({ type: 'DateTime' }),
      forSelf: t.boolean({
        defaultValue: false,
        description: "A key of the caller's own user (api_key:create:self); otherwise an organization key (api_key:create:org).",
      }),
    }),
  }),
  ['forSelf'],
);

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const CreateApiKeyPayload = builder.objectRef<{ apiKeyId: string; key: string }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, nullable: true, resolve: (payload) => payload.apiKeyId }),
    key: t.exposeString('key', { description: 'The secret key (afk_…): shown this once, stored only as a bcrypt hash.' }),
  }),
});
const RevokeApiKeyPayload = builder.objectRef<{ apiKeyId: string }>('RevokeApiKeyPayload').implement({
  fields: (t) => ({ apiKey: t.field({ type: ApiKey, nullable: true, resolve: (payload) => payload.apiKeyId }) }),
});

builder.mutationFields((t) => ({
  createApiKey: t.authField({
    type: CreateApiKeyPayload,
    nullable: true,
    description: 'Issues an API key with a role in an organization. Needs api_key:create:org (or :self with forSelf).',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const principal = context.principal;
      const organizationId = await organizationForWrite(context, input.organizationId, 'input.organizationId');
      const role = await roleForInput(context, input.role, 'input.role');
      if (role.level === 'platform')
        throw new BadUserInputError(`input.role: ${role.name} is platform-wide; such keys are made with the foundry CLI.`, 'input.role');
      const expiresAt = input.expiresAt ?? null; // the DateTime scalar gave the stored form
      if (expiresAt !== null && expiresAt <= isoNow())
        throw new BadUserInputError('input.expiresAt: must be in the future.', 'input.expiresAt');
      if (input.forSelf && principal.userId === null)
        throw new BadUserInputError('input.forSelf: the caller has no user to own the key.', 'input.forSelf');
      const secret = await prepareApiKey(context.config.bcryptCost);
      return await audited(context, 'api_key.create', 'api_key', async (context) => {
        requirePermission(
          context,
          input.forSelf ? ['api_key:create:org', 'api_key:create:self'] : ['api_key:create:org'],
          organizationId,
          null,
        );
        await requireGrantable(context, role, organizationId, null);
        const row = await storeApiKey(context.db, secret, {
          name: input.name,
          organizationId,
          roleId: role.id,
          userId: input.forSelf ? principal.userId : null,
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
          expiresAt,
        });
        return {
          organizationId,
          resourceId: row.id,
          after: { keyId: row.key_id, name: row.name, role: role.name, userId: row.user_id, expiresAt: row.expires_at },
          value: { apiKeyId: row.id, key: secret.token },
        };
      });
    },
  }),
  revokeApiKey: t.authField({
    type: RevokeApiKeyPayload,
    nullable: true,
    description: "Revokes a key at once. Needs api_key:revoke:org, or api_key:revoke:self for one's own keys.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'api_key.revoke', 'api_key', async (context) => {
        const key = await visibleRowForWrite<ApiKeyPublicRow>(context, API_KEYS, 'ApiKey', args.input.id, 'input.id');
        requireOnRow(context, 'apiKey', key, 'api_key:revoke');
        const revoked = await revokeApiKeyRow(context.db, key.id, isoNow());
        if (!revoked) throw new ConflictError('The key is revoked already.');
        context.keyCache.forgetKey(key.id);
        return {
          organizationId: key.organization_id,
          resourceId: key.id,
          before: { revokedAt: null },
          after: { revokedAt: revoked.revoked_at },
          value: { apiKeyId: key.id },
        };
      }),
  }),
}));
