// `foundry user create`: add a user with a password, optionally granting a role.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashPassword } from '../auth/tokens';
import { isoNow } from '../db/store';
import { appendLocalAuditEntry } from '../modules/auditLog/repo';
import { organizationBySlug } from '../modules/organizations/repo';
import { roleByName } from '../modules/roles/repo';
import { insertUser, insertUserRole, userByEmail } from '../modules/users/repo';
import { CliError, openForCli } from './shared';

export const userUsage = 'foundry user create --email E --name N --password P [--org <slug> --role <role>]';

export async function user(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'create') throw new CliError(`usage: ${userUsage}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      password: { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string' },
    },
    strict: true,
  });
  if (!values.email || !values.name || !values.password) throw new CliError(`usage: ${userUsage}`);
  if (!/^[^\s@]+@[^\s@]+$/.test(values.email)) throw new CliError('--email is not an email address');
  if (values.password.length < 8) throw new CliError('--password must have at least 8 characters');
  if (values.org !== undefined && values.role === undefined) throw new CliError('--org goes with --role');

  const { services } = await openForCli();
  const { db, config } = services;
  try {
    if (await userByEmail(db, values.email)) throw new CliError(`a user with email ${values.email} exists already`);
    const role = values.role === undefined ? undefined : await roleByName(db, values.role);
    if (values.role !== undefined && !role) throw new CliError(`unknown role "${values.role}"`);
    const org = values.org === undefined ? undefined : await organizationBySlug(db, values.org);
    if (values.org !== undefined && !org) throw new CliError(`unknown organization "${values.org}"`);
    if (role && role.level === 'org' && !org) throw new CliError(`--org is required for the organization role ${role.name}`);
    const passwordHash = await hashPassword(values.password, config.bcryptCost);
    const now = isoNow();
    const created = await db.transaction(async (tx) => {
      const row = await insertUser(tx, { id: randomUUID(), email: values.email as string, name: values.name as string, passwordHash, now });
      if (role) {
        await insertUserRole(tx, {
          id: randomUUID(),
          userId: row.id,
          roleId: role.id,
          organizationId: org?.id ?? null,
          grantedByUserId: null,
          now,
          expiresAt: null,
        });
      }
      await appendLocalAuditEntry(tx, {
        action: 'user.create',
        resourceType: 'user',
        organizationId: org?.id ?? null,
        resourceId: row.id,
        after: { email: row.email, name: row.name, role: role?.name ?? null },
      });
      return row;
    });
    process.stdout.write(
      `user ${created.email} created${role ? ` with role ${role.name}${org ? ` in ${org.slug}` : ' platform-wide'}` : ''}\n`,
    );
  } finally {
    await db.close();
  }
}
