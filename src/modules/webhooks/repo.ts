// SQL for webhooks and their delivery outbox. A webhook's signing secret is stored sealed (src/secrets/box.ts),
// bound to the webhook's id, and leaves the database only for the dispatcher, never through a list.
import { sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';
import type { ListSpec } from '../../schema/lists';
import type { SecretBox } from '../../secrets/box';

/** The events a webhook may ask for, by their wire names (the `type` of a delivery's body). */
export const WEBHOOK_EVENTS = { BUDGET_THRESHOLD_CROSSED: 'budget.threshold_crossed' } as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[keyof typeof WEBHOOK_EVENTS];

export type WebhookRow = {
  id: string;
  organization_id: string;
  url: string;
  /** A JSON array of event names. */
  events: string;
  created_by_user_id: string | null;
  created_by_api_key_id: string | null;
  created_at: string;
};

export type DeliveryStatus = 'PENDING' | 'SENDING' | 'DELIVERED' | 'FAILED';

export type DeliveryRow = {
  id: string;
  organization_id: string;
  webhook_id: string;
  event: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
};

export const WEBHOOKS: ListSpec = {
  resource: 'webhook',
  // Never the secret.
  columns: sql`wh.id, wh.organization_id, wh.url, wh.events, wh.created_by_user_id, wh.created_by_api_key_id, wh.created_at`,
  orderFields: { CREATED_AT: sql`wh.created_at` },
  defaultOrder: { field: 'CREATED_AT', direction: 'ASC' },
};

export const WEBHOOK_DELIVERIES: ListSpec = {
  resource: 'webhookDelivery',
  columns: sql`wd.*`,
  orderFields: { CREATED_AT: sql`wd.created_at` },
  defaultOrder: { field: 'CREATED_AT', direction: 'DESC' },
};

export async function insertWebhook(
  db: Tx,
  box: SecretBox,
  webhook: {
    id: string;
    organizationId: string;
    url: string;
    events: readonly string[];
    secret: string;
    userId: string | null;
    apiKeyId: string | null;
    now: string;
  },
): Promise<WebhookRow> {
  return (await db.get<WebhookRow>(
    `INSERT INTO webhooks (id, organization_id, url, events, secret, created_by_user_id, created_by_api_key_id, created_at)
     VALUES (:id, :organizationId, :url, :events, :secret, :userId, :apiKeyId, :now)
     RETURNING id, organization_id, url, events, created_by_user_id, created_by_api_key_id, created_at`,
    {
      id: webhook.id,
      organizationId: webhook.organizationId,
      url: webhook.url,
      events: JSON.stringify(webhook.events),
      secret: box.seal(webhook.secret, webhook.id),
      userId: webhook.userId,
      apiKeyId: webhook.apiKeyId,
      now: webhook.now,
    },
  )) as WebhookRow;
}

export async function countWebhooks(db: Reader, organizationId: string): Promise<number> {
  const row = await db.get<{ n: number }>('SELECT count(*) AS n FROM webhooks WHERE organization_id = :organizationId', { organizationId });
  return row?.n ?? 0;
}

export async function deleteWebhookRow(db: Tx, id: string): Promise<void> {
  await db.run('DELETE FROM webhooks WHERE id = :id', { id });
}

/**
 * Queues `event` for every webhook of the organization that asked for it, in the caller's transaction: a change
 * that rolls back queues nothing, and one that commits has its deliveries with it. Returns how many were queued.
 */
export async function queueWebhookEvent(
  db: Tx,
  delivery: { organizationId: string; event: string; data: Record<string, unknown>; newId: () => string; now: string },
): Promise<number> {
  const webhooks = await db.all<{ id: string; events: string }>(
    'SELECT id, events FROM webhooks WHERE organization_id = :organizationId ORDER BY created_at, id',
    { organizationId: delivery.organizationId },
  );
  const wanted = webhooks.filter((webhook) => (JSON.parse(webhook.events) as string[]).includes(delivery.event));
  for (const webhook of wanted) {
    const id = delivery.newId();
    // The Standard Webhooks payload: type, timestamp, data; kept byte for byte, so every attempt signs the same body.
    const body = JSON.stringify({ type: delivery.event, timestamp: delivery.now, data: delivery.data });
    await db.run(
      `INSERT INTO webhook_deliveries (id, organization_id, webhook_id, event, body, next_attempt_at, created_at)
       VALUES (:id, :organizationId, :webhookId, :event, :body, :now, :now)`,
      { id, organizationId: delivery.organizationId, webhookId: webhook.id, event: delivery.event, body, now: delivery.now },
    );
  }
  return wanted.length;
}

/** A claimed delivery with what sending it needs: its endpoint and the sealed secret. */
export type ClaimedDelivery = Pick<DeliveryRow, 'id' | 'webhook_id' | 'body' | 'attempts'> & { url: string; secret: string };

/**
 * Claims up to `limit` deliveries that are due (PENDING and due, or SENDING with a lapsed lease: their process
 * died mid-attempt), marking them SENDING until `leaseUntil` and counting the attempt. The status is checked again
 * by the UPDATE itself, so two processes never claim the same delivery.
 */
export async function claimDueDeliveries(db: Tx, now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
  const due = sql`(status = 'PENDING' AND next_attempt_at <= ${now}) OR (status = 'SENDING' AND lease_until <= ${now})`;
  const claimed = await db.all<Pick<DeliveryRow, 'id' | 'webhook_id' | 'body' | 'attempts'>>(
    sql`UPDATE webhook_deliveries SET status = 'SENDING', lease_until = ${leaseUntil}, attempts = attempts + 1
        WHERE id IN (SELECT id FROM webhook_deliveries WHERE ${due} ORDER BY next_attempt_at LIMIT ${limit}) AND (${due})
        RETURNING id, webhook_id, body, attempts`,
  );
  if (claimed.length === 0) return [];
  const ids = [...new Set(claimed.map((delivery) => delivery.webhook_id))];
  const webhooks = await db.all<{ id: string; url: string; secret: string }>(
    sql`SELECT id, url, secret FROM webhooks WHERE id IN (${sql.join(ids.map((id) => sql`${id}`))})`,
  );
  const byId = new Map(webhooks.map((webhook) => [webhook.id, webhook]));
  return claimed.flatMap((delivery) => {
    const webhook = byId.get(delivery.webhook_id);
    return webhook ? [{ ...delivery, url: webhook.url, secret: webhook.secret }] : [];
  });
}

/** The soonest time a delivery is due, or null: lets an idle dispatcher skip claiming. */
export async function nextDueAt(db: Reader): Promise<string | null> {
  const row = await db.get<{ at: string | null }>(
    "SELECT min(CASE WHEN status = 'PENDING' THEN next_attempt_at ELSE lease_until END) AS at FROM webhook_deliveries WHERE status IN ('PENDING', 'SENDING')",
  );
  return row?.at ?? null;
}

export type AttemptOutcome =
  | { kind: 'delivered'; status: number; at: string }
  | { kind: 'retry'; status: number | null; error: string; nextAttemptAt: string }
  | { kind: 'failed'; status: number | null; error: string };

/** Records an attempt's outcome on a delivery this process claimed (a delivery deleted meanwhile is left alone). */
export async function recordAttempt(db: Tx, id: string, outcome: AttemptOutcome): Promise<void> {
  if (outcome.kind === 'delivered') {
    await db.run(
      `UPDATE webhook_deliveries SET status = 'DELIVERED', delivered_at = :at, last_status = :status, last_error = NULL, lease_until = NULL
       WHERE id = :id AND status = 'SENDING'`,
      { id, at: outcome.at, status: outcome.status },
    );
    return;
  }
  await db.run(
    `UPDATE webhook_deliveries SET status = :next, last_status = :status, last_error = :error, lease_until = NULL,
       next_attempt_at = coalesce(:nextAttemptAt, next_attempt_at)
     WHERE id = :id AND status = 'SENDING'`,
    {
      id,
      next: outcome.kind === 'retry' ? 'PENDING' : 'FAILED',
      status: outcome.status,
      error: outcome.error,
      nextAttemptAt: outcome.kind === 'retry' ? outcome.nextAttemptAt : null,
    },
  );
}
