// SQL for roles and the permission catalogue (what authentication reads of grants is in src/auth/credentials.ts).

import { countRows, countRowsPerParent } from '../../db/counts';
import { fetchPage, fetchPagesPerParent, type PageRequest, type Sort } from '../../db/keyset';
import { sql } from '../../db/sql';
import { jsonValues, type Reader } from '../../db/store';

export type RoleRow = {
  id: string;
  name: string;
  level: 'platform' | 'org' | 'service';
  is_system: number;
  description: string;
  created_at: string;
};
export type PermissionRow = { code: string; resource: string; action: string; scope: string; description: string };

export async function roleByName(db: Reader, name: string): Promise<RoleRow | undefined> {
  return await db.get<RoleRow>('SELECT * FROM roles WHERE name = :name', { name });
}

export async function rolesByIds(db: Reader, ids: readonly string[]): Promise<RoleRow[]> {
  return await db.all<RoleRow>(`SELECT * FROM roles WHERE id IN (SELECT value FROM ${jsonValues(db)}(:ids))`, { ids: JSON.stringify(ids) });
}

export async function permissionsByCodes(db: Reader, codes: readonly string[]): Promise<PermissionRow[]> {
  return await db.all<PermissionRow>(`SELECT * FROM permissions WHERE code IN (SELECT value FROM ${jsonValues(db)}(:codes))`, {
    codes: JSON.stringify(codes),
  });
}

/** What roles and permissions are ordered by, by the values of the RoleOrderField and PermissionOrderField enums. */
export const ROLE_ORDER = { 'r.name': sql`r.name`, 'r.created_at': sql`r.created_at` };
export const ROLE_ID = sql`r.id`;
export const PERMISSION_ORDER = { 'p.code': sql`p.code`, 'p.resource': sql`p.resource` };
export const PERMISSION_CODE = PERMISSION_ORDER['p.code'];

const ROLES = { columns: sql`r.*`, from: sql`roles r`, where: [] };
const PERMISSIONS = { columns: sql`p.*, p.code AS id`, from: sql`permissions p`, where: [] };

export async function rolesPage(db: Reader, sort: Sort, page: PageRequest) {
  return await fetchPage<RoleRow>(db, ROLES, sort, page);
}

export async function countRoles(db: Reader): Promise<number> {
  return await countRows(db, ROLES);
}

export async function permissionsPage(db: Reader, sort: Sort, page: PageRequest) {
  return await fetchPage<PermissionRow & { id: string }>(db, PERMISSIONS, sort, page);
}

export async function countPermissions(db: Reader): Promise<number> {
  return await countRows(db, PERMISSIONS);
}

const ROLE_PERMISSIONS = {
  columns: PERMISSIONS.columns,
  from: sql`role_permissions rp JOIN permissions p ON p.code = rp.permission_code`,
  where: [],
  parentExpression: sql`rp.role_id`,
};

export async function permissionsPerRolePages(db: Reader, roleIds: readonly string[], sort: Sort, page: PageRequest) {
  return await fetchPagesPerParent<PermissionRow & { id: string }>(db, ROLE_PERMISSIONS, roleIds, sort, page);
}

export async function countPermissionsPerRole(db: Reader, roleIds: readonly string[]): Promise<Map<string, number>> {
  return await countRowsPerParent(db, ROLE_PERMISSIONS, roleIds);
}
