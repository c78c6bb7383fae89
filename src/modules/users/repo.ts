// SQL for users.

import { conditionsOf, visibleQuery } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import { countRowsPerParent } from '../../db/counts';
import { type Direction, fetchPagesPerParent, idsCondition, type PageRequest, type Sort } from '../../db/keyset';
import { type Sql, sql } from '../../db/sql';
import type { Reader, Tx } from '../../db/store';

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

export async function userByEmail(db: Reader, email: string): Promise<UserRow | undefined> {
  return await db.get<UserRow>('SELECT * FROM users WHERE email = :email', { email });
}

export type NewUser = { id: string; email: string; name: string; passwordHash: string | null; now: string };

export async function insertUser(db: Tx, user: NewUser): Promise<UserRow> {
  return (await db.get<UserRow>(
    `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
     VALUES (:id, :email, :name, :passwordHash, :now, :now) RETURNING *`,
    user,
  )) as UserRow;
}

export async function recordLogin(db: Tx, id: string, now: string): Promise<void> {
  await db.run('UPDATE users SET last_login_at = :now WHERE id = :id', { id, now });
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

export async function insertUserRole(db: Tx, grant: NewUserRole): Promise<void> {
  await db.run(
    `INSERT INTO user_roles (id, user_id, role_id, organization_id, granted_by_user_id, created_at, expires_at)
     VALUES (:id, :userId, :roleId, :organizationId, :grantedByUserId, :now, :expiresAt)`,
    grant,
  );
}

/** A user with the organizations it belongs to (for the object-level policy check). */
export type VisibleUserRow = UserRow & { organization_ids: string };

export async function visibleUsersByIds(db: Reader, principal: Principal, ids: readonly string[]): Promise<VisibleUserRow[]> {
  const q = visibleQuery(principal, 'user');
  return await db.all<VisibleUserRow>(
    sql`SELECT u.*, (SELECT coalesce(${sql.word('jsonGroupArray')}(DISTINCT m.organization_id), '[]') FROM user_roles m
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
const USER_COLUMNS = sql`u.*, (SELECT coalesce(${sql.word('jsonGroupArray')}(DISTINCT r.organization_id), '[]') FROM user_roles r
   WHERE r.user_id = u.id AND r.organization_id IS NOT NULL) AS organization_ids`;

export function memberSort(field: string | undefined, direction: Direction): Sort {
  const key = field && field in MEMBER_ORDER ? field : 'NAME';
  return { key: `members|${key}:${direction}`, expression: MEMBER_ORDER[key] as Sql, idExpression: USER_ID, direction };
}

/** The visible members (users holding a role) of several organizations, one page each, in one statement. */
export async function visibleMembersPerOrganization(
  db: Reader,
  principal: Principal,
  organizationIds: readonly string[],
  sort: Sort,
  page: PageRequest,
  now: string,
) {
  const q = visibleQuery(principal, 'user');
  const query = { columns: USER_COLUMNS, from: memberships(now), where: [conditionsOf(q)], parentExpression: MEMBER_ORGANIZATION };
  return await fetchPagesPerParent<VisibleUserRow>(db, query, organizationIds, sort, page);
}

export async function countVisibleMembersPerOrganization(
  db: Reader,
  principal: Principal,
  organizationIds: readonly string[],
  now: string,
) {
  const q = visibleQuery(principal, 'user');
  const query = { from: memberships(now), where: [conditionsOf(q)], parentExpression: MEMBER_ORGANIZATION };
  return await countRowsPerParent(db, query, organizationIds);
}

export async function userRoleExists(db: Reader, userId: string, roleId: string, organizationId: string | null): Promise<boolean> {
  return (
    (await db.get(
      sql`SELECT 1 AS found FROM user_roles
           WHERE user_id = ${userId} AND role_id = ${roleId} AND organization_id ${sql.word('isSame')} ${organizationId}`,
    )) !== undefined
  );
}

export async function deleteUserRole(db: Tx, userId: string, roleId: string, organizationId: string | null): Promise<boolean> {
  return (
    (
      await db.run(
        sql`DELETE FROM user_roles
             WHERE user_id = ${userId} AND role_id = ${roleId} AND organization_id ${sql.word('isSame')} ${organizationId}`,
      )
    ).changes > 0
  );
}

export async function rolesOfMember(db: Reader, userId: string, organizationId: string): Promise<string[]> {
  return (
    await db.all<{ role_id: string }>(
      'SELECT role_id FROM user_roles WHERE user_id = :userId AND organization_id = :organizationId ORDER BY role_id',
      {
        userId,
        organizationId,
      },
    )
  ).map((row) => row.role_id);
}

/** Removes a member: every role in the organization, and the member's keys there are revoked. Returns the revoked key ids. */
export async function removeMembership(db: Tx, userId: string, organizationId: string, now: string): Promise<string[]> {
  await db.run('DELETE FROM user_roles WHERE user_id = :userId AND organization_id = :organizationId', { userId, organizationId });
  return (
    await db.all<{ id: string }>(
      `UPDATE api_keys SET revoked_at = :now
        WHERE user_id = :userId AND organization_id = :organizationId AND revoked_at IS NULL RETURNING id`,
      { userId, organizationId, now },
    )
  ).map((row) => row.id);
}
