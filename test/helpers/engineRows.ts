// Rows written the same way into SQLite and PostgreSQL: an INSERT rendered per engine from a row object, and a
// small data set with rows of two organizations (and platform rows of none) in every tenant table.
import { quoteName } from '../../src/db/postgres/schema';

export type Row = Record<string, string | number | null>;

/** `INSERT INTO table (…) VALUES (…)` with `?` (SQLite) or `$n` (PostgreSQL) placeholders, and its values. */
export function insertStatement(table: string, row: Row, engine: 'sqlite' | 'postgres'): { text: string; values: Row[string][] } {
  const columns = Object.keys(row);
  const placeholders = columns.map((_, index) => (engine === 'sqlite' ? '?' : `$${index + 1}`));
  return {
    text: `INSERT INTO ${quoteName(table)} (${columns.map(quoteName).join(', ')}) VALUES (${placeholders.join(', ')})`,
    values: Object.values(row),
  };
}

export const TIME = '2026-01-01T00:00:00.000Z';
const stamps = { created_at: TIME, updated_at: TIME };

/** Users and roles the organizations' rows refer to. */
export const SHARED_ROWS: [string, Row][] = [
  ['users', { id: 'u-A', email: 'a@example.com', name: 'A', ...stamps }],
  ['users', { id: 'u-B', email: 'b@example.com', name: 'B', ...stamps }],
  ['roles', { id: 'r-org', name: 'org_viewer', level: 'org', description: 'viewer', created_at: TIME }],
  ['roles', { id: 'r-platform', name: 'platform_owner', level: 'platform', description: 'owner', created_at: TIME }],
];

/** One row of organization `org` in each tenant table, parents first. */
export function organizationRows(org: 'A' | 'B'): [string, Row][] {
  const owned = { organization_id: org };
  const usage = { provider: 'openai', model: 'gpt', prompt_tokens: 10, completion_tokens: 5, cost_nano_usd: 100 };
  const rollup = { ...owned, day: '2026-01-01', provider: 'openai', model: 'gpt', requests: 1, prompt_tokens: 10 };
  const sums = { cached_prompt_tokens: 0, completion_tokens: 5, reasoning_tokens: 0, total_tokens: 15, cost_nano_usd: 100 };
  return [
    ['organizations', { id: org, slug: `org-${org.toLowerCase()}`, name: `Org ${org}`, ...stamps }],
    ['domains', { id: `d-${org}`, ...owned, name: 'd', display_name: 'D', ...stamps }],
    ['instances', { id: `i-${org}`, ...owned, domain_id: `d-${org}`, environment: 'dev', name: 'i', ...stamps }],
    [
      'agents',
      { id: `a-${org}`, ...owned, domain_id: `d-${org}`, name: 'agent', display_name: 'Agent', created_by_user_id: `u-${org}`, ...stamps },
    ],
    ['agent_versions', { id: `v-${org}`, agent_id: `a-${org}`, ...owned, version: '0.1.0', snapshot: '{}', created_at: TIME }],
    ['integration_configs', { id: `c-${org}`, ...owned, domain_id: `d-${org}`, environment: 'dev', integration: 'slack', ...stamps }],
    ['integration_secrets', { integration_config_id: `c-${org}`, secrets: '{}', updated_at: TIME }],
    ['sessions', { id: `s-${org}`, ...owned, agent_id: `a-${org}`, started_at: TIME }],
    [
      'audit_log',
      { ...owned, actor_kind: 'user', action: 'agent.create', resource_type: 'agent', result: 'success', created_at: TIME, hash: 'h' },
    ],
    ['llm_usage', { id: `lu-${org}`, ...owned, agent_id: `a-${org}`, ...usage, created_at: TIME }],
    ['llm_usage_daily', { ...rollup, agent_id: `a-${org}`, user_id: '', api_key_id: '', ...sums }],
    ['llm_usage_model_daily', { ...rollup, ...sums }],
    ['user_roles', { id: `ur-${org}`, user_id: `u-${org}`, role_id: 'r-org', ...owned, created_at: TIME }],
    ['api_keys', { id: `k-${org}`, key_id: `key${org}`, name: 'k', secret_hash: 'x', ...owned, role_id: 'r-org', created_at: TIME }],
    [
      'webhooks',
      {
        id: `wh-${org}`,
        ...owned,
        url: 'https://hooks.example.com/',
        events: '["budget.threshold_crossed"]',
        secret: 's',
        created_at: TIME,
      },
    ],
    [
      'webhook_deliveries',
      {
        id: `wd-${org}`,
        ...owned,
        webhook_id: `wh-${org}`,
        event: 'budget.threshold_crossed',
        body: '{}',
        next_attempt_at: TIME,
        created_at: TIME,
      },
    ],
    [
      'budgets',
      {
        id: `b-${org}`,
        ...owned,
        level: 'API_KEY',
        subject_id: `k-${org}`,
        api_key_id: `k-${org}`,
        period: 'MONTH',
        token_limit: 1000,
        ...stamps,
      },
    ],
  ];
}

/** Rows of no organization: the platform's audit chain, a platform key, a platform-wide grant. */
export const PLATFORM_ROWS: [string, Row][] = [
  [
    'audit_log',
    { actor_kind: 'service', action: 'platform.boot', resource_type: 'platform', result: 'success', created_at: TIME, hash: 'p' },
  ],
  ['api_keys', { id: 'k-platform', key_id: 'keyP', name: 'p', secret_hash: 'x', role_id: 'r-platform', created_at: TIME }],
  ['user_roles', { id: 'ur-platform', user_id: 'u-A', role_id: 'r-platform', created_at: TIME }],
];

/** The whole data set in an order the foreign keys accept. */
export const DATA_SET: [string, Row][] = [...SHARED_ROWS, ...organizationRows('A'), ...organizationRows('B'), ...PLATFORM_ROWS];
