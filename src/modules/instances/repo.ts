// SQL for instances: the list spec and the filter the access policy's rows are narrowed by.
import type { Database } from '../../db/connection';
import { sql } from '../../db/sql';
import { FilterBuilder } from '../../schema/filters';
import type { ListSpec, Narrowing } from '../../schema/lists';

export type InstanceRow = {
  id: string;
  organization_id: string;
  domain_id: string;
  environment: 'dev' | 'staging' | 'prod';
  name: string;
  status: 'provisioning' | 'running' | 'stopped' | 'failed';
  config: string;
  created_at: string;
  updated_at: string;
};

export const INSTANCES: ListSpec = {
  resource: 'instance',
  columns: sql`i.*`,
  orderFields: { NAME: sql`i.name`, CREATED_AT: sql`i.created_at`, UPDATED_AT: sql`i.updated_at` },
  defaultOrder: { field: 'CREATED_AT', direction: 'ASC' },
};

export type InstanceFilter = { environment?: string | null; status?: string | null };

export function instanceFilter(filter: InstanceFilter | null | undefined): Narrowing {
  return new FilterBuilder()
    .add(filter?.environment, (value) => sql`i.environment = ${value}`)
    .add(filter?.status, (value) => sql`i.status = ${value}`)
    .build();
}

export type InstanceChange = { name: string; status: string; config: string; now: string };

export function insertInstance(
  db: Database,
  instance: InstanceChange & { id: string; organizationId: string; domainId: string; environment: string },
): InstanceRow {
  return db.get<InstanceRow>(
    `INSERT INTO instances (id, organization_id, domain_id, environment, name, status, config, created_at, updated_at)
     VALUES (:id, :organizationId, :domainId, :environment, :name, :status, :config, :now, :now) RETURNING *`,
    instance,
  ) as InstanceRow;
}

export function updateInstanceRow(db: Database, id: string, change: InstanceChange): InstanceRow {
  return db.get<InstanceRow>(
    'UPDATE instances SET name = :name, status = :status, config = :config, updated_at = :now WHERE id = :id RETURNING *',
    { id, ...change },
  ) as InstanceRow;
}

export function instanceNameTaken(db: Database, domainId: string, environment: string, name: string, exceptId: string | null): boolean {
  return (
    db.get(
      'SELECT 1 AS taken FROM instances WHERE domain_id = :domainId AND environment = :environment AND name = :name AND id IS NOT :exceptId',
      { domainId, environment, name, exceptId },
    ) !== undefined
  );
}

export function deleteInstanceRow(db: Database, id: string): void {
  db.run('DELETE FROM instances WHERE id = :id', { id });
}
