// SQL for organizations; every read goes through the access policy's predicate.

import { conditionsOf, narrowed, visibleQuery } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import { countRows } from '../../db/counts';
import { fetchPage, idsCondition, type PageRequest, type Sort } from '../../db/keyset';
import { sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';

export type OrganizationRow = {
  id: string;
  slug: string;
  name: string;
  tier: 'free' | 'pro' | 'enterprise';
  settings: string;
  created_at: string;
  updated_at: string;
};

const ALL_COLUMNS = sql`o.*`;

/** What organizations are ordered by, by the values of the OrganizationOrderField enum. */
export const ORGANIZATION_ORDER = {
  'o.name': sql`o.name`,
  'o.slug': sql`o.slug`,
  'o.created_at': sql`o.created_at`,
  'o.updated_at': sql`o.updated_at`,
};
export const ORGANIZATION_ID = sql`o.id`;

export async function visibleOrganizationsPage(db: Reader, principal: Principal, sort: Sort, page: PageRequest) {
  return await fetchPage<OrganizationRow>(db, { columns: ALL_COLUMNS, ...visibleQuery(principal, 'organization') }, sort, page);
}

export async function countVisibleOrganizations(db: Reader, principal: Principal): Promise<number> {
  return await countRows(db, visibleQuery(principal, 'organization'));
}

export async function visibleOrganizationsByIds(db: Reader, principal: Principal, ids: readonly string[]): Promise<OrganizationRow[]> {
  const q = visibleQuery(principal, 'organization');
  return await db.all<OrganizationRow>(sql`SELECT o.* FROM ${q.from} WHERE ${idsCondition(sql`o.id`, ids)} AND ${conditionsOf(q)}`);
}

export async function visibleOrganizationBySlug(db: Reader, principal: Principal, slug: string): Promise<OrganizationRow | undefined> {
  const q = visibleQuery(principal, 'organization');
  return await db.get<OrganizationRow>(sql`SELECT o.* FROM ${q.from} WHERE o.slug = ${slug} AND ${conditionsOf(q)}`);
}

/** Any organization by slug, visible or not: for the CLI and for resolving arguments before a policy check. */
export async function organizationBySlug(db: Reader, slug: string): Promise<OrganizationRow | undefined> {
  return await db.get<OrganizationRow>('SELECT * FROM organizations WHERE slug = :slug', { slug });
}

/** Visible organizations in which the principal holds some permission (all visible ones with a platform grant). */
function memberQuery(principal: Principal) {
  const q = visibleQuery(principal, 'organization');
  if (principal.grants.platform.size > 0) return q;
  return narrowed(q, [
    sql`o.id IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify([...principal.grants.byOrganization.keys()])}))`,
  ]);
}

export async function memberOrganizationsPage(db: Reader, principal: Principal, sort: Sort, page: PageRequest) {
  return await fetchPage<OrganizationRow>(db, { columns: ALL_COLUMNS, ...memberQuery(principal) }, sort, page);
}

export async function countMemberOrganizations(db: Reader, principal: Principal): Promise<number> {
  return await countRows(db, memberQuery(principal));
}

export async function organizationById(db: Reader, id: string): Promise<OrganizationRow | undefined> {
  return await db.get<OrganizationRow>('SELECT * FROM organizations WHERE id = :id', { id });
}

export async function insertOrganization(
  db: Tx,
  org: { id: string; slug: string; name: string; tier: string; settings: string; now: string },
): Promise<OrganizationRow> {
  return (await db.get<OrganizationRow>(
    `INSERT INTO organizations (id, slug, name, tier, settings, created_at, updated_at)
     VALUES (:id, :slug, :name, :tier, :settings, :now, :now) RETURNING *`,
    org,
  )) as OrganizationRow;
}

export async function updateOrganizationRow(
  db: Tx,
  id: string,
  change: { name: string; tier: string; settings: string; now: string },
): Promise<OrganizationRow> {
  return (await db.get<OrganizationRow>(
    'UPDATE organizations SET name = :name, tier = :tier, settings = :settings, updated_at = :now WHERE id = :id RETURNING *',
    { id, ...change },
  )) as OrganizationRow;
}

export async function deleteOrganizationRow(db: Tx, id: string): Promise<void> {
  await db.run('DELETE FROM organizations WHERE id = :id', { id });
}
