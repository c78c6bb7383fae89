// SQL for integration configs; secrets live in their own table, sealed (src/secrets/box.ts), and are read only by id.

import { sql } from '../../db/sql';
import { jsonValues, type Reader, type Tx } from '../../db/store';
import type { ListSpec } from '../../schema/lists';
import type { SecretBox } from '../../secrets/box';

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

type SecretsRow = { integration_config_id: string; secrets: string };

/** The secrets (opened: JSON text) of configs the caller has already loaded through the policy, by config id. */
export async function secretsOfConfigs(db: Reader, box: SecretBox, configIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.all<SecretsRow>(
    `SELECT integration_config_id, secrets FROM integration_secrets WHERE integration_config_id IN (SELECT value FROM ${jsonValues(db)}(:ids))`,
    { ids: JSON.stringify(configIds) },
  );
  return new Map(rows.map((row) => [row.integration_config_id, box.open(row.secrets, row.integration_config_id)]));
}

/** Inserts or updates the config of (organization, domain, environment, integration); returns it and whether it was new. */
export async function upsertIntegrationConfigRow(
  db: Tx,
  config: { id: string; organizationId: string; domainId: string; environment: string; integration: string; config: string; now: string },
): Promise<IntegrationConfigRow> {
  return (await db.get<IntegrationConfigRow>(
    `INSERT INTO integration_configs (id, organization_id, domain_id, environment, integration, config, created_at, updated_at)
     VALUES (:id, :organizationId, :domainId, :environment, :integration, :config, :now, :now)
     ON CONFLICT (organization_id, domain_id, environment, integration)
     DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at
     RETURNING *`,
    config,
  )) as IntegrationConfigRow;
}

export async function integrationConfigByKey(
  db: Reader,
  key: { organizationId: string; domainId: string; environment: string; integration: string },
): Promise<IntegrationConfigRow | undefined> {
  return await db.get<IntegrationConfigRow>(
    `SELECT * FROM integration_configs WHERE organization_id = :organizationId AND domain_id = :domainId
       AND environment = :environment AND integration = :integration`,
    key,
  );
}

/** Stores `secrets` (JSON text) sealed under the box's key, bound to the config's id. */
export async function upsertIntegrationSecrets(db: Tx, box: SecretBox, configId: string, secrets: string, now: string): Promise<void> {
  await db.run(
    `INSERT INTO integration_secrets (integration_config_id, secrets, updated_at) VALUES (:configId, :secrets, :now)
     ON CONFLICT (integration_config_id) DO UPDATE SET secrets = excluded.secrets, updated_at = excluded.updated_at`,
    { configId, secrets: box.seal(secrets, configId), now },
  );
}

export async function deleteIntegrationConfigRow(db: Tx, id: string): Promise<void> {
  await db.run('DELETE FROM integration_configs WHERE id = :id', { id });
}
