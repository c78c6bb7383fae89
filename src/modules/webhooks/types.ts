// The Webhook and WebhookDelivery types, Organization.webhooks and Webhook.deliveries: visible with settings:read
// in the webhook's organization. A webhook's secret is shown once, by createWebhook, and never read back.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { readerOf } from '../../schema/context';
import { listPagesPerParent, orderInput, visibleByIds } from '../../schema/lists';
import { Organization } from '../organizations/types';
import { type DeliveryRow, WEBHOOK_DELIVERIES, WEBHOOK_EVENTS, WEBHOOKS, type WebhookEventName, type WebhookRow } from './repo';

export const WebhookEvent = builder.enumType('WebhookEvent', {
  description: 'What a webhook is told of; the wire name is the `type` of the delivery body.',
  values: {
    BUDGET_THRESHOLD_CROSSED: {
      value: WEBHOOK_EVENTS.BUDGET_THRESHOLD_CROSSED,
      description: 'A budget passed its alertAtPercent (budget.threshold_crossed), once per budget and period.',
    },
  } as const,
});

export const WebhookDeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { value: 'PENDING', description: 'Waiting for its next attempt (nextAttemptAt).' },
    SENDING: { value: 'SENDING', description: 'An attempt is under way.' },
    DELIVERED: { value: 'DELIVERED', description: 'The endpoint answered 2xx.' },
    FAILED: { value: 'FAILED', description: 'Every attempt failed; no more are made.' },
  } as const,
});

const events = (row: WebhookRow) => JSON.parse(row.events) as WebhookEventName[];

export const Webhook = builder.loadableNode('Webhook', {
  loaderOptions: LOADER_OPTIONS,
  description:
    "An organization's endpoint for events, signed as Standard Webhooks specifies (webhook-id, webhook-timestamp, webhook-signature).",
  id: { resolve: (webhook: WebhookRow) => webhook.id },
  load: async (ids: string[], context) => await visibleByIds<WebhookRow>(context, readerOf(context), WEBHOOKS, ids),
  sort: (webhook) => webhook.id,
  readableBy: (webhook, context) => canSee(context.principal, 'webhook', webhook),
  fields: (t) => ({
    url: t.exposeString('url'),
    events: t.field({ type: [WebhookEvent], resolve: events }),
    organization: t.field({ type: Organization, nullable: true, resolve: (webhook) => webhook.organization_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

export const WebhookDelivery = builder.loadableNode('WebhookDelivery', {
  loaderOptions: LOADER_OPTIONS,
  description: 'One event sent (or to be sent) to a webhook, with the state of its attempts.',
  id: { resolve: (delivery: DeliveryRow) => delivery.id },
  load: async (ids: string[], context) => await visibleByIds<DeliveryRow>(context, readerOf(context), WEBHOOK_DELIVERIES, ids),
  sort: (delivery) => delivery.id,
  readableBy: (delivery, context) => canSee(context.principal, 'webhookDelivery', delivery),
  fields: (t) => ({
    event: t.field({ type: WebhookEvent, resolve: (delivery) => delivery.event as WebhookEventName }),
    status: t.expose('status', { type: WebhookDeliveryStatus }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    lastStatusCode: t.int({
      nullable: true,
      description: "The HTTP status of the last attempt's answer; null before the first or when none came.",
      resolve: (delivery) => delivery.last_status,
    }),
    lastError: t.string({
      nullable: true,
      description: 'Why the last attempt failed (e.g. "HTTP 500", "timeout"); null after a delivery.',
      resolve: (delivery) => delivery.last_error,
    }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due; null once delivered or failed.',
      resolve: (delivery) => (delivery.status === 'PENDING' ? delivery.next_attempt_at : null),
    }),
    deliveredAt: t.expose('delivered_at', { type: 'DateTime', nullable: true }),
    payload: t.field({
      type: 'JSONObject',
      description: 'The body sent, exactly: { type, timestamp, data }.',
      resolve: (delivery) => JSON.parse(delivery.body) as Record<string, unknown>,
    }),
    webhook: t.field({ type: Webhook, nullable: true, resolve: (delivery) => delivery.webhook_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

export const WebhookConnection = builder.connectionObject({ type: Webhook, name: 'WebhookConnection' });
export const WebhookDeliveryConnection = builder.connectionObject({ type: WebhookDelivery, name: 'WebhookDeliveryConnection' });
const WebhookOrder = orderInput('Webhook', WEBHOOKS.orderFields);
const WebhookDeliveryOrder = orderInput('WebhookDelivery', WEBHOOK_DELIVERIES.orderFields);

builder.objectFields(Organization, (t) => ({
  webhooks: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: WebhookConnection,
    byPath: true,
    description: 'The webhooks of the organization (needs settings:read).',
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: WebhookOrder }) },
    resolve: (organization) => organization.id,
    load: async (ids: string[], context, args) =>
      listPagesPerParent<WebhookRow>(context, readerOf(context), WEBHOOKS, 'organization_id', ids, args),
  }),
}));

builder.objectFields(Webhook, (t) => ({
  deliveries: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: WebhookDeliveryConnection,
    byPath: true,
    description: 'Its deliveries, newest first by default.',
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: WebhookDeliveryOrder }) },
    resolve: (webhook) => webhook.id,
    load: async (ids: string[], context, args) =>
      listPagesPerParent<DeliveryRow>(context, readerOf(context), WEBHOOK_DELIVERIES, 'webhook_id', ids, args),
  }),
}));
