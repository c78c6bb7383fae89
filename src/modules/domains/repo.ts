// SQL for domains: the list spec the access policy filters.
import type { Database } from '../../db/connection';
import { sql } from '../../db/sql';
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

export function insertDomain(db: Database, domain: DomainChange & { id: string; organizationId: string }): DomainRow {
  return db.get<DomainRow>(
    `INSERT INTO domains (id, organization_id, name, display_name, description, version, created_at, updated_at)
     VALUES (:id, :organizationId, :name, :displayName, :description, :version, :now, :now) RETURNING *`,
    domain,
  ) as DomainRow;
}

export function updateDomainRow(db: Database, id: string, change: DomainChange): DomainRow {
  return db.get<DomainRow>(
    `UPDATE domains SET name = :name, display_name = :displayName, description = :description, version = :version,
       updated_at = :now WHERE id = :id RETURNING *`,
    { id, ...change },
  ) as DomainRow;
}

export function domainNameTaken(db: Database, organizationId: string, name: string, exceptId: string | null): boolean {
  return (
    db.get('SELECT 1 AS taken FROM domains WHERE organization_id = :organizationId AND name = :name AND id IS NOT :exceptId', {
      organizationId,
      name,
      exceptId,
    }) !== undefined
  );
}

/** What still lives in a domain: agents and instances block a delete without cascade. */
export function domainDependents(db: Database, id: string): { agents: number; instances: number } {
  return db.get<{ agents: number; instances: number }>(
    `SELECT (SELECT count(*) FROM agents WHERE domain_id = :id) AS agents,
            (SELECT count(*) FROM instances WHERE domain_id = :id) AS instances`,
    { id },
  ) as { agents: number; instances: number };
}

export function deleteDomainRow(db: Database, id: string): void {
  db.run('DELETE FROM domains WHERE id = :id', { id });
}
