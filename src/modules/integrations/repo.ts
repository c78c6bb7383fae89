// SQL for integration configs; secrets live in their own table and are read only by id.
import type { Database } from '../../db/connection';
import { sql } from '../../db/sql';
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
  columns: sql`c.*`,
  orderFields: { INTEGRATION: sql`c.integration`, CREATED_AT: sql`c.created_at`, UPDATED_AT: sql`c.updated_at` },
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

/** Inserts or updates the config of (organization, domain, environment, integration); returns it and whether it was new. */
export function upsertIntegrationConfigRow(
  db: Database,
  config: { id: string; organizationId: string; domainId: string; environment: string; integration: string; config: string; now: string },
): IntegrationConfigRow {
  return db.get<IntegrationConfigRow>(
    `INSERT INTO integration_configs (id, organization_id, domain_id, environment, integration, config, created_at, updated_at)
     VALUES (:id, :organizationId, :domainId, :environment, :integration, :config, :now, :now)
     ON CONFLICT (organization_id, domain_id, environment, integration)
     DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at
     RETURNING *`,
    config,
  ) as IntegrationConfigRow;
}

export function integrationConfigByKey(
  db: Database,
  key: { organizationId: string; domainId: string; environment: string; integration: string },
): IntegrationConfigRow | undefined {
  return db.get<IntegrationConfigRow>(
    `SELECT * FROM integration_configs WHERE organization_id = :organizationId AND domain_id = :domainId
       AND environment = :environment AND integration = :integration`,
    key,
  );
}

export function upsertIntegrationSecrets(db: Database, configId: string, secrets: string, now: string): void {
  db.run(
    `INSERT INTO integration_secrets (integration_config_id, secrets, updated_at) VALUES (:configId, :secrets, :now)
     ON CONFLICT (integration_config_id) DO UPDATE SET secrets = excluded.secrets, updated_at = excluded.updated_at`,
    { configId, secrets, now },
  );
}

export function deleteIntegrationConfigRow(db: Database, id: string): void {
  db.run('DELETE FROM integration_configs WHERE id = :id', { id });
}
