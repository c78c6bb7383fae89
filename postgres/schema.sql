-- The control plane on PostgreSQL (14 or newer): the same tables, columns, keys, CHECKs and indexes as
-- schema.sql + rbac.sql + migrations/0002..0006 give SQLite, written for PostgreSQL. Applied whole to an empty
-- schema, then postgres/rbac.sql, then the row-level security rendered by src/auth/rowLevelSecurity.ts.
-- test/postgresSchema.test.ts compares every table, index and trigger name with a migrated SQLite file.
--
-- Where the engines differ, and why:
-- * Times are text in one form, 'YYYY-MM-DDTHH:MM:SS.mmmZ' (the domain utc_time), not timestamptz. The gateway
--   reads and writes these strings on both engines, keyset cursors carry them and compare them as sort values,
--   nullable times sort as coalesce(x, '') first, and usage days are substr(created_at, 1, 10): all of it keeps
--   its SQL text and its order, and `foundry migrate` copies every time byte for byte. The domain refuses any
--   other spelling and any instant that does not exist (a 30 February), which SQLite's schema does not; date
--   arithmetic casts (created_at::timestamptz), which is exact because the text names its zone.
-- * Every text column that is compared or sorted is COLLATE "C": byte order, which is SQLite's BINARY order
--   (UTF-8 bytes sort as code points), whatever locale the database was created with. A page ordered by name
--   or id, and its cursor, mean the same on both engines.
-- * Ids stay text, made by the gateway (UUIDs and slugs); the audit log's id is a bigint identity (AUTOINCREMENT).
-- * Money (nano-USD) and counters are bigint: sums past 2^53 stay exact.
-- * Booleans are boolean; the engine reads them back as 0/1 for the rows the repos expect.
-- * JSON columns are jsonb with the same object/array CHECKs, except audit_log.metadata: json, which keeps the
--   text exactly as written, because the audit hash chain hashes that text (jsonb would reorder and respace it).
-- * The FTS5 table agents_fts becomes agents.search, a generated tsvector with a GIN index (see below).
-- * Triggers are PL/pgSQL functions; the audit log also refuses TRUNCATE.

CREATE DOMAIN utc_time AS text COLLATE "C"
  CHECK (
    VALUE ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
    AND to_char(VALUE::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') = VALUE
  );

-- A UTC calendar day as the rollups key it: the first ten characters of a utc_time.
CREATE DOMAIN utc_day AS text COLLATE "C"
  CHECK (VALUE ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$');

-- The words of a text as the search index holds them: lower case, without diacritics (FTS5's unicode61
-- tokenizer with remove_diacritics 2), so that a search for 'resume' finds 'Résumé'.
CREATE FUNCTION search_words(value text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN to_tsvector('pg_catalog.simple', regexp_replace(normalize(value, NFD), '[\u0300-\u036f]', '', 'g'));

CREATE TABLE organizations (
  id          text COLLATE "C" PRIMARY KEY,
  slug        text COLLATE "C" NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]' AND length(slug) BETWEEN 2 AND 63),
  name        text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  tier        text COLLATE "C" NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise')),
  settings    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  created_at  utc_time NOT NULL,
  updated_at  utc_time NOT NULL
);
CREATE INDEX organizations_created ON organizations (created_at, id);
CREATE INDEX organizations_name ON organizations (name, id);
CREATE INDEX organizations_updated ON organizations (updated_at, id);

CREATE TABLE domains (
  id               text COLLATE "C" PRIMARY KEY,
  organization_id  text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name             text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  display_name     text COLLATE "C" NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  description      text,
  version          text COLLATE "C" NOT NULL DEFAULT '1.0.0',
  created_at       utc_time NOT NULL,
  updated_at       utc_time NOT NULL,
  UNIQUE (organization_id, name)
);
CREATE INDEX domains_org_created ON domains (organization_id, created_at, id);
CREATE INDEX domains_org_updated ON domains (organization_id, updated_at, id);

CREATE TABLE instances (
  id               text COLLATE "C" PRIMARY KEY,
  organization_id  text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain_id        text COLLATE "C" NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  environment      text COLLATE "C" NOT NULL CHECK (environment IN ('dev', 'staging', 'prod')),
  name             text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  status           text COLLATE "C" NOT NULL DEFAULT 'running' CHECK (status IN ('provisioning', 'running', 'stopped', 'failed')),
  config           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  created_at       utc_time NOT NULL,
  updated_at       utc_time NOT NULL,
  UNIQUE (domain_id, environment, name)
);
CREATE INDEX instances_org_created ON instances (organization_id, created_at, id);
CREATE INDEX instances_org_name ON instances (organization_id, name, id);
CREATE INDEX instances_org_updated ON instances (organization_id, updated_at, id);
CREATE INDEX instances_domain_name ON instances (domain_id, name, id);
CREATE INDEX instances_domain_created ON instances (domain_id, created_at, id);
CREATE INDEX instances_domain_updated ON instances (domain_id, updated_at, id);

-- created_by_* reference users and api_keys, which rbac.sql creates: their foreign keys are added there.
CREATE TABLE agents (
  id                     text COLLATE "C" PRIMARY KEY,
  organization_id        text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain_id              text COLLATE "C" NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  name                   text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  display_name           text COLLATE "C" NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  description            text NOT NULL DEFAULT '',
  version                text COLLATE "C" NOT NULL DEFAULT '0.1.0',
  status                 text COLLATE "C" NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'inactive', 'archived')),
  environment            text COLLATE "C" NOT NULL DEFAULT 'dev' CHECK (environment IN ('dev', 'staging', 'prod')),
  tags                   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
  config                 jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  is_system_agent        boolean NOT NULL DEFAULT false,
  published_at           utc_time,
  created_by_user_id     text COLLATE "C",
  created_by_api_key_id  text COLLATE "C",
  created_at             utc_time NOT NULL,
  updated_at             utc_time NOT NULL,
  -- FTS5's agents_fts on SQLite: every word of the three columns. A search is every word of the query as a
  -- prefix, all required: search @@ 'word1':* & 'word2':* (to_tsquery of quoted, folded words).
  search                 tsvector NOT NULL GENERATED ALWAYS AS (
    search_words(name) || search_words(display_name) || search_words(description)
  ) STORED,
  UNIQUE (organization_id, domain_id, name)
);
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
CREATE INDEX agents_search ON agents USING gin (search);
-- The tag filter, a.tags @> jsonb_build_array($1::text), where SQLite scans json_each row by row.
CREATE INDEX agents_tags ON agents USING gin (tags jsonb_path_ops);

CREATE TABLE agent_versions (
  id                  text COLLATE "C" PRIMARY KEY,
  agent_id            text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  organization_id     text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  version             text COLLATE "C" NOT NULL,
  snapshot            jsonb NOT NULL CHECK (jsonb_typeof(snapshot) = 'object'),
  created_by_user_id  text COLLATE "C",
  created_at          utc_time NOT NULL,
  UNIQUE (agent_id, version)
);
CREATE INDEX agent_versions_agent_created ON agent_versions (agent_id, created_at, id);
CREATE INDEX agent_versions_org ON agent_versions (organization_id);
CREATE INDEX agent_versions_created_by ON agent_versions (created_by_user_id);

-- Config and secrets live apart: a read of configs never touches the secrets table.
CREATE TABLE integration_configs (
  id               text COLLATE "C" PRIMARY KEY,
  organization_id  text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain_id        text COLLATE "C" NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  environment      text COLLATE "C" NOT NULL CHECK (environment IN ('dev', 'staging', 'prod')),
  integration      text COLLATE "C" NOT NULL CHECK (length(integration) BETWEEN 1 AND 100),
  config           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  created_at       utc_time NOT NULL,
  updated_at       utc_time NOT NULL,
  UNIQUE (organization_id, domain_id, environment, integration)
);
CREATE INDEX integration_configs_org_created ON integration_configs (organization_id, created_at, id);
CREATE INDEX integration_configs_domain ON integration_configs (domain_id);
CREATE INDEX integration_configs_org_integration ON integration_configs (organization_id, integration, id);
CREATE INDEX integration_configs_org_updated ON integration_configs (organization_id, updated_at, id);

CREATE TABLE integration_secrets (
  integration_config_id  text COLLATE "C" PRIMARY KEY REFERENCES integration_configs (id) ON DELETE CASCADE,
  secrets                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(secrets) = 'object'),
  updated_at             utc_time NOT NULL
);

CREATE TABLE sessions (
  id                     text COLLATE "C" PRIMARY KEY,
  organization_id        text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  agent_id               text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  instance_id            text COLLATE "C" REFERENCES instances (id) ON DELETE SET NULL,
  started_by_user_id     text COLLATE "C",
  started_by_api_key_id  text COLLATE "C",
  status                 text COLLATE "C" NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'failed', 'terminated')),
  metadata               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  started_at             utc_time NOT NULL,
  ended_at               utc_time CHECK (ended_at IS NULL OR ended_at >= started_at),
  CHECK ((status = 'active') = (ended_at IS NULL))
);
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
-- The id is an identity (SQLite's AUTOINCREMENT: never reused); `foundry migrate` copies ids with
-- OVERRIDING SYSTEM VALUE and moves the sequence past them.
CREATE TABLE audit_log (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id  text COLLATE "C",
  actor_kind       text COLLATE "C" NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'service', 'anonymous')),
  actor_id         text COLLATE "C",
  actor_name       text,
  actor_user_id    text COLLATE "C",
  actor_api_key_id text COLLATE "C",
  action           text COLLATE "C" NOT NULL CHECK (action ~ '^[a-z].*\.[a-z]'),
  resource_type    text COLLATE "C" NOT NULL,
  resource_id      text COLLATE "C",
  result           text COLLATE "C" NOT NULL CHECK (result IN ('success', 'denied', 'error')),
  request_id       text,
  client_address   text,
  metadata         json NOT NULL DEFAULT '{}' CHECK (json_typeof(metadata) = 'object'),
  created_at       utc_time NOT NULL,
  previous_hash    text COLLATE "C",
  hash             text COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_org_created ON audit_log (organization_id, created_at, id);
CREATE INDEX audit_log_org_chain ON audit_log (organization_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_kind, actor_id);
CREATE INDEX audit_log_org_action ON audit_log (organization_id, action, id);
CREATE INDEX audit_log_created ON audit_log (created_at, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor_user ON audit_log (actor_user_id, created_at, id);
CREATE INDEX audit_log_actor_api_key ON audit_log (actor_api_key_id, created_at, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE model_prices (
  provider                            text COLLATE "C" NOT NULL,
  model                               text COLLATE "C" NOT NULL,
  prompt_nano_usd_per_1k_tokens       bigint NOT NULL CHECK (prompt_nano_usd_per_1k_tokens >= 0),
  completion_nano_usd_per_1k_tokens   bigint NOT NULL CHECK (completion_nano_usd_per_1k_tokens >= 0),
  updated_at                          utc_time NOT NULL,
  PRIMARY KEY (provider, model)
);
CREATE UNIQUE INDEX model_prices_model ON model_prices (model);

CREATE TABLE llm_usage (
  id                 text COLLATE "C" PRIMARY KEY,
  organization_id    text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  agent_id           text COLLATE "C" REFERENCES agents (id) ON DELETE SET NULL,
  session_id         text COLLATE "C" REFERENCES sessions (id) ON DELETE SET NULL,
  user_id            text COLLATE "C",
  api_key_id         text COLLATE "C",
  provider           text COLLATE "C" NOT NULL,
  model              text COLLATE "C" NOT NULL,
  prompt_tokens      bigint NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens  bigint NOT NULL CHECK (completion_tokens >= 0),
  total_tokens       bigint NOT NULL GENERATED ALWAYS AS (prompt_tokens + completion_tokens) STORED,
  cost_nano_usd      bigint NOT NULL CHECK (cost_nano_usd >= 0),
  latency_ms         bigint CHECK (latency_ms IS NULL OR latency_ms >= 0),
  created_at         utc_time NOT NULL
);
CREATE INDEX llm_usage_org_created ON llm_usage (organization_id, created_at, id);
-- Partial: a record without an agent, session, user or API key adds no entry to that index (see schema.sql).
CREATE INDEX llm_usage_agent_created ON llm_usage (agent_id, created_at, id) WHERE agent_id IS NOT NULL;
CREATE INDEX llm_usage_session_created ON llm_usage (session_id, created_at, id) WHERE session_id IS NOT NULL;
CREATE INDEX llm_usage_user ON llm_usage (user_id, created_at, id) WHERE user_id IS NOT NULL;
CREATE INDEX llm_usage_api_key ON llm_usage (api_key_id, created_at, id) WHERE api_key_id IS NOT NULL;

-- Daily rollups of llm_usage, kept in the same transaction as every change to it: inserts maintain them once
-- per batch (the usage repo's one write path); the triggers below follow updates and deletions.
-- llm_usage_daily is the fine rollup (missing agent/user/key are '' here: part of the key).
CREATE TABLE llm_usage_daily (
  organization_id    text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  day                utc_day NOT NULL,
  provider           text COLLATE "C" NOT NULL,
  model              text COLLATE "C" NOT NULL,
  agent_id           text COLLATE "C" NOT NULL,
  user_id            text COLLATE "C" NOT NULL,
  api_key_id         text COLLATE "C" NOT NULL,
  requests           bigint NOT NULL CHECK (requests >= 0),
  prompt_tokens      bigint NOT NULL,
  completion_tokens  bigint NOT NULL,
  total_tokens       bigint NOT NULL,
  cost_nano_usd      bigint NOT NULL,
  PRIMARY KEY (organization_id, day, provider, model, agent_id, user_id, api_key_id)
);
CREATE INDEX llm_usage_daily_agent ON llm_usage_daily (agent_id, day);

-- The coarse rollup: per organization, day, provider and model, for organization-wide summaries and the quota.
CREATE TABLE llm_usage_model_daily (
  organization_id    text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  day                utc_day NOT NULL,
  provider           text COLLATE "C" NOT NULL,
  model              text COLLATE "C" NOT NULL,
  requests           bigint NOT NULL CHECK (requests >= 0),
  prompt_tokens      bigint NOT NULL,
  completion_tokens  bigint NOT NULL,
  total_tokens       bigint NOT NULL,
  cost_nano_usd      bigint NOT NULL,
  PRIMARY KEY (organization_id, day, provider, model)
);

-- A record leaves its fine rollup row (deleted when it empties).
CREATE FUNCTION llm_usage_daily_remove(gone llm_usage) RETURNS void LANGUAGE sql AS $$
  UPDATE llm_usage_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - gone.prompt_tokens,
    completion_tokens = completion_tokens - gone.completion_tokens,
    total_tokens = total_tokens - gone.total_tokens,
    cost_nano_usd = cost_nano_usd - gone.cost_nano_usd
  WHERE organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10) AND provider = gone.provider
    AND model = gone.model AND agent_id = coalesce(gone.agent_id, '') AND user_id = coalesce(gone.user_id, '')
    AND api_key_id = coalesce(gone.api_key_id, '');
  DELETE FROM llm_usage_daily
  WHERE requests = 0 AND organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10);
$$;

CREATE FUNCTION llm_usage_model_daily_remove(gone llm_usage) RETURNS void LANGUAGE sql AS $$
  UPDATE llm_usage_model_daily SET
    requests = requests - 1,
    prompt_tokens = prompt_tokens - gone.prompt_tokens,
    completion_tokens = completion_tokens - gone.completion_tokens,
    total_tokens = total_tokens - gone.total_tokens,
    cost_nano_usd = cost_nano_usd - gone.cost_nano_usd
  WHERE organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10) AND provider = gone.provider
    AND model = gone.model;
  DELETE FROM llm_usage_model_daily
  WHERE requests = 0 AND organization_id = gone.organization_id AND day = substr(gone.created_at, 1, 10);
$$;

CREATE FUNCTION llm_usage_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM llm_usage_daily_remove(OLD);
  RETURN NULL;
END
$$;

-- An update (e.g. agent_id set to NULL when an agent is deleted) moves the record between rollup rows.
CREATE FUNCTION llm_usage_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM llm_usage_daily_remove(OLD);
  INSERT INTO llm_usage_daily AS r (organization_id, day, provider, model, agent_id, user_id, api_key_id,
    requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd)
  VALUES (NEW.organization_id, substr(NEW.created_at, 1, 10), NEW.provider, NEW.model, coalesce(NEW.agent_id, ''),
    coalesce(NEW.user_id, ''), coalesce(NEW.api_key_id, ''), 1, NEW.prompt_tokens, NEW.completion_tokens,
    NEW.total_tokens, NEW.cost_nano_usd)
  ON CONFLICT (organization_id, day, provider, model, agent_id, user_id, api_key_id) DO UPDATE SET
    requests = r.requests + 1,
    prompt_tokens = r.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = r.completion_tokens + excluded.completion_tokens,
    total_tokens = r.total_tokens + excluded.total_tokens,
    cost_nano_usd = r.cost_nano_usd + excluded.cost_nano_usd;
  RETURN NULL;
END
$$;

CREATE FUNCTION llm_usage_model_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM llm_usage_model_daily_remove(OLD);
  RETURN NULL;
END
$$;

CREATE FUNCTION llm_usage_model_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM llm_usage_model_daily_remove(OLD);
  INSERT INTO llm_usage_model_daily AS r (organization_id, day, provider, model,
    requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd)
  VALUES (NEW.organization_id, substr(NEW.created_at, 1, 10), NEW.provider, NEW.model, 1, NEW.prompt_tokens,
    NEW.completion_tokens, NEW.total_tokens, NEW.cost_nano_usd)
  ON CONFLICT (organization_id, day, provider, model) DO UPDATE SET
    requests = r.requests + 1,
    prompt_tokens = r.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = r.completion_tokens + excluded.completion_tokens,
    total_tokens = r.total_tokens + excluded.total_tokens,
    cost_nano_usd = r.cost_nano_usd + excluded.cost_nano_usd;
  RETURN NULL;
END
$$;

CREATE TRIGGER llm_usage_rollup_delete AFTER DELETE ON llm_usage
  FOR EACH ROW EXECUTE FUNCTION llm_usage_rollup_delete();
CREATE TRIGGER llm_usage_rollup_update AFTER UPDATE ON llm_usage
  FOR EACH ROW EXECUTE FUNCTION llm_usage_rollup_update();
CREATE TRIGGER llm_usage_model_rollup_delete AFTER DELETE ON llm_usage
  FOR EACH ROW EXECUTE FUNCTION llm_usage_model_rollup_delete();
-- Only changes to the coarse key or the sums move a record here: setting
-- agent_id, user_id or api_key_id NULL (their rows' deletion) leaves it alone.
CREATE TRIGGER llm_usage_model_rollup_update
  AFTER UPDATE OF organization_id, created_at, provider, model, prompt_tokens, completion_tokens, cost_nano_usd ON llm_usage
  FOR EACH ROW EXECUTE FUNCTION llm_usage_model_rollup_update();

CREATE TABLE llm_quotas (
  organization_id               text COLLATE "C" PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  monthly_token_limit           bigint CHECK (monthly_token_limit IS NULL OR monthly_token_limit >= 0),
  monthly_cost_limit_nano_usd   bigint CHECK (monthly_cost_limit_nano_usd IS NULL OR monthly_cost_limit_nano_usd >= 0),
  updated_at                    utc_time NOT NULL
);
