-- Token kinds priced separately, and prices over time (issue 13); the PostgreSQL half of migrations/0008.
-- * llm_usage: cached_prompt_tokens and reasoning_tokens (0 for existing records), total_tokens the sum of the
--   four disjoint kinds (dropped and added again: PostgreSQL 15 cannot change a generated column's expression),
--   cost_source ('computed' for every existing record).
-- * The rollups carry the new sums (0 for what is there); their trigger functions move them.
-- * model_prices becomes model_price_periods, effective-dated: each existing price is in effect from
--   1970-01-01T00:00:00.000Z, its cached prompt tokens at the prompt rate, its reasoning tokens at the completion rate.
-- No row of a tenant table is read or written here (only columns added), so the row-level security is not met.

ALTER TABLE llm_usage
  DROP COLUMN total_tokens,
  ADD COLUMN cached_prompt_tokens bigint NOT NULL DEFAULT 0 CHECK (cached_prompt_tokens >= 0),
  ADD COLUMN reasoning_tokens bigint NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
  ADD COLUMN cost_source text COLLATE "C" NOT NULL DEFAULT 'computed' CHECK (cost_source IN ('computed', 'provider'));
ALTER TABLE llm_usage
  ADD COLUMN total_tokens bigint NOT NULL
    GENERATED ALWAYS AS (prompt_tokens + cached_prompt_tokens + completion_tokens + reasoning_tokens) STORED;

ALTER TABLE llm_usage_daily
  ADD COLUMN cached_prompt_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN reasoning_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE llm_usage_daily ALTER COLUMN cached_prompt_tokens DROP DEFAULT, ALTER COLUMN reasoning_tokens DROP DEFAULT;
ALTER TABLE llm_usage_model_daily
  ADD COLUMN cached_prompt_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN reasoning_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE llm_usage_model_daily ALTER COLUMN cached_prompt_tokens DROP DEFAULT, ALTER COLUMN reasoning_tokens DROP DEFAULT;

-- A record leaves its fine rollup row (deleted when it empties).
CREATE OR REPLACE FUNCTION llm_usage_daily_remove(gone llm_usage) RETURNS void LANGUAGE sql AS $$
  UPDATE llm_usage_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - gone.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens - gone.cached_prompt_tokens,
    completion_tokens = completion_tokens - gone.completion_tokens,
    reasoning_tokens = reasoning_tokens - gone.reasoning_tokens,
    total_tokens = total_tokens - gone.total_tokens,
    cost_nano_usd = cost_nano_usd - gone.cost_nano_usd
  WHERE organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10) AND provider = gone.provider
    AND model = gone.model AND agent_id = coalesce(gone.agent_id, '') AND user_id = coalesce(gone.user_id, '')
    AND api_key_id = coalesce(gone.api_key_id, '');
  DELETE FROM llm_usage_daily
  WHERE requests = 0 AND organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10);
$$;

CREATE OR REPLACE FUNCTION llm_usage_model_daily_remove(gone llm_usage) RETURNS void LANGUAGE sql AS $$
  UPDATE llm_usage_model_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - gone.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens - gone.cached_prompt_tokens,
    completion_tokens = completion_tokens - gone.completion_tokens,
    reasoning_tokens = reasoning_tokens - gone.reasoning_tokens,
    total_tokens = total_tokens - gone.total_tokens,
    cost_nano_usd = cost_nano_usd - gone.cost_nano_usd
  WHERE organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10) AND provider = gone.provider
    AND model = gone.model;
  DELETE FROM llm_usage_model_daily
  WHERE requests = 0 AND organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10);
$$;

CREATE OR REPLACE FUNCTION llm_usage_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM llm_usage_daily_remove(OLD);
  INSERT INTO llm_usage_daily AS r (organization_id, day, provider, model, agent_id, user_id, api_key_id,
    requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd)
  VALUES (NEW.organization_id, substr(NEW.created_at, 1, 10), NEW.provider, NEW.model, coalesce(NEW.agent_id, ''),
    coalesce(NEW.user_id, ''), coalesce(NEW.api_key_id, ''), 1, NEW.prompt_tokens, NEW.cached_prompt_tokens,
    NEW.completion_tokens, NEW.reasoning_tokens, NEW.total_tokens, NEW.cost_nano_usd)
  ON CONFLICT (organization_id, day, provider, model, agent_id, user_id, api_key_id) DO UPDATE SET
    requests = r.requests + 1,
    prompt_tokens = r.prompt_tokens + excluded.prompt_tokens,
    cached_prompt_tokens = r.cached_prompt_tokens + excluded.cached_prompt_tokens,
    completion_tokens = r.completion_tokens + excluded.completion_tokens,
    reasoning_tokens = r.reasoning_tokens + excluded.reasoning_tokens,
    total_tokens = r.total_tokens + excluded.total_tokens,
    cost_nano_usd = r.cost_nano_usd + excluded.cost_nano_usd;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION llm_usage_model_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM llm_usage_model_daily_remove(OLD);
  INSERT INTO llm_usage_model_daily AS r (organization_id, day, provider, model,
    requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd)
  VALUES (NEW.organization_id, substr(NEW.created_at, 1, 10), NEW.provider, NEW.model, 1, NEW.prompt_tokens,
    NEW.cached_prompt_tokens, NEW.completion_tokens, NEW.reasoning_tokens, NEW.total_tokens, NEW.cost_nano_usd)
  ON CONFLICT (organization_id, day, provider, model) DO UPDATE SET
    requests = r.requests + 1,
    prompt_tokens = r.prompt_tokens + excluded.prompt_tokens,
    cached_prompt_tokens = r.cached_prompt_tokens + excluded.cached_prompt_tokens,
    completion_tokens = r.completion_tokens + excluded.completion_tokens,
    reasoning_tokens = r.reasoning_tokens + excluded.reasoning_tokens,
    total_tokens = r.total_tokens + excluded.total_tokens,
    cost_nano_usd = r.cost_nano_usd + excluded.cost_nano_usd;
  RETURN NULL;
END
$$;

-- Only changes to the coarse key or the sums move a record here: setting
-- agent_id, user_id or api_key_id NULL (their rows' deletion) leaves it alone.
DROP TRIGGER llm_usage_model_rollup_update ON llm_usage;
CREATE TRIGGER llm_usage_model_rollup_update
  AFTER UPDATE OF organization_id, created_at, provider, model, prompt_tokens, cached_prompt_tokens, completion_tokens,
    reasoning_tokens, cost_nano_usd ON llm_usage
  FOR EACH ROW EXECUTE FUNCTION llm_usage_model_rollup_update();

-- Model prices over time (see schema.sql): nano-USD per 1,000 tokens of each kind, from effective_from on.
CREATE TABLE model_price_periods (
  provider                                text COLLATE "C" NOT NULL,
  model                                   text COLLATE "C" NOT NULL,
  effective_from                          utc_time NOT NULL,
  prompt_nano_usd_per_1k_tokens           bigint NOT NULL CHECK (prompt_nano_usd_per_1k_tokens >= 0),
  cached_prompt_nano_usd_per_1k_tokens    bigint NOT NULL CHECK (cached_prompt_nano_usd_per_1k_tokens >= 0),
  completion_nano_usd_per_1k_tokens       bigint NOT NULL CHECK (completion_nano_usd_per_1k_tokens >= 0),
  reasoning_nano_usd_per_1k_tokens        bigint NOT NULL CHECK (reasoning_nano_usd_per_1k_tokens >= 0),
  updated_at                              utc_time NOT NULL,
  PRIMARY KEY (provider, model, effective_from)
);
CREATE INDEX model_price_periods_model ON model_price_periods (model, effective_from);
INSERT INTO model_price_periods (provider, model, effective_from, prompt_nano_usd_per_1k_tokens,
  cached_prompt_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, reasoning_nano_usd_per_1k_tokens, updated_at)
SELECT provider, model, '1970-01-01T00:00:00.000Z', prompt_nano_usd_per_1k_tokens, prompt_nano_usd_per_1k_tokens,
  completion_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, updated_at
FROM model_prices;
DROP TABLE model_prices;
