-- The control plane: tenants and what they own. Applied whole to a new database
-- (with rbac.sql); existing databases move forward through migrations/.
-- Conventions: STRICT tables; ids are TEXT; times are UTC ISO-8601 text with
-- milliseconds and Z; booleans are 0/1; enums are lower-case text with CHECKs;
-- JSON is text checked with json_valid; money is integer nano-USD.

CREATE TABLE organizations (
  id          TEXT PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*' AND length(slug) BETWEEN 2 AND 63),
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  tier        TEXT NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise')),
  settings    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings) AND json_type(settings) = 'object'),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX organizations_created ON organizations (created_at, id);
CREATE INDEX organizations_name ON organizations (name, id);
CREATE INDEX organizations_updated ON organizations (updated_at, id);

CREATE TABLE domains (
  id               TEXT PRIMARY KEY,
  organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  display_name     TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  description      TEXT,
  version          TEXT NOT NULL DEFAULT '1.0.0',
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  UNIQUE (organization_id, name)
) STRICT;
CREATE INDEX domains_org_created ON domains (organization_id, created_at, id);
CREATE INDEX domains_org_updated ON domains (organization_id, updated_at, id);

CREATE TABLE instances (
  id               TEXT PRIMARY KEY,
  organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain_id        TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  environment      TEXT NOT NULL CHECK (environment IN ('dev', 'staging', 'prod')),
  name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  status           TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('provisioning', 'running', 'stopped', 'failed')),
  config           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND json_type(config) = 'object'),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  UNIQUE (domain_id, environment, name)
) STRICT;
CREATE INDEX instances_org_created ON instances (organization_id, created_at, id);
CREATE INDEX instances_org_name ON instances (organization_id, name, id);
CREATE INDEX instances_org_updated ON instances (organization_id, updated_at, id);
CREATE INDEX instances_domain_name ON instances (domain_id, name, id);
CREATE INDEX instances_domain_created ON instances (domain_id, created_at, id);
CREATE INDEX instances_domain_updated ON instances (domain_id, updated_at, id);

CREATE TABLE agents (
  id                     TEXT PRIMARY KEY,
  organization_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain_id              TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  name                   TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  display_name           TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  description            TEXT NOT NULL DEFAULT '',
  version                TEXT NOT NULL DEFAULT '0.1.0',
  status                 TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'inactive', 'archived')),
  environment            TEXT NOT NULL DEFAULT 'dev' CHECK (environment IN ('dev', 'staging', 'prod')),
  tags                   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  config                 TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND json_type(config) = 'object'),
  is_system_agent        INTEGER NOT NULL DEFAULT 0 CHECK (is_system_agent IN (0, 1)),
  published_at           TEXT,
  created_by_user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_by_api_key_id  TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
  created_at             TEXT NOT NULL,
  updated_at             TEXT NOT NULL,
  UNIQUE (organization_id, domain_id, name)
) STRICT;
CREATE INDEX agents_org_created ON agents (organization_id, created_at, id);
CREATE INDEX agents_org_updated ON agents (organization_id, updated_at, id);
CREATE INDEX agents_org_name ON agents (organization_id, name, id);
CREATE INDEX agents_org_display_name ON agents (organization_id, display_name, id);
CREATE INDEX agents_org_published ON agents (organization_id, coalesce(published_at, ''), id);
CREATE INDEX agents_domain_name ON agents (domain_id, name, id);
CREATE INDEX agents_domain_display_name ON agents (domain_id, display_name, id);
CREATE INDEX agents_domain_created ON agents (domain_id, created_at, id);
CREATE INDEX agents_domain_updated ON agents (domain_id, updated_at, id);
CREATE INDEX agents_domain_published ON agents (domain_id, coalesce(published_at, ''), id);
CREATE INDEX agents_name ON agents (name, id);
CREATE INDEX agents_display_name ON agents (display_name, id);
CREATE INDEX agents_created ON agents (created_at, id);
CREATE INDEX agents_updated ON agents (updated_at, id);
CREATE INDEX agents_published ON agents (coalesce(published_at, ''), id);
CREATE INDEX agents_created_by_user ON agents (created_by_user_id, created_at, id);
CREATE INDEX agents_created_by_api_key ON agents (created_by_api_key_id, created_at, id);

-- Full-text search over name, display name and description (external content).
CREATE VIRTUAL TABLE agents_fts USING fts5 (
  name, display_name, description,
  content = 'agents', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER agents_fts_insert AFTER INSERT ON agents BEGIN
  INSERT INTO agents_fts (rowid, name, display_name, description)
  VALUES (new.rowid, new.name, new.display_name, new.description);
END;
CREATE TRIGGER agents_fts_delete AFTER DELETE ON agents BEGIN
  INSERT INTO agents_fts (agents_fts, rowid, name, display_name, description)
  VALUES ('delete', old.rowid, old.name, old.display_name, old.description);
END;
CREATE TRIGGER agents_fts_update AFTER UPDATE OF name, display_name, description ON agents BEGIN
  INSERT INTO agents_fts (agents_fts, rowid, name, display_name, description)
  VALUES ('delete', old.rowid, old.name, old.display_name, old.description);
  INSERT INTO agents_fts (rowid, name, display_name, description)
  VALUES (new.rowid, new.name, new.display_name, new.description);
END;

CREATE TABLE agent_versions (
  id                  TEXT PRIMARY KEY,
  agent_id            TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  organization_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  version             TEXT NOT NULL,
  snapshot            TEXT NOT NULL CHECK (json_valid(snapshot) AND json_type(snapshot) = 'object'),
  created_by_user_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at          TEXT NOT NULL,
  UNIQUE (agent_id, version)
) STRICT;
CREATE INDEX agent_versions_agent_created ON agent_versions (agent_id, created_at, id);
CREATE INDEX agent_versions_org ON agent_versions (organization_id);
CREATE INDEX agent_versions_created_by ON agent_versions (created_by_user_id);

-- Config and secrets live apart: a read of configs never touches the secrets table.
CREATE TABLE integration_configs (
  id               TEXT PRIMARY KEY,
  organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain_id        TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  environment      TEXT NOT NULL CHECK (environment IN ('dev', 'staging', 'prod')),
  integration      TEXT NOT NULL CHECK (length(integration) BETWEEN 1 AND 100),
  config           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND json_type(config) = 'object'),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  UNIQUE (organization_id, domain_id, environment, integration)
) STRICT;
CREATE INDEX integration_configs_org_created ON integration_configs (organization_id, created_at, id);
CREATE INDEX integration_configs_domain ON integration_configs (domain_id);
CREATE INDEX integration_configs_org_integration ON integration_configs (organization_id, integration, id);
CREATE INDEX integration_configs_org_updated ON integration_configs (organization_id, updated_at, id);

CREATE TABLE integration_secrets (
  integration_config_id  TEXT PRIMARY KEY REFERENCES integration_configs (id) ON DELETE CASCADE,
  secrets                TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(secrets) AND json_type(secrets) = 'object'),
  updated_at             TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
  id                     TEXT PRIMARY KEY,
  organization_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  agent_id               TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  instance_id            TEXT REFERENCES instances (id) ON DELETE SET NULL,
  started_by_user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
  started_by_api_key_id  TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
  status                 TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'failed', 'terminated')),
  metadata               TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  started_at             TEXT NOT NULL,
  ended_at               TEXT CHECK (ended_at IS NULL OR ended_at >= started_at),
  CHECK ((status = 'active') = (ended_at IS NULL))
) STRICT;
CREATE INDEX sessions_org_started ON sessions (organization_id, started_at, id);
CREATE INDEX sessions_agent_started ON sessions (agent_id, started_at, id);
CREATE INDEX sessions_org_ended ON sessions (organization_id, coalesce(ended_at, ''), id);
CREATE INDEX sessions_agent_ended ON sessions (agent_id, coalesce(ended_at, ''), id);
CREATE INDEX sessions_instance_started ON sessions (instance_id, started_at, id);
CREATE INDEX sessions_instance_ended ON sessions (instance_id, coalesce(ended_at, ''), id);
CREATE INDEX sessions_started ON sessions (started_at, id);
CREATE INDEX sessions_ended ON sessions (coalesce(ended_at, ''), id);
CREATE INDEX sessions_started_by_user ON sessions (started_by_user_id, started_at, id);
CREATE INDEX sessions_started_by_user_ended ON sessions (started_by_user_id, coalesce(ended_at, ''), id);
CREATE INDEX sessions_started_by_api_key ON sessions (started_by_api_key_id, started_at, id);
CREATE INDEX sessions_started_by_api_key_ended ON sessions (started_by_api_key_id, coalesce(ended_at, ''), id);

-- Append-only history; each organization's entries form a hash chain
-- (hash = SHA-256(previous_hash + canonical entry)). Platform-level entries
-- (no organization) form their own chain. No foreign keys: deleting an
-- organization, user or key must not rewrite what was recorded about it.
CREATE TABLE audit_log (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id  TEXT,
  actor_kind       TEXT NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'service', 'anonymous')),
  actor_id         TEXT,
  actor_name       TEXT,
  actor_user_id    TEXT,
  actor_api_key_id TEXT,
  action           TEXT NOT NULL CHECK (action GLOB '[a-z]*.[a-z]*'),
  resource_type    TEXT NOT NULL,
  resource_id      TEXT,
  result           TEXT NOT NULL CHECK (result IN ('success', 'denied', 'error')),
  request_id       TEXT,
  client_address   TEXT,
  metadata         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  created_at       TEXT NOT NULL,
  previous_hash    TEXT,
  hash             TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_org_created ON audit_log (organization_id, created_at, id);
CREATE INDEX audit_log_org_chain ON audit_log (organization_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_kind, actor_id);
CREATE INDEX audit_log_org_action ON audit_log (organization_id, action, id);
CREATE INDEX audit_log_created ON audit_log (created_at, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor_user ON audit_log (actor_user_id, created_at, id);
CREATE INDEX audit_log_actor_api_key ON audit_log (actor_api_key_id, created_at, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Model prices over time: each row is the price of a model from effective_from until the next row of the
-- same model. A usage record is priced with the row in effect at its created_at, and its cost is stored with
-- it: a later price never changes a recorded cost. Nano-USD per 1,000 tokens of each kind. A model is priced
-- under one provider (recordLlmUsage names only the model).
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
CREATE INDEX llm_usage_org_created ON llm_usage (organization_id, created_at, id);
-- Partial: a record without an agent, session, user or API key (a key's records
-- have no user, a user's no key) adds no entry to that index, so a batch
-- writes fewer index pages; lookups by a value (=, IN, and the foreign keys'
-- ON DELETE SET NULL) still use them.
CREATE INDEX llm_usage_agent_created ON llm_usage (agent_id, created_at, id) WHERE agent_id IS NOT NULL;
CREATE INDEX llm_usage_session_created ON llm_usage (session_id, created_at, id) WHERE session_id IS NOT NULL;
CREATE INDEX llm_usage_user ON llm_usage (user_id, created_at, id) WHERE user_id IS NOT NULL;
CREATE INDEX llm_usage_api_key ON llm_usage (api_key_id, created_at, id) WHERE api_key_id IS NOT NULL;

-- Daily rollups of llm_usage, in the same transaction as every change to
-- llm_usage, so that summaries and quotas read one row per day and key instead
-- of every record. Inserts maintain them once per batch and group
-- (insertUsageBatch in src/modules/usage/repo.ts, the one write path for
-- usage); the triggers below follow updates and deletions (an agent's
-- deletion sets agent_id NULL), which are rare.
--
-- llm_usage_daily is the fine rollup: per organization, day, provider, model,
-- agent, user and API key (missing agent/user/key are '' here: part of the key).
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
CREATE INDEX llm_usage_daily_agent ON llm_usage_daily (agent_id, day);

-- The coarse rollup: per organization, day, provider and model only, for
-- organization-wide summaries by day/model/provider and the monthly quota
-- (a month of one organization is tens of rows here).
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

-- Budgets at four levels (src/modules/budgets): one per subject (the organization, an agent, an API key or a
-- member) and UTC calendar period; subject_id repeats the subject's column so that (organization, level, subject,
-- period) is one key. alerted_period_start: the start of the last period whose alertAtPercent was crossed.
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
