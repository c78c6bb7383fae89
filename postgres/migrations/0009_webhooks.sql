-- Webhooks and their delivery outbox: migrations/0009_webhooks.sql for PostgreSQL. The row-level security of
-- both tables is rendered from the access policy by the migration runner after this file (src/auth/rowLevelSecurity.ts).
CREATE TABLE webhooks (
  id                     text COLLATE "C" PRIMARY KEY,
  organization_id        text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url                    text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events                 jsonb NOT NULL CHECK (jsonb_typeof(events) = 'array'),
  secret                 text NOT NULL,
  created_by_user_id     text COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
  created_by_api_key_id  text COLLATE "C" REFERENCES api_keys (id) ON DELETE SET NULL,
  created_at             utc_time NOT NULL
);
CREATE INDEX webhooks_org_created ON webhooks (organization_id, created_at, id);

CREATE TABLE webhook_deliveries (
  id               text COLLATE "C" PRIMARY KEY,
  organization_id  text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  webhook_id       text COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event            text NOT NULL,
  body             json NOT NULL,
  status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENDING', 'DELIVERED', 'FAILED')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  utc_time NOT NULL,
  lease_until      utc_time,
  last_status      integer,
  last_error       text,
  delivered_at     utc_time,
  created_at       utc_time NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_created ON webhook_deliveries (webhook_id, created_at, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('PENDING', 'SENDING');
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (organization_id);
