// Members: inviteUser, assignRole, revokeRole, removeMember. No grant exceeds the granter.
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../auth/tokens';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import type { AuthenticatedContext, AuthenticatedReadingContext } from '../../schema/context';
import { BadUserInputError, ConflictError, NotFoundError } from '../../schema/errors';
import { requireGrantable, roleForInput } from '../../schema/grantRules';
import { idOf } from '../../schema/ids';
import { displayName, email, password } from '../../schema/validation';
import { audited, organizationForWrite, requirePermission } from '../../schema/write';
import type { RoleRow } from '../roles/repo';
import {
  deleteUserRole,
  insertUser,
  insertUserRole,
  removeMembership,
  rolesOfMember,
  userByEmail,
  userRoleExists,
  type VisibleUserRow,
  visibleUsersByIds,
} from './repo';
import { User } from './types';

const InviteUserInput = builder.inputType('InviteUserInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    email: t.field({ type: 'EmailAddress', required: true, validate: email }),
    name: t.string({
      description:
        'Required. The name a new user gets; a person who already has an account keeps their own (the answer is the same either way).',
      validate: displayName,
    }),
    role: t.string({ required: true, description: 'The role to give in the organization, e.g. org_developer.' }),
    password: t.string({
      description: 'For a new user: at least 12 characters. Without one the user cannot log in yet.',
      validate: password,
    }),
  }),
});

const RoleGrantInput = builder.inputType('RoleGrantInput', {
  fields: (t) => ({
    userId: t.id({ required: true }),
    role: t.string({ required: true }),
    organizationId: t.id({ description: 'Left out for a platform role (platform_owner only).' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the grant lapses (assignRole only).' }),
  }),
});

const RemoveMemberInput = builder.inputType('RemoveMemberInput', {
  fields: (t) => ({ organizationId: t.id({ required: true }), userId: t.id({ required: true }) }),
});

const MemberPayload = builder.objectRef<{ userId: string; created?: boolean; revokedApiKeys?: number }>('MemberPayload').implement({
  fields: (t) => ({
    user: t.field({ type: User, nullable: true, resolve: (payload) => payload.userId }),
    created: t.boolean({
      description: 'inviteUser: true once the membership is made, whether or not the person already had an account.',
      deprecationReason: 'Always true after inviteUser: whether an email has an account elsewhere is not told to another organization.',
      resolve: (payload) => payload.created ?? false,
    }),
    revokedApiKeys: t.int({
      description: "removeMember: the member's keys in the organization that were revoked.",
      resolve: (payload) => payload.revokedApiKeys ?? 0,
    }),
  }),
});

/** The user a global id names, as the caller may see it; NOT_FOUND otherwise. */
async function visibleUser(context: AuthenticatedReadingContext, globalId: string, field: string): Promise<VisibleUserRow> {
  const [user] = await visibleUsersByIds(context.db, context.principal, [idOf(globalId, 'User', field)]);
  if (!user) throw new NotFoundError('User');
  return user;
}

/** Where a role applies: org roles need an organization, platform roles none; service roles are for keys only. */
async function scopeOfGrant(
  context: AuthenticatedContext,
  role: RoleRow,
  organizationGlobalId: string | null | undefined,
): Promise<string | null> {
  if (role.level === 'service') throw new BadUserInputError(`input.role: ${role.name} is a service role, for API keys only.`, 'input.role');
  if (role.level === 'platform') {
    if (organizationGlobalId)
      throw new BadUserInputError(`input.organizationId: ${role.name} is platform-wide; leave organizationId out.`, 'input.organizationId');
    return null;
  }
  if (!organizationGlobalId)
    throw new BadUserInputError(`input.organizationId: ${role.name} is given in an organization.`, 'input.organizationId');
  return await organizationForWrite(context, organizationGlobalId, 'input.organizationId');
}

/** A role grant's input, its role and where it applies, checked before anything runs. */
async function grantOf(context: AuthenticatedContext, input: typeof RoleGrantInput.$inferInput) {
  const role = await roleForInput(context, input.role, 'input.role');
  return { input, role, organizationId: await scopeOfGrant(context, role, input.organizationId) };
}

/** user:update in the organization; platform grants are the platform_owner's alone (checked by requireGrantable). */
function requireUserAdmin(context: AuthenticatedReadingContext, organizationId: string | null, userId: string): void {
  if (organizationId !== null) requirePermission(context, 'user:update', organizationId, userId);
}

builder.mutationFields((t) => ({
  inviteUser: t.authField({
    type: MemberPayload,
    nullable: true,
    description: 'Adds a person to an organization with a role, creating the user when the email is new. Needs user:invite.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: InviteUserInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const organizationId = await organizationForWrite(context, input.organizationId, 'input.organizationId');
      const role = await roleForInput(context, input.role, 'input.role');
      if (role.level !== 'org') throw new BadUserInputError(`input.role: ${role.name} is not an organization role.`, 'input.role');
      // Asked of every invitation, not only for a new email: an answer that differed would tell whether the address
      // has an account in another organization.
      if (!input.name) throw new BadUserInputError('input.name: needed to invite a person.', 'input.name');
      const name = input.name;
      const passwordHash = input.password ? await hashPassword(input.password, context.config.bcryptCost) : null;
      return await audited(context, 'member.invite', 'user', async (context) => {
        requirePermission(context, 'user:invite', organizationId, null);
        await requireGrantable(context, role, organizationId, null);
        const now = isoNow();
        const user =
          (await userByEmail(context.db, input.email)) ??
          (await insertUser(context.db, { id: randomUUID(), email: input.email, name, passwordHash, now }));
        if (await userRoleExists(context.db, user.id, role.id, organizationId)) {
          throw new ConflictError(`The user already holds ${role.name} in this organization.`);
        }
        const grantedBy = context.principal.userId;
        await insertUserRole(context.db, {
          id: randomUUID(),
          userId: user.id,
          roleId: role.id,
          organizationId,
          grantedByUserId: grantedBy,
          now,
          expiresAt: null,
        });
        return {
          organizationId,
          resourceId: user.id,
          // Nothing here says whether the account is new: the organization's auditors would learn it.
          after: { email: user.email, role: role.name },
          value: { userId: user.id, created: true },
        };
      });
    },
  }),
  assignRole: t.authField({
    type: MemberPayload,
    nullable: true,
    description:
      'Gives a user a role in an organization (user:update), or a platform role (platform_owner only). Never more than the caller holds.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: RoleGrantInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input, role, organizationId } = await grantOf(context, args.input);
      const expiresAt = input.expiresAt ?? null; // the DateTime scalar gave the stored form
      if (expiresAt !== null && expiresAt <= isoNow())
        throw new BadUserInputError('input.expiresAt: must be in the future.', 'input.expiresAt');
      return await audited(context, 'member.role_assign', 'user', async (context) => {
        const user = await visibleUser(context, input.userId, 'input.userId');
        requireUserAdmin(context, organizationId, user.id);
        await requireGrantable(context, role, organizationId, user.id);
        if (await userRoleExists(context.db, user.id, role.id, organizationId))
          throw new ConflictError(`The user already holds ${role.name} there.`);
        await insertUserRole(context.db, {
          id: randomUUID(),
          userId: user.id,
          roleId: role.id,
          organizationId,
          grantedByUserId: context.principal.userId,
          now: isoNow(),
          expiresAt,
        });
        return { organizationId, resourceId: user.id, after: { role: role.name, expiresAt }, value: { userId: user.id } };
      });
    },
  }),
  revokeRole: t.authField({
    type: MemberPayload,
    nullable: true,
    description: 'Takes a role from a user (user:update; platform roles: platform_owner only). Only roles the caller could give.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: RoleGrantInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input, role, organizationId } = await grantOf(context, args.input);
      return await audited(context, 'member.role_revoke', 'user', async (context) => {
        const user = await visibleUser(context, input.userId, 'input.userId');
        requireUserAdmin(context, organizationId, user.id);
        await requireGrantable(context, role, organizationId, user.id);
        if (!(await deleteUserRole(context.db, user.id, role.id, organizationId))) throw new NotFoundError('Role grant');
        return { organizationId, resourceId: user.id, before: { role: role.name }, value: { userId: user.id } };
      });
    },
  }),
  removeMember: t.authField({
    type: MemberPayload,
    nullable: true,
    description: "Removes a user from an organization: every role there, and the user's keys there are revoked. Needs user:revoke.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: RemoveMemberInput, required: true }) },
    resolve: async (_root, args, context) => {
      const organizationId = await organizationForWrite(context, args.input.organizationId, 'input.organizationId');
      return await audited(context, 'member.remove', 'user', async (context) => {
        const user = await visibleUser(context, args.input.userId, 'input.userId');
        requirePermission(context, 'user:revoke', organizationId, user.id);
        const roles = await rolesOfMember(context.db, user.id, organizationId);
        if (roles.length === 0) throw new NotFoundError('Member');
        const revoked = await removeMembership(context.db, user.id, organizationId, isoNow());
        for (const keyId of revoked) context.keyCache.forgetKey(keyId);
        return {
          organizationId,
          resourceId: user.id,
          before: { roles },
          metadata: { revokedApiKeys: revoked.length },
          value: { userId: user.id, revokedApiKeys: revoked.length },
        };
      });
    },
  }),
}));
