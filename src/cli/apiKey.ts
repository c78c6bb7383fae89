// `foundry api-key create`: issue an API key from the command line (a local administrator's act).
import { parseArgs } from 'node:util';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { prepareApiKey, storeApiKey } from '../modules/apiKeys/issue';
import { appendLocalAuditEntry } from '../modules/auditLog/repo';
import { organizationBySlug } from '../modules/organizations/repo';
import { roleByName } from '../modules/roles/repo';
import { userByEmail } from '../modules/users/repo';
import { CliError, openForCli, requireIsoTime } from './shared';

export const apiKeyUsage = 'foundry api-key create --org <slug> --role <role> [--name N] [--user <email>] [--expires <ISO>] [--json]';

export async function apiKey(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'create') throw new CliError(`usage: ${apiKeyUsage}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      org: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      user: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.role) throw new CliError(`--role is required; usage: ${apiKeyUsage}`);
  const expiresAt = requireIsoTime(values.expires, '--expires');
  if (expiresAt !== null && expiresAt <= new Date().toISOString()) throw new CliError('--expires must be in the future');

  const { services } = await openForCli();
  const { db, config } = services;
  try {
    const role = await roleByName(db, values.role);
    if (!role) throw new CliError(`unknown role "${values.role}"`);
    let organizationId: string | null = null;
    if (values.org !== undefined) {
      const org = await organizationBySlug(db, values.org);
      if (!org) throw new CliError(`unknown organization "${values.org}"`);
      organizationId = org.id;
    } else if (role.level !== 'platform') {
      throw new CliError(`--org is required for the role ${role.name}`);
    }
    let userId: string | null = null;
    if (values.user !== undefined) {
      const user = await userByEmail(db, values.user);
      if (!user) throw new CliError(`unknown user "${values.user}"`);
      userId = user.id;
    }
    const secret = await prepareApiKey(config.bcryptCost);
    const row = await db.transaction(async (tx) => {
      const key = await storeApiKey(tx, secret, {
        name: values.name ?? `${role.name} key${values.org ? ` for ${values.org}` : ''}`,
        organizationId,
        roleId: role.id,
        userId,
        createdByUserId: null,
        createdByApiKeyId: null,
        expiresAt,
      });
      await appendLocalAuditEntry(tx, {
        action: 'api_key.create',
        resourceType: 'api_key',
        organizationId,
        resourceId: key.id,
        after: { keyId: key.key_id, name: key.name, role: role.name, userId, expiresAt },
      });
      return key;
    });
    const id = encodeGlobalID('ApiKey', row.id);
    if (values.json) process.stdout.write(`${JSON.stringify({ id, key: secret.token })}\n`);
    else process.stdout.write(`API key ${row.name} (${role.name}) created. Shown once:\n${secret.token}\n`);
  } finally {
    await db.close();
  }
}
