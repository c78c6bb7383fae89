// login and logout. A failed login never says whether the email exists.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashPassword, newLoginToken, verifySecret } from '../../auth/tokens';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { BadUserInputError, UnauthenticatedError } from '../../schema/errors';
import { auditEntryFor, audited } from '../../schema/write';
import { appendAuditEntry } from '../auditLog/repo';
import { recordLogin, userByEmail } from '../users/repo';
import { insertLoginToken, revokeLoginToken } from './repo';
import { loginSubjects, recordLoginFailure, recordLoginSuccess, refuseWhileLocked } from './throttle';

/** An email as a failed login's audit entry may keep it: well formed, trimmed and lower-cased. */
const AUDITABLE_EMAIL = z.string().trim().toLowerCase().pipe(z.email().max(254));

/**
 * What a failed login records of the email typed: the address when it is a well-formed one, else only that it was
 * not (a password typed into the email field must not land in the audit log's hash chain, which is never rewritten).
 */
function auditedEmail(typed: string): { email: string | null } {
  const parsed = AUDITABLE_EMAIL.safeParse(typed);
  return { email: parsed.success ? parsed.data : null };
}

/** Compared against when the email is unknown, so that both failures take as long. */
let decoyHash: Promise<string> | null = null;
function decoy(cost: number): Promise<string> {
  decoyHash ??= hashPassword(randomUUID(), cost);
  return decoyHash;
}

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({
    // A String, not an EmailAddress: whatever was typed reaches login, so that a failed attempt is counted by the
    // throttle and audited (without the text when it is not an email: a password typed here stays out of the chain).
    email: t.string({ required: true, validate: z.string().max(254, 'must be at most 254 characters') }),
    password: t.string({ required: true }),
  }),
});

const LoginPayload = builder.objectRef<{ token: string; expiresAt: string }>('LoginPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'Send as "Authorization: Bearer <token>"; query viewer with it to see the user. Shown once.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const LogoutPayload = builder.objectRef<{ loggedOut: boolean }>('LogoutPayload').implement({
  fields: (t) => ({ loggedOut: t.exposeBoolean('loggedOut', { description: 'False when the token was already revoked.' }) }),
});

builder.mutationFields((t) => ({
  login: t.field({
    type: LoginPayload,
    nullable: true,
    description:
      'Exchanges an email and password for a login token. After repeated failures for an email or from an address, ' +
      'answers RATE_LIMITED (extensions.retryAfterSeconds) whatever the password, until the lock ends.',
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      // Without a principal, so under a claim of no organization on PostgreSQL: login reads and writes only tables
      // outside the row-level security's wall (users, login_tokens, login_failures) and appends to audit_log,
      // which anyone may append to (src/auth/rowLevelSecurity.ts).
      const { db, config } = context;
      const subjects = loginSubjects(input.email, context.clientAddress);
      await refuseWhileLocked(db, subjects);
      const user = await userByEmail(db, input.email.trim());
      const hash = user?.password_hash ?? (await decoy(config.bcryptCost));
      const matches = await verifySecret(input.password, hash);
      if (!user?.password_hash || !matches || user.is_active !== 1) {
        await db.transaction(async (tx) => {
          await recordLoginFailure(tx, config.loginThrottle, subjects);
          await appendAuditEntry(tx, {
            ...auditEntryFor(context, {
              action: 'user.login',
              resourceType: 'user',
              organizationId: null,
              resourceId: null,
              result: 'denied',
              metadata: {},
            }),
            metadata: auditedEmail(input.email),
          });
        });
        throw new UnauthenticatedError('Invalid email or password.');
      }
      const { token, tokenHash } = newLoginToken();
      const now = isoNow();
      const expiresAt = new Date(Date.parse(now) + config.loginTokenTtlMs).toISOString();
      await db.transaction(async (tx) => {
        // Again under the write lock: failures of attempts running alongside this one may have locked it meanwhile.
        await refuseWhileLocked(tx, subjects);
        await insertLoginToken(tx, { id: randomUUID(), tokenHash, userId: user.id, now, expiresAt });
        await recordLogin(tx, user.id, now);
        await recordLoginSuccess(tx, subjects);
        await appendAuditEntry(tx, {
          ...auditEntryFor(context, {
            action: 'user.login',
            resourceType: 'user',
            organizationId: null,
            resourceId: user.id,
            result: 'success',
            metadata: {},
          }),
          actorKind: 'user',
          actorId: user.id,
          actorName: user.name,
          actorUserId: user.id,
          actorApiKeyId: null,
        });
      });
      return { token, expiresAt };
    },
  }),
  logout: t.authField({
    type: LogoutPayload,
    nullable: true,
    description: 'Revokes the login token of this request.',
    authScopes: { authenticated: true },
    resolve: async (_root, _args, context) => {
      const principal = context.principal;
      if (principal.loginTokenId === null) {
        throw new BadUserInputError('logout ends a login token; API keys are revoked with revokeApiKey.');
      }
      const loginTokenId = principal.loginTokenId;
      return await audited(context, 'user.logout', 'user', async (context) => ({
        organizationId: null,
        resourceId: principal.id,
        value: { loggedOut: await revokeLoginToken(context.db, loginTokenId, isoNow()) },
      }));
    },
  }),
}));
