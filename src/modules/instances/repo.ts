// SQL for instances: the list spec and the filter the access policy's rows are narrowed by.

import { sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';
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

export async function insertInstance(
  db: Tx,
  instance: InstanceChange & { id: string; organizationId: string; domainId: string; environment: string },
): Promise<InstanceRow> {
  return (await db.get<InstanceRow>(
    `INSERT INTO instances (id, organization_id, domain_id, environment, name, status, config, created_at, updated_at)
     VALUES (:id, :organizationId, :domainId, :environment, :name, :status, :config, :now, :now) RETURNING *`,
    instance,
  )) as InstanceRow;
}

export async function updateInstanceRow(db: Tx, id: string, change: InstanceChange): Promise<InstanceRow> {
  return (await db.get<InstanceRow>(
    'UPDATE instances SET name = :name, status = :status, config = :config, updated_at = :now WHERE id = :id RETURNING *',
    { id, ...change },
  )) as InstanceRow;
}

export async function instanceNameTaken(
  db: Reader,
  domainId: string,
  environment: string,
  name: string,
  exceptId: string | null,
): Promise<boolean> {
  return (
    (await db.get(
      sql`SELECT 1 AS taken FROM instances WHERE domain_id = ${domainId} AND environment = ${environment} AND name = ${name}
        AND id ${sql.word('isDifferent')} ${exceptId}`,
    )) !== undefined
  );
}

export async function deleteInstanceRow(db: Tx, id: string): Promise<void> {
  await db.run('DELETE FROM instances WHERE id = :id', { id });
}
