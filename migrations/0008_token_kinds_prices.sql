-- Token kinds priced separately, and prices over time (issue 13).
-- * A usage record carries four disjoint kinds of tokens: prompt_tokens (not from the cache), cached_prompt_tokens,
--   completion_tokens (other than reasoning) and reasoning_tokens; total_tokens is their sum. Existing records
--   have no cached or reasoning tokens (0), so their totals do not change. cost_source says whether the cost
--   was computed from the prices or reported by the provider; every existing cost was computed.
-- * The rollups carry the new sums (0 for what is there).
-- * model_prices becomes model_price_periods, effective-dated: each existing price is in effect from
--   1970-01-01T00:00:00.000Z (before any usage), its cached prompt tokens at the prompt rate and its reasoning
--   tokens at the completion rate, so that a record priced again would cost what it cost.
-- SQLite cannot change a generated column or add columns in their place: the three usage tables are made
-- again (the old ones renamed aside, copied, dropped), with the text of schema.sql, their indexes and triggers.

DROP TRIGGER llm_usage_rollup_delete;
DROP TRIGGER llm_usage_rollup_update;
DROP TRIGGER llm_usage_model_rollup_delete;
DROP TRIGGER llm_usage_model_rollup_update;
DROP INDEX llm_usage_org_created;
DROP INDEX llm_usage_agent_created;
DROP INDEX llm_usage_session_created;
DROP INDEX llm_usage_user;
DROP INDEX llm_usage_api_key;
DROP INDEX llm_usage_daily_agent;
ALTER TABLE llm_usage RENAME TO llm_usage_v7;
ALTER TABLE llm_usage_daily RENAME TO llm_usage_daily_v7;
ALTER TABLE llm_usage_model_daily RENAME TO llm_usage_model_daily_v7;

CREATE TABLE llm_usage (
  id                    TEXT PRIMARY KEY,
  organization_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  agent_id              TEXT REFERENCES agents (id) ON DELETE SET NULL,
  session_id            TEXT REFERENCES sessions (id) ON DELETE SET NULL,
  user_id               TEXT REFERENCES users (id) ON DELETE SET NULL,
  api_key_id            TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
  provider              TEXT NOT NULL,
  model                 TEXT NOT NULL,
  -- Four disjoint kinds of tokens, each priced at its own rate: prompt tokens not served from the cache,
  -- prompt tokens served from it, completion tokens other than reasoning, and reasoning tokens.
  prompt_tokens         INTEGER NOT NULL CHECK (prompt_tokens >= 0),
  cached_prompt_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (cached_prompt_tokens >= 0),
  completion_tokens     INTEGER NOT NULL CHECK (completion_tokens >= 0),
  reasoning_tokens      INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
  total_tokens          INTEGER NOT NULL GENERATED ALWAYS AS (prompt_tokens + cached_prompt_tokens + completion_tokens + reasoning_tokens) STORED,
  cost_nano_usd         INTEGER NOT NULL CHECK (cost_nano_usd >= 0),
  -- computed: from the model's prices in effect at created_at; provider: reported by the caller.
  cost_source           TEXT NOT NULL DEFAULT 'computed' CHECK (cost_source IN ('computed', 'provider')),
  latency_ms            INTEGER CHECK (latency_ms IS NULL OR latency_ms >= 0),
  created_at            TEXT NOT NULL
) STRICT;
INSERT INTO llm_usage (id, organization_id, agent_id, session_id, user_id, api_key_id, provider, model, prompt_tokens, completion_tokens,
  cost_nano_usd, latency_ms, created_at)
SELECT id, organization_id, agent_id, session_id, user_id, api_key_id, provider, model, prompt_tokens, completion_tokens,
  cost_nano_usd, latency_ms, created_at
FROM llm_usage_v7;
CREATE INDEX llm_usage_org_created ON llm_usage (organization_id, created_at, id);
CREATE INDEX llm_usage_agent_created ON llm_usage (agent_id, created_at, id) WHERE agent_id IS NOT NULL;
CREATE INDEX llm_usage_session_created ON llm_usage (session_id, created_at, id) WHERE session_id IS NOT NULL;
CREATE INDEX llm_usage_user ON llm_usage (user_id, created_at, id) WHERE user_id IS NOT NULL;
CREATE INDEX llm_usage_api_key ON llm_usage (api_key_id, created_at, id) WHERE api_key_id IS NOT NULL;

CREATE TABLE llm_usage_daily (
  organization_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  day                   TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  provider              TEXT NOT NULL,
  model                 TEXT NOT NULL,
  agent_id              TEXT NOT NULL,
  user_id               TEXT NOT NULL,
  api_key_id            TEXT NOT NULL,
  requests              INTEGER NOT NULL CHECK (requests >= 0),
  prompt_tokens         INTEGER NOT NULL,
  cached_prompt_tokens  INTEGER NOT NULL,
  completion_tokens     INTEGER NOT NULL,
  reasoning_tokens      INTEGER NOT NULL,
  total_tokens          INTEGER NOT NULL,
  cost_nano_usd         INTEGER NOT NULL,
  PRIMARY KEY (organization_id, day, provider, model, agent_id, user_id, api_key_id)
) STRICT, WITHOUT ROWID;
INSERT INTO llm_usage_daily (organization_id, day, provider, model, agent_id, user_id, api_key_id, requests, prompt_tokens,
  cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd)
SELECT organization_id, day, provider, model, agent_id, user_id, api_key_id, requests, prompt_tokens, 0, completion_tokens, 0,
  total_tokens, cost_nano_usd
FROM llm_usage_daily_v7;
CREATE INDEX llm_usage_daily_agent ON llm_usage_daily (agent_id, day);

CREATE TABLE llm_usage_model_daily (
  organization_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  day                   TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  provider              TEXT NOT NULL,
  model                 TEXT NOT NULL,
  requests              INTEGER NOT NULL CHECK (requests >= 0),
  prompt_tokens         INTEGER NOT NULL,
  cached_prompt_tokens  INTEGER NOT NULL,
  completion_tokens     INTEGER NOT NULL,
  reasoning_tokens      INTEGER NOT NULL,
  total_tokens          INTEGER NOT NULL,
  cost_nano_usd         INTEGER NOT NULL,
  PRIMARY KEY (organization_id, day, provider, model)
) STRICT, WITHOUT ROWID;
INSERT INTO llm_usage_model_daily (organization_id, day, provider, model, requests, prompt_tokens, cached_prompt_tokens,
  completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd)
SELECT organization_id, day, provider, model, requests, prompt_tokens, 0, completion_tokens, 0, total_tokens, cost_nano_usd
FROM llm_usage_model_daily_v7;

DROP TABLE llm_usage_v7;
DROP TABLE llm_usage_daily_v7;
DROP TABLE llm_usage_model_daily_v7;

CREATE TRIGGER llm_usage_rollup_delete AFTER DELETE ON llm_usage BEGIN
  UPDATE llm_usage_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - old.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens - old.cached_prompt_tokens,
    completion_tokens = completion_tokens - old.completion_tokens,
    reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
    total_tokens = total_tokens - old.total_tokens,
    cost_nano_usd = cost_nano_usd - old.cost_nano_usd
  WHERE organization_id = old.organization_id AND day = substr(old.created_at, 1, 10) AND provider = old.provider
    AND model = old.model AND agent_id = ifnull(old.agent_id, '') AND user_id = ifnull(old.user_id, '')
    AND api_key_id = ifnull(old.api_key_id, '');
  DELETE FROM llm_usage_daily
  WHERE requests = 0 AND organization_id = old.organization_id AND day = substr(old.created_at, 1, 10);
END;

-- An update (e.g. agent_id set to NULL when an agent is deleted) moves the record between rollup rows.
CREATE TRIGGER llm_usage_rollup_update AFTER UPDATE ON llm_usage BEGIN
  UPDATE llm_usage_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - old.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens - old.cached_prompt_tokens,
    completion_tokens = completion_tokens - old.completion_tokens,
    reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
    total_tokens = total_tokens - old.total_tokens,
    cost_nano_usd = cost_nano_usd - old.cost_nano_usd
  WHERE organization_id = old.organization_id AND day = substr(old.created_at, 1, 10) AND provider = old.provider
    AND model = old.model AND agent_id = ifnull(old.agent_id, '') AND user_id = ifnull(old.user_id, '')
    AND api_key_id = ifnull(old.api_key_id, '');
  DELETE FROM llm_usage_daily
  WHERE requests = 0 AND organization_id = old.organization_id AND day = substr(old.created_at, 1, 10);
  INSERT INTO llm_usage_daily (organization_id, day, provider, model, agent_id, user_id, api_key_id,
    requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd)
  VALUES (new.organization_id, substr(new.created_at, 1, 10), new.provider, new.model, ifnull(new.agent_id, ''),
    ifnull(new.user_id, ''), ifnull(new.api_key_id, ''), 1, new.prompt_tokens, new.cached_prompt_tokens,
    new.completion_tokens, new.reasoning_tokens, new.total_tokens, new.cost_nano_usd)
  ON CONFLICT DO UPDATE SET
    requests = requests + 1,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens + excluded.cached_prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
    total_tokens = total_tokens + excluded.total_tokens,
    cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd;
END;

CREATE TRIGGER llm_usage_model_rollup_delete AFTER DELETE ON llm_usage BEGIN
  UPDATE llm_usage_model_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - old.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens - old.cached_prompt_tokens,
    completion_tokens = completion_tokens - old.completion_tokens,
    reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
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
AFTER UPDATE OF organization_id, created_at, provider, model, prompt_tokens, cached_prompt_tokens, completion_tokens,
  reasoning_tokens, cost_nano_usd ON llm_usage BEGIN
  UPDATE llm_usage_model_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - old.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens - old.cached_prompt_tokens,
    completion_tokens = completion_tokens - old.completion_tokens,
    reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
    total_tokens = total_tokens - old.total_tokens,
    cost_nano_usd = cost_nano_usd - old.cost_nano_usd
  WHERE organization_id = old.organization_id AND day = substr(old.created_at, 1, 10) AND provider = old.provider
    AND model = old.model;
  DELETE FROM llm_usage_model_daily
  WHERE requests = 0 AND organization_id = old.organization_id AND day = substr(old.created_at, 1, 10);
  INSERT INTO llm_usage_model_daily (organization_id, day, provider, model,
    requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd)
  VALUES (new.organization_id, substr(new.created_at, 1, 10), new.provider, new.model, 1, new.prompt_tokens,
    new.cached_prompt_tokens, new.completion_tokens, new.reasoning_tokens, new.total_tokens, new.cost_nano_usd)
  ON CONFLICT DO UPDATE SET
    requests = requests + 1,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    cached_prompt_tokens = cached_prompt_tokens + excluded.cached_prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
    total_tokens = total_tokens + excluded.total_tokens,
    cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd;
END;

CREATE TABLE model_price_periods (
  provider                                TEXT NOT NULL,
  model                                   TEXT NOT NULL,
  effective_from                          TEXT NOT NULL,
  prompt_nano_usd_per_1k_tokens           INTEGER NOT NULL CHECK (prompt_nano_usd_per_1k_tokens >= 0),
  cached_prompt_nano_usd_per_1k_tokens    INTEGER NOT NULL CHECK (cached_prompt_nano_usd_per_1k_tokens >= 0),
  completion_nano_usd_per_1k_tokens       INTEGER NOT NULL CHECK (completion_nano_usd_per_1k_tokens >= 0),
  reasoning_nano_usd_per_1k_tokens        INTEGER NOT NULL CHECK (reasoning_nano_usd_per_1k_tokens >= 0),
  updated_at                              TEXT NOT NULL,
  PRIMARY KEY (provider, model, effective_from)
) STRICT;
CREATE INDEX model_price_periods_model ON model_price_periods (model, effective_from);
INSERT INTO model_price_periods (provider, model, effective_from, prompt_nano_usd_per_1k_tokens,
  cached_prompt_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, reasoning_nano_usd_per_1k_tokens, updated_at)
SELECT provider, model, '1970-01-01T00:00:00.000Z', prompt_nano_usd_per_1k_tokens, prompt_nano_usd_per_1k_tokens,
  completion_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, updated_at
FROM model_prices;
DROP TABLE model_prices;
