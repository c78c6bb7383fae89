// `foundry audit verify [--org <slug>]`: walks the audit hash chains and names the first broken link.
import { parseArgs } from 'node:util';
import { verifyAuditChains } from '../modules/auditLog/repo';
import { organizationBySlug } from '../modules/organizations/repo';
import { CliError, openForCli } from './shared';

export const auditUsage = 'foundry audit verify [--org <slug>]';

export async function audit(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'verify') throw new CliError(`usage: ${auditUsage}`);
  const { values } = parseArgs({ args: rest, options: { org: { type: 'string' } }, strict: true });
  const { services } = await openForCli();
  const { db } = services;
  try {
    let organizationId: string | undefined;
    if (values.org !== undefined) {
      const org = await organizationBySlug(db, values.org);
      if (!org) throw new CliError(`unknown organization "${values.org}"`);
      organizationId = org.id;
    }
    const report = await verifyAuditChains(db, organizationId);
    if (report.broken) {
      const { organizationId: org, entryId, action: entryAction, reason } = report.broken;
      throw new CliError(`audit chain ${org ?? '(platform)'} is broken at entry ${entryId} (${entryAction}): ${reason}`);
    }
    process.stdout.write(`audit log verified: ${report.entries} entries in ${report.chains} chain(s), every hash matches\n`);
  } finally {
    await db.close();
  }
}
