-- Budgets at four levels (src/modules/budgets): see migrations/0007_budgets.sql. A tenant table: the migration
-- runner raises its row-level security right after this file, rendered from the access policy (since: 7). The
-- quotas are read under a platform principal, as any writer past the wall, and become organization MONTH budgets.
CREATE TABLE budgets (
  id                    text COLLATE "C" PRIMARY KEY,
  organization_id       text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  level                 text COLLATE "C" NOT NULL CHECK (level IN ('ORGANIZATION', 'AGENT', 'API_KEY', 'USER')),
  subject_id            text COLLATE "C" NOT NULL,
  agent_id              text COLLATE "C" REFERENCES agents (id) ON DELETE CASCADE,
  api_key_id            text COLLATE "C" REFERENCES api_keys (id) ON DELETE CASCADE,
  user_id               text COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
  period                text COLLATE "C" NOT NULL CHECK (period IN ('DAY', 'WEEK', 'MONTH')),
  token_limit           bigint CHECK (token_limit IS NULL OR token_limit >= 0),
  cost_limit_nano_usd   bigint CHECK (cost_limit_nano_usd IS NULL OR cost_limit_nano_usd >= 0),
  alert_at_percent      integer CHECK (alert_at_percent IS NULL OR (alert_at_percent >= 1 AND alert_at_percent <= 100)),
  alerted_period_start  utc_time,
  created_at            utc_time NOT NULL,
  updated_at            utc_time NOT NULL,
  CHECK ((level = 'AGENT') = (agent_id IS NOT NULL) AND (level = 'API_KEY') = (api_key_id IS NOT NULL)
    AND (level = 'USER') = (user_id IS NOT NULL)),
  CHECK (subject_id = coalesce(agent_id, api_key_id, user_id, organization_id)),
  UNIQUE (organization_id, level, subject_id, period)
);
CREATE INDEX budgets_agent ON budgets (agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX budgets_api_key ON budgets (api_key_id) WHERE api_key_id IS NOT NULL;
CREATE INDEX budgets_user ON budgets (user_id) WHERE user_id IS NOT NULL;

SELECT set_config('foundry.principal', '{"organizationIds":[],"platform":true}', true);
INSERT INTO budgets (id, organization_id, level, subject_id, period, token_limit, cost_limit_nano_usd, created_at, updated_at)
SELECT gen_random_uuid()::text, organization_id, 'ORGANIZATION', organization_id, 'MONTH', monthly_token_limit,
  monthly_cost_limit_nano_usd, updated_at, updated_at
FROM llm_quotas;
SELECT set_config('foundry.principal', '', true);

DROP TABLE llm_quotas;
