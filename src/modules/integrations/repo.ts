// SQL for integration configs; secrets live in their own table and are read only by id.
import type { Database } from '../../db/connection';
import type { ListSpec } from '../../schema/lists';

export type IntegrationConfigRow = {
  id: string;
  organization_id: string;
  domain_id: string;
  environment: 'dev' | 'staging' | 'prod';
  integration: string;
  config: string;
  created_at: string;
  updated_at: string;
};

export const INTEGRATION_CONFIGS: ListSpec = {
  resource: 'integrationConfig',
  columns: 'c.*',
  orderFields: { INTEGRATION: 'c.integration', CREATED_AT: 'c.created_at', UPDATED_AT: 'c.updated_at' },
  defaultOrder: { field: 'INTEGRATION', direction: 'ASC' },
};

/** The secrets of configs the caller has already loaded through the policy, by config id. */
export function secretsOfConfigs(db: Database, configIds: readonly string[]): Map<string, string> {
  const rows = db.all<{ integration_config_id: string; secrets: string }>(
    'SELECT integration_config_id, secrets FROM integration_secrets WHERE integration_config_id IN (SELECT value FROM json_each(:ids))',
    { ids: JSON.stringify(configIds) },
  );
  return new Map(rows.map((row) => [row.integration_config_id, row.secrets]));
}
