// createWebhook (its secret in the payload, the only time it is shown) and deleteWebhook; both need settings:update
// in the webhook's organization, and both are audited (the URL's origin, the events; never the secret).
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { BadUserInputError } from '../../schema/errors';
import { DeletePayload } from '../../schema/payloads';
import { audited, organizationForWrite, requirePermission, visibleRowForWrite } from '../../schema/write';
import { countWebhooks, deleteWebhookRow, insertWebhook, WEBHOOKS, type WebhookRow } from './repo';
import { Webhook, WebhookEvent } from './types';

/** Webhooks per organization. */
export const MAX_WEBHOOKS = 20;

/** An endpoint: http or https, absolute, no user or password in it, no fragment. */
const endpoint = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an absolute http or https URL without credentials or fragment');

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    url: t.string({ required: true, description: 'Where deliveries are POSTed.', validate: endpoint }),
    events: t.field({
      type: [WebhookEvent],
      required: true,
      description: 'The events to deliver (at least one).',
      validate: z.array(z.unknown()).min(1, 'name at least one event').max(20, 'at most 20 events'),
    }),
  }),
});

const DeleteWebhookInput = builder.inputType('DeleteWebhookInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const CreateWebhookPayload = builder.objectRef<{ webhookId: string; secret: string }>('CreateWebhookPayload').implement({
  fields: (t) => ({
    webhook: t.field({ type: Webhook, nullable: true, resolve: (payload) => payload.webhookId }),
    secret: t.exposeString('secret', {
      description:
        'The signing secret (whsec_…), shown this once: verify webhook-signature as Standard Webhooks specifies, HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" keyed with the bytes after whsec_ (base64).',
    }),
  }),
});

/** What the audit log keeps of a webhook: where it points (origin only: a path may carry a token) and what it hears. */
const auditView = (webhook: WebhookRow) => ({ origin: new URL(webhook.url).origin, events: JSON.parse(webhook.events) as string[] });

builder.mutationFields((t) => ({
  createWebhook: t.authField({
    type: CreateWebhookPayload,
    nullable: true,
    description: 'Adds a webhook to an organization and returns its signing secret, the only time it is shown. Needs settings:update.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const organizationId = await organizationForWrite(context, input.organizationId, 'input.organizationId');
      return await audited(context, 'webhook.create', 'webhook', async (context) => {
        requirePermission(context, 'settings:update', organizationId, null);
        if ((await countWebhooks(context.db, organizationId)) >= MAX_WEBHOOKS) {
          throw new BadUserInputError(
            `input.organizationId: an organization has at most ${MAX_WEBHOOKS} webhooks.`,
            'input.organizationId',
          );
        }
        const secret = `whsec_${randomBytes(32).toString('base64')}`;
        const webhook = await insertWebhook(context.db, context.secretBox, {
          id: randomUUID(),
          organizationId,
          url: input.url,
          events: [...new Set(input.events)].sort(),
          secret,
          userId: context.principal.userId,
          apiKeyId: context.principal.apiKeyId,
          now: isoNow(),
        });
        return { organizationId, resourceId: webhook.id, after: auditView(webhook), value: { webhookId: webhook.id, secret } };
      });
    },
  }),
  deleteWebhook: t.authField({
    type: DeletePayload,
    nullable: true,
    description: 'Removes a webhook and its deliveries, sent or not. Needs settings:update.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: DeleteWebhookInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'webhook.delete', 'webhook', async (context) => {
        const before = await visibleRowForWrite<WebhookRow>(context, WEBHOOKS, 'Webhook', args.input.id, 'input.id');
        requirePermission(context, 'settings:update', before.organization_id, before.id);
        await deleteWebhookRow(context.db, before.id);
        return {
          organizationId: before.organization_id,
          resourceId: before.id,
          before: auditView(before),
          value: { deletedId: args.input.id },
        };
      }),
  }),
}));
