-- Budgets at four levels (src/modules/budgets): one per subject and period, in one organization. The subject is
-- the organization itself, one of its agents, one of its API keys or one of its members; subject_id repeats the
-- subject's column so that (organization, level, subject, period) is one key. Periods are UTC calendar days, ISO
-- weeks (from Monday) and months. alerted_period_start: the start of the last period whose alertAtPercent
-- threshold was crossed (its audit entry written), so that a period alerts once. The monthly quotas become
-- organization MONTH budgets, and their table goes.
CREATE TABLE budgets (
  id                    TEXT PRIMARY KEY,
  organization_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  level                 TEXT NOT NULL CHECK (level IN ('ORGANIZATION', 'AGENT', 'API_KEY', 'USER')),
  subject_id            TEXT NOT NULL,
  agent_id              TEXT REFERENCES agents (id) ON DELETE CASCADE,
  api_key_id            TEXT REFERENCES api_keys (id) ON DELETE CASCADE,
  user_id               TEXT REFERENCES users (id) ON DELETE CASCADE,
  period                TEXT NOT NULL CHECK (period IN ('DAY', 'WEEK', 'MONTH')),
  token_limit           INTEGER CHECK (token_limit IS NULL OR token_limit >= 0),
  cost_limit_nano_usd   INTEGER CHECK (cost_limit_nano_usd IS NULL OR cost_limit_nano_usd >= 0),
  alert_at_percent      INTEGER CHECK (alert_at_percent IS NULL OR (alert_at_percent >= 1 AND alert_at_percent <= 100)),
  alerted_period_start  TEXT,
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL,
  CHECK ((level = 'AGENT') = (agent_id IS NOT NULL) AND (level = 'API_KEY') = (api_key_id IS NOT NULL)
    AND (level = 'USER') = (user_id IS NOT NULL)),
  CHECK (subject_id = coalesce(agent_id, api_key_id, user_id, organization_id)),
  UNIQUE (organization_id, level, subject_id, period)
) STRICT;
CREATE INDEX budgets_agent ON budgets (agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX budgets_api_key ON budgets (api_key_id) WHERE api_key_id IS NOT NULL;
CREATE INDEX budgets_user ON budgets (user_id) WHERE user_id IS NOT NULL;

INSERT INTO budgets (id, organization_id, level, subject_id, period, token_limit, cost_limit_nano_usd, created_at, updated_at)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
    || substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
  organization_id, 'ORGANIZATION', organization_id, 'MONTH', monthly_token_limit, monthly_cost_limit_nano_usd, updated_at, updated_at
FROM llm_quotas;

DROP TABLE llm_quotas;
