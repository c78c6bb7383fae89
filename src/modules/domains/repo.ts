// SQL for domains: the list spec the access policy filters.

import { sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';
import type { ListSpec } from '../../schema/lists';

export type DomainRow = {
  id: string;
  organization_id: string;
  name: string;
  display_name: string;
  description: string | null;
  version: string;
  created_at: string;
  updated_at: string;
};

export const DOMAINS: ListSpec = {
  resource: 'domain',
  columns: sql`d.*`,
  orderFields: { NAME: sql`d.name`, CREATED_AT: sql`d.created_at`, UPDATED_AT: sql`d.updated_at` },
  defaultOrder: { field: 'NAME', direction: 'ASC' },
};

export type DomainChange = { name: string; displayName: string; description: string | null; version: string; now: string };

export async function insertDomain(db: Tx, domain: DomainChange & { id: string; organizationId: string }): Promise<DomainRow> {
  return (await db.get<DomainRow>(
    `INSERT INTO domains (id, organization_id, name, display_name, description, version, created_at, updated_at)
     VALUES (:id, :organizationId, :name, :displayName, :description, :version, :now, :now) RETURNING *`,
    domain,
  )) as DomainRow;
}

export async function updateDomainRow(db: Tx, id: string, change: DomainChange): Promise<DomainRow> {
  return (await db.get<DomainRow>(
    `UPDATE domains SET name = :name, display_name = :displayName, description = :description, version = :version,
       updated_at = :now WHERE id = :id RETURNING *`,
    { id, ...change },
  )) as DomainRow;
}

export async function domainNameTaken(db: Reader, organizationId: string, name: string, exceptId: string | null): Promise<boolean> {
  return (
    (await db.get(
      sql`SELECT 1 AS taken FROM domains WHERE organization_id = ${organizationId} AND name = ${name}
        AND id ${sql.word('isDifferent')} ${exceptId}`,
    )) !== undefined
  );
}

/** What still lives in a domain: agents and instances block a delete without cascade. */
export async function domainDependents(db: Reader, id: string): Promise<{ agents: number; instances: number }> {
  return (await db.get<{ agents: number; instances: number }>(
    `SELECT (SELECT count(*) FROM agents WHERE domain_id = :id) AS agents,
            (SELECT count(*) FROM instances WHERE domain_id = :id) AS instances`,
    { id },
  )) as { agents: number; instances: number };
}

export async function deleteDomainRow(db: Tx, id: string): Promise<void> {
  await db.run('DELETE FROM domains WHERE id = :id', { id });
}
