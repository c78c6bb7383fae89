-- Indexes in the order every list can be asked for, under every prefix a
-- page reads it by: the organization (access arms), the parent (nested
-- lists), the owner (:self arms) and none (platform-wide principals). With
-- them a page walks an index and stops at its size; nothing is sorted.

CREATE INDEX organizations_updated ON organizations (updated_at, id);

CREATE INDEX domains_org_updated ON domains (organization_id, updated_at, id);

CREATE INDEX instances_org_name ON instances (organization_id, name, id);
CREATE INDEX instances_org_updated ON instances (organization_id, updated_at, id);
DROP INDEX instances_domain;
CREATE INDEX instances_domain_name ON instances (domain_id, name, id);
CREATE INDEX instances_domain_created ON instances (domain_id, created_at, id);
CREATE INDEX instances_domain_updated ON instances (domain_id, updated_at, id);

CREATE INDEX agents_org_display_name ON agents (organization_id, display_name, id);
CREATE INDEX agents_org_published ON agents (organization_id, coalesce(published_at, ''), id);
DROP INDEX agents_domain;
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
DROP INDEX agents_created_by_user;
CREATE INDEX agents_created_by_user ON agents (created_by_user_id, created_at, id);
DROP INDEX agents_created_by_api_key;
CREATE INDEX agents_created_by_api_key ON agents (created_by_api_key_id, created_at, id);

CREATE INDEX integration_configs_org_integration ON integration_configs (organization_id, integration, id);
CREATE INDEX integration_configs_org_updated ON integration_configs (organization_id, updated_at, id);

CREATE INDEX sessions_org_ended ON sessions (organization_id, coalesce(ended_at, ''), id);
CREATE INDEX sessions_agent_ended ON sessions (agent_id, coalesce(ended_at, ''), id);
DROP INDEX sessions_instance;
CREATE INDEX sessions_instance_started ON sessions (instance_id, started_at, id);
CREATE INDEX sessions_instance_ended ON sessions (instance_id, coalesce(ended_at, ''), id);
CREATE INDEX sessions_started ON sessions (started_at, id);
CREATE INDEX sessions_ended ON sessions (coalesce(ended_at, ''), id);
DROP INDEX sessions_started_by_user;
CREATE INDEX sessions_started_by_user ON sessions (started_by_user_id, started_at, id);
CREATE INDEX sessions_started_by_user_ended ON sessions (started_by_user_id, coalesce(ended_at, ''), id);
DROP INDEX sessions_started_by_api_key;
CREATE INDEX sessions_started_by_api_key ON sessions (started_by_api_key_id, started_at, id);
CREATE INDEX sessions_started_by_api_key_ended ON sessions (started_by_api_key_id, coalesce(ended_at, ''), id);

CREATE INDEX audit_log_org_action ON audit_log (organization_id, action, id);
CREATE INDEX audit_log_created ON audit_log (created_at, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
DROP INDEX audit_log_actor_user;
CREATE INDEX audit_log_actor_user ON audit_log (actor_user_id, created_at, id);
DROP INDEX audit_log_actor_api_key;
CREATE INDEX audit_log_actor_api_key ON audit_log (actor_api_key_id, created_at, id);

CREATE INDEX llm_usage_org_cost ON llm_usage (organization_id, cost_nano_usd, id);
CREATE INDEX llm_usage_org_tokens ON llm_usage (organization_id, total_tokens, id);
DROP INDEX llm_usage_user;
CREATE INDEX llm_usage_user ON llm_usage (user_id, created_at, id) WHERE user_id IS NOT NULL;
DROP INDEX llm_usage_api_key;
CREATE INDEX llm_usage_api_key ON llm_usage (api_key_id, created_at, id) WHERE api_key_id IS NOT NULL;

CREATE INDEX api_keys_org_name ON api_keys (organization_id, name, id);
CREATE INDEX api_keys_org_last_used ON api_keys (organization_id, coalesce(last_used_at, ''), id);

CREATE INDEX roles_created ON roles (created_at, id);
CREATE INDEX permissions_resource ON permissions (resource, code);
