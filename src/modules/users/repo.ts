// SQL for users.

import { conditionsOf, visibleQuery } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import type { Database } from '../../db/connection';
import { countRowsPerParent } from '../../db/counts';
import { type Direction, fetchPagesPerParent, idsCondition, type PageRequest, type Sort } from '../../db/keyset';
import { type Sql, sql } from '../../db/sql';

export type UserRow = {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_active: number;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
};

export function userByEmail(db: Database, email: string): UserRow | undefined {
  return db.get<UserRow>('SELECT * FROM users WHERE email = :email', { email });
}

export type NewUser = { id: string; email: string; name: string; passwordHash: string | null; now: string };

export function insertUser(db: Database, user: NewUser): UserRow {
  return db.get<UserRow>(
    `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
     VALUES (:id, :email, :name, :passwordHash, :now, :now) RETURNING *`,
    user,
  ) as UserRow;
}

export function recordLogin(db: Database, id: string, now: string): void {
  db.run('UPDATE users SET last_login_at = :now WHERE id = :id', { id, now });
}

export type NewUserRole = {
  id: string;
  userId: string;
  roleId: string;
  organizationId: string | null;
  grantedByUserId: string | null;
  now: string;
  expiresAt: string | null;
};

export function insertUserRole(db: Database, grant: NewUserRole): void {
  db.run(
    `INSERT INTO user_roles (id, user_id, role_id, organization_id, granted_by_user_id, created_at, expires_at)
     VALUES (:id, :userId, :roleId, :organizationId, :grantedByUserId, :now, :expiresAt)`,
    grant,
  );
}

/** A user with the organizations it belongs to (for the object-level policy check). */
export type VisibleUserRow = UserRow & { organization_ids: string };

export function visibleUsersByIds(db: Database, principal: Principal, ids: readonly string[]): VisibleUserRow[] {
  const q = visibleQuery(principal, 'user');
  return db.all<VisibleUserRow>(
    sql`SELECT u.*, (SELECT json_group_array(DISTINCT m.organization_id) FROM user_roles m
                   WHERE m.user_id = u.id AND m.organization_id IS NOT NULL) AS organization_ids
       FROM ${q.from} WHERE ${idsCondition(USER_ID, ids)} AND ${conditionsOf(q)}`,
  );
}

const USER_ID = sql`u.id`;
const MEMBER_ORDER: Record<string, Sql> = { NAME: sql`u.name`, EMAIL: sql`u.email`, CREATED_AT: sql`u.created_at` };
export const MEMBER_ORDER_FIELDS = Object.keys(MEMBER_ORDER);

/** Users holding an unexpired role in an organization, once per organization. */
const memberships = (now: string) => sql`(SELECT DISTINCT user_id, organization_id FROM user_roles
   WHERE organization_id IS NOT NULL AND (expires_at IS NULL OR expires_at > ${now})) m JOIN users u ON u.id = m.user_id`;
const MEMBER_ORGANIZATION = sql`m.organization_id`;
const USER_COLUMNS = sql`u.*, (SELECT json_group_array(DISTINCT r.organization_id) FROM user_roles r
   WHERE r.user_id = u.id AND r.organization_id IS NOT NULL) AS organization_ids`;

export function memberSort(field: string | undefined, direction: Direction): Sort {
  const key = field && field in MEMBER_ORDER ? field : 'NAME';
  return { key: `members|${key}:${direction}`, expression: MEMBER_ORDER[key] as Sql, idExpression: USER_ID, direction };
}

/** The visible members (users holding a role) of several organizations, one page each, in one statement. */
export function visibleMembersPerOrganization(
  db: Database,
  principal: Principal,
  organizationIds: readonly string[],
  sort: Sort,
  page: PageRequest,
  now: string,
) {
  const q = visibleQuery(principal, 'user');
  const query = { columns: USER_COLUMNS, from: memberships(now), where: [conditionsOf(q)], parentExpression: MEMBER_ORGANIZATION };
  return fetchPagesPerParent<VisibleUserRow>(db, query, organizationIds, sort, page);
}

export function countVisibleMembersPerOrganization(db: Database, principal: Principal, organizationIds: readonly string[], now: string) {
  const q = visibleQuery(principal, 'user');
  const query = { from: memberships(now), where: [conditionsOf(q)], parentExpression: MEMBER_ORGANIZATION };
  return countRowsPerParent(db, query, organizationIds);
}

export function userRoleExists(db: Database, userId: string, roleId: string, organizationId: string | null): boolean {
  return (
    db.get('SELECT 1 AS found FROM user_roles WHERE user_id = :userId AND role_id = :roleId AND organization_id IS :organizationId', {
      userId,
      roleId,
      organizationId,
    }) !== undefined
  );
}

export function deleteUserRole(db: Database, userId: string, roleId: string, organizationId: string | null): boolean {
  return (
    db.run('DELETE FROM user_roles WHERE user_id = :userId AND role_id = :roleId AND organization_id IS :organizationId', {
      userId,
      roleId,
      organizationId,
    }).changes > 0
  );
}

export function rolesOfMember(db: Database, userId: string, organizationId: string): string[] {
  return db
    .all<{ role_id: string }>(
      'SELECT role_id FROM user_roles WHERE user_id = :userId AND organization_id = :organizationId ORDER BY role_id',
      {
        userId,
        organizationId,
      },
    )
    .map((row) => row.role_id);
}

/** Removes a member: every role in the organization, and the member's keys there are revoked. Returns the revoked key ids. */
export function removeMembership(db: Database, userId: string, organizationId: string, now: string): string[] {
  db.run('DELETE FROM user_roles WHERE user_id = :userId AND organization_id = :organizationId', { userId, organizationId });
  return db
    .all<{ id: string }>(
      `UPDATE api_keys SET revoked_at = :now
        WHERE user_id = :userId AND organization_id = :organizationId AND revoked_at IS NULL RETURNING id`,
      { userId, organizationId, now },
    )
    .map((row) => row.id);
}
