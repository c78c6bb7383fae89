-- Webhooks (src/modules/webhooks): an organization's endpoints, each with the
-- events it wants and a signing secret sealed under the gateway's key
-- (src/secrets/box.ts), and their deliveries: an outbox written in the same
-- transaction as the change it reports, sent after the commit and retried
-- with backoff. A delivery keeps the exact body it sends, so that every
-- attempt signs the same bytes.
CREATE TABLE webhooks (
  id                     TEXT PRIMARY KEY,
  organization_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url                    TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events                 TEXT NOT NULL CHECK (json_valid(events) AND json_type(events) = 'array'),
  secret                 TEXT NOT NULL,
  created_by_user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_by_api_key_id  TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
  created_at             TEXT NOT NULL
) STRICT;
CREATE INDEX webhooks_org_created ON webhooks (organization_id, created_at, id);

CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event            TEXT NOT NULL,
  body             TEXT NOT NULL CHECK (json_valid(body)),
  status           TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENDING', 'DELIVERED', 'FAILED')),
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  TEXT NOT NULL,
  lease_until      TEXT,
  last_status      INTEGER,
  last_error       TEXT,
  delivered_at     TEXT,
  created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_webhook_created ON webhook_deliveries (webhook_id, created_at, id);
-- What the dispatcher claims: deliveries due, oldest first; only the unfinished ones are in the index.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('PENDING', 'SENDING');
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (organization_id);
