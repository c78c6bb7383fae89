// SQL for roles and the permission catalogue (what authentication reads of grants is in src/auth/credentials.ts).
import type { Database } from '../../db/connection';
import { countRows, countRowsPerParent } from '../../db/counts';
import { fetchPage, fetchPagesPerParent, type PageRequest, type Sort } from '../../db/keyset';

export type RoleRow = { id: string; name: string; level: 'platform' | 'org' | 'service'; is_system: number; description: string; created_at: string };
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

export function rolesPage(db: Database, sort: Sort, page: PageRequest) {
  return fetchPage<RoleRow>(db, { columns: 'r.*', from: 'roles r', where: [], params: {} }, sort, page);
}

export function countRoles(db: Database): number {
  return countRows(db, { from: 'roles r', where: [], params: {} });
}

export function permissionsPage(db: Database, sort: Sort, page: PageRequest) {
  return fetchPage<PermissionRow & { id: string }>(
    db,
    { columns: 'p.*, p.code AS id', from: 'permissions p', where: [], params: {} },
    sort,
    page,
  );
}

export function countPermissions(db: Database): number {
  return countRows(db, { from: 'permissions p', where: [], params: {} });
}

const ROLE_PERMISSIONS = {
  columns: 'p.*, p.code AS id',
  from: 'role_permissions rp JOIN permissions p ON p.code = rp.permission_code',
  where: [] as string[],
  params: {},
  parentExpression: 'rp.role_id',
};

export function permissionsPerRolePages(db: Database, roleIds: readonly string[], sort: Sort, page: PageRequest) {
  return fetchPagesPerParent<PermissionRow & { id: string }>(db, ROLE_PERMISSIONS, roleIds, sort, page);
}

export function countPermissionsPerRole(db: Database, roleIds: readonly string[]): Map<string, number> {
  return countRowsPerParent(db, ROLE_PERMISSIONS, roleIds);
}
