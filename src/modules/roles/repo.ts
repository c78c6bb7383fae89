// SQL for roles and the permission catalogue (what authentication reads of grants is in src/auth/credentials.ts).
import type { Database } from '../../db/connection';
import { countRows, countRowsPerParent } from '../../db/counts';
import { fetchPage, fetchPagesPerParent, type PageRequest, type Sort } from '../../db/keyset';
import { sql } from '../../db/sql';

export type RoleRow = {
  id: string;
  name: string;
  level: 'platform' | 'org' | 'service';
  is_system: number;
  description: string;
  created_at: string;
};
export type PermissionRow = { code: string; resource: string; action: string; scope: string; description: string };

export function roleByName(db: Database, name: string): RoleRow | undefined {
  return db.get<RoleRow>('SELECT * FROM roles WHERE name = :name', { name });
}

export function rolesByIds(db: Database, ids: readonly string[]): RoleRow[] {
  return db.all<RoleRow>('SELECT * FROM roles WHERE id IN (SELECT value FROM json_each(:ids))', { ids: JSON.stringify(ids) });
}

export function permissionsByCodes(db: Database, codes: readonly string[]): PermissionRow[] {
  return db.all<PermissionRow>('SELECT * FROM permissions WHERE code IN (SELECT value FROM json_each(:codes))', {
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

export function rolesPage(db: Database, sort: Sort, page: PageRequest) {
  return fetchPage<RoleRow>(db, ROLES, sort, page);
}

export function countRoles(db: Database): number {
  return countRows(db, ROLES);
}

export function permissionsPage(db: Database, sort: Sort, page: PageRequest) {
  return fetchPage<PermissionRow & { id: string }>(db, PERMISSIONS, sort, page);
}

export function countPermissions(db: Database): number {
  return countRows(db, PERMISSIONS);
}

const ROLE_PERMISSIONS = {
  columns: PERMISSIONS.columns,
  from: sql`role_permissions rp JOIN permissions p ON p.code = rp.permission_code`,
  where: [],
  parentExpression: sql`rp.role_id`,
};

export function permissionsPerRolePages(db: Database, roleIds: readonly string[], sort: Sort, page: PageRequest) {
  return fetchPagesPerParent<PermissionRow & { id: string }>(db, ROLE_PERMISSIONS, roleIds, sort, page);
}

export function countPermissionsPerRole(db: Database, roleIds: readonly string[]): Map<string, number> {
  return countRowsPerParent(db, ROLE_PERMISSIONS, roleIds);
}
