// The rule that no grant exceeds the granter: a role (for a user or a key)
// may only be given by a principal holding every permission of that role
// where it applies, and platform and service roles only by a platform_owner.

import { permissionCodesOfRole } from '../auth/credentials';
import { isPermission, type Permission } from '../auth/permissions';
import { type RoleRow, roleByName } from '../modules/roles/repo';
import type { AuthenticatedContext, AuthenticatedReadingContext } from './context';
import { BadUserInputError } from './errors';
import { DeniedError } from './write';

/** The role a name gives, or BAD_USER_INPUT naming the field. */
export async function roleForInput(context: AuthenticatedContext, name: string, field: string): Promise<RoleRow> {
  const role = await roleByName(context.db, name);
  if (!role) throw new BadUserInputError(`${field}: not a role.`, field);
  return role;
}

/** Throws DeniedError unless the principal may give `role` in `organizationId` (null: platform-wide). */
export async function requireGrantable(
  context: AuthenticatedReadingContext,
  role: RoleRow,
  organizationId: string | null,
  resourceId: string | null,
): Promise<void> {
  const principal = context.principal;
  if (role.level !== 'org' && !principal.isPlatformOwner) {
    throw new DeniedError(`Not allowed: only a platform_owner gives the ${role.level} role ${role.name}.`, organizationId, resourceId);
  }
  const holds = (code: Permission) =>
    organizationId === null ? principal.grants.platform.has(code) : principal.grants.holds(code, organizationId);
  const missing = (await permissionCodesOfRole(context.db, role.id)).filter((code) => !coveringCodes(code).some(holds));
  if (missing.length > 0) {
    throw new DeniedError(
      `Not allowed: the role ${role.name} holds permissions the caller does not (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}).`,
      organizationId,
      resourceId,
    );
  }
}

/**
 * The permissions that include `code`: itself, and the wider scopes of the
 * same action (agent:update:self is covered by agent:update:org, which is
 * covered by agent:update:platform).
 */
export function coveringCodes(code: string): Permission[] {
  if (code.endsWith(':self')) {
    const base = code.slice(0, -':self'.length);
    return [code, `${base}:org`, `${base}:platform`].filter(isPermission);
  }
  if (code.endsWith(':org')) return [code, `${code.slice(0, -':org'.length)}:platform`].filter(isPermission);
  return [code].filter(isPermission);
}
