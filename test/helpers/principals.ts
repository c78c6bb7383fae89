// Principals for tests: API keys of any role, and users who log in with a password.
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/tokens';
import { isoNow } from '../../src/db/store';
import { prepareApiKey, storeApiKey } from '../../src/modules/apiKeys/issue';
import { organizationBySlug } from '../../src/modules/organizations/repo';
import { insertUser, insertUserRole } from '../../src/modules/users/repo';
import type { TestServer } from './server';

export type KeyOptions = { org?: string | null; role: string; userId?: string | null; expiresAt?: string | null };

/** Issues an API key the way `foundry api-key create` does; returns the token and the key's row id. */
export async function apiKeyFor(server: TestServer, options: KeyOptions): Promise<{ token: string; id: string }> {
  const { db, config } = server.services;
  const organizationId = options.org ? ((await organizationBySlug(db, options.org))?.id ?? null) : null;
  if (options.org && !organizationId) throw new Error(`no organization ${options.org}`);
  const secret = await prepareApiKey(config.bcryptCost);
  const row = await db.transaction(
    async (tx) =>
      await storeApiKey(tx, secret, {
        name: `${options.role} test key`,
        organizationId,
        roleId: options.role,
        userId: options.userId ?? null,
        createdByUserId: null,
        createdByApiKeyId: null,
        expiresAt: options.expiresAt ?? null,
      }),
  );
  return { token: secret.token, id: row.id };
}

export type UserOptions = { email?: string; name?: string; password?: string; grants?: { org: string | null; role: string }[] };

/** Creates a user with a password and role grants; returns its id, email and password. */
export async function userWith(server: TestServer, options: UserOptions = {}) {
  const { db, config } = server.services;
  const email = options.email ?? `user-${randomUUID().slice(0, 8)}@test.example`;
  const password = options.password ?? 'correct horse battery staple';
  const passwordHash = await hashPassword(password, config.bcryptCost);
  const now = isoNow();
  const user = await db.transaction(async (tx) => {
    const row = await insertUser(tx, { id: randomUUID(), email, name: options.name ?? email, passwordHash, now });
    for (const grant of options.grants ?? []) {
      const organizationId = grant.org ? ((await organizationBySlug(tx, grant.org))?.id ?? null) : null;
      await insertUserRole(tx, {
        id: randomUUID(),
        userId: row.id,
        roleId: grant.role,
        organizationId,
        grantedByUserId: null,
        now,
        expiresAt: null,
      });
    }
    return row;
  });
  return { id: user.id, email, password };
}

/** Logs in over GraphQL and returns the login token. */
export async function loginAs(server: TestServer, email: string, password: string): Promise<string> {
  const response = await server.gql<{ login: { token: string } }>(
    'mutation Login($input: LoginInput!) { login(input: $input) { token } }',
    { input: { email, password } },
    null,
  );
  if (!response.data?.login) throw new Error(`login failed: ${JSON.stringify(response.errors)}`);
  return response.data.login.token;
}
