-- Usage rollups kept once per batch: the per-record insert trigger goes (inserts
-- now maintain the rollups in insertUsageBatch, src/modules/usage/repo.ts), and a
-- coarse rollup per organization, day, provider and model comes beside the fine
-- one, with its own update/delete triggers, filled from the raw records; the
-- indexes of optional columns skip NULLs.
DROP TRIGGER llm_usage_rollup_insert;

-- The indexes of optional columns become partial (see schema.sql).
DROP INDEX llm_usage_agent_created;
DROP INDEX llm_usage_session_created;
DROP INDEX llm_usage_user;
DROP INDEX llm_usage_api_key;
CREATE INDEX llm_usage_agent_created ON llm_usage (agent_id, created_at, id) WHERE agent_id IS NOT NULL;
CREATE INDEX llm_usage_session_created ON llm_usage (session_id, created_at, id) WHERE session_id IS NOT NULL;
CREATE INDEX llm_usage_user ON llm_usage (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX llm_usage_api_key ON llm_usage (api_key_id) WHERE api_key_id IS NOT NULL;

-- The coarse rollup: per organization, day, provider and model only, for
-- organization-wide summaries by day/model/provider and the monthly quota
-- (a month of one organization is tens of rows here).
CREATE TABLE llm_usage_model_daily (
  organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  day                TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  provider           TEXT NOT NULL,
  model              TEXT NOT NULL,
  requests           INTEGER NOT NULL CHECK (requests >= 0),
  prompt_tokens      INTEGER NOT NULL,
  completion_tokens  INTEGER NOT NULL,
  total_tokens       INTEGER NOT NULL,
  cost_nano_usd      INTEGER NOT NULL,
  PRIMARY KEY (organization_id, day, provider, model)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER llm_usage_model_rollup_delete AFTER DELETE ON llm_usage BEGIN
  UPDATE llm_usage_model_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - old.prompt_tokens,
    completion_tokens = completion_tokens - old.completion_tokens,
    total_tokens = total_tokens - old.total_tokens,
    cost_nano_usd = cost_nano_usd - old.cost_nano_usd
  WHERE organization_id = old.organization_id AND day = substr(old.created_at, 1, 10) AND provider = old.provider
    AND model = old.model;
  DELETE FROM llm_usage_model_daily
  WHERE requests = 0 AND organization_id = old.organization_id AND day = substr(old.created_at, 1, 10);
END;

-- Only changes to the coarse key or the sums move a record here: setting
-- agent_id, user_id or api_key_id NULL (their rows' deletion) leaves it alone.
CREATE TRIGGER llm_usage_model_rollup_update
AFTER UPDATE OF organization_id, created_at, provider, model, prompt_tokens, completion_tokens, cost_nano_usd ON llm_usage BEGIN
  UPDATE llm_usage_model_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - old.prompt_tokens,
    completion_tokens = completion_tokens - old.completion_tokens,
    total_tokens = total_tokens - old.total_tokens,
    cost_nano_usd = cost_nano_usd - old.cost_nano_usd
  WHERE organization_id = old.organization_id AND day = substr(old.created_at, 1, 10) AND provider = old.provider
    AND model = old.model;
  DELETE FROM llm_usage_model_daily
  WHERE requests = 0 AND organization_id = old.organization_id AND day = substr(old.created_at, 1, 10);
  INSERT INTO llm_usage_model_daily (organization_id, day, provider, model,
    requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd)
  VALUES (new.organization_id, substr(new.created_at, 1, 10), new.provider, new.model, 1, new.prompt_tokens,
    new.completion_tokens, new.total_tokens, new.cost_nano_usd)
  ON CONFLICT DO UPDATE SET
    requests = requests + 1,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    total_tokens = total_tokens + excluded.total_tokens,
    cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd;
END;

INSERT INTO llm_usage_model_daily (organization_id, day, provider, model, requests, prompt_tokens, completion_tokens,
  total_tokens, cost_nano_usd)
SELECT organization_id, substr(created_at, 1, 10), provider, model, count(*), sum(prompt_tokens), sum(completion_tokens),
  sum(total_tokens), sum(cost_nano_usd)
FROM llm_usage GROUP BY 1, 2, 3, 4;
