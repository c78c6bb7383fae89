// The names dynamic SQL may interpolate with `sql.ident`: tables, columns and
// the aliases they are read under. `Identifier` is their union, so a misspelt
// name does not compile; a name held in a string passes `identifier` first,
// which refuses any other. test/sql.test.ts checks the tables and columns
// against the migrated schema.

export const TABLES = [
  'organizations',
  'domains',
  'instances',
  'agents',
  'agent_versions',
  'sessions',
  'audit_log',
  'llm_usage',
  'integration_configs',
  'api_keys',
  'budgets',
  'users',
  'webhooks',
  'webhook_deliveries',
] as const;

export const COLUMNS = [
  'id',
  'rowid',
  'organization_id',
  'agent_id',
  'session_id',
  'domain_id',
  'instance_id',
  'user_id',
  'api_key_id',
  'created_by_user_id',
  'created_by_api_key_id',
  'started_by_user_id',
  'started_by_api_key_id',
  'actor_user_id',
  'actor_api_key_id',
  'day',
  'model',
  'provider',
  // Columns a page may leave out when a query asks for none of their fields (ListSpec.projection).
  'name',
  'display_name',
  'description',
  'version',
  'status',
  'environment',
  'tags',
  'config',
  'is_system_agent',
  'published_at',
  'created_at',
  'updated_at',
  'metadata',
  'started_at',
  'ended_at',
  'prompt_tokens',
  'cached_prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost_nano_usd',
  'cost_source',
  'latency_ms',
  'webhook_id',
  'level',
  'subject_id',
  'period',
] as const;

/** Table aliases: each resource's (see the access policy), and those of a resource read inside another's condition. */
export const ALIASES = ['o', 'd', 'i', 'a', 'v', 'v_a', 's', 'l', 'lu', 'c', 'k', 'b', 'u', 'm', 'wh', 'wd'] as const;

export type Identifier = (typeof TABLES)[number] | (typeof COLUMNS)[number] | (typeof ALIASES)[number];

const KNOWN: ReadonlySet<string> = new Set<string>([...TABLES, ...COLUMNS, ...ALIASES]);

export function isIdentifier(name: string): name is Identifier {
  return KNOWN.has(name);
}

/** `name` as an identifier; throws when it is not one of the list. */
export function identifier(name: string): Identifier {
  if (isIdentifier(name)) return name;
  throw new Error(`"${name}" is not a known SQL identifier`);
}
