// The `foundry` command: dispatches to one file per subcommand.
import { ConfigError } from '../config';
import { apiKey, apiKeyUsage } from './apiKey';
import { audit, auditUsage } from './audit';
import { backup } from './backup';
import { init } from './init';
import { migrateCommand, migrateUsage } from './migrate';
import { restore, restoreUsage } from './restore';
import { secrets, secretsUsage } from './secrets';
import { CliError } from './shared';
import { user, userUsage } from './user';

const USAGE = `usage:
  foundry init
  ${apiKeyUsage}
  ${userUsage}
  foundry backup --to <file>
  ${restoreUsage}
  ${secretsUsage}
  ${auditUsage}
  ${migrateUsage}
The database is DATABASE_PATH (default data/foundry.db), or DATABASE_URL when set. migrate copies it (or --from)
into an empty PostgreSQL database or a new SQLite file.`;

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'init':
      return await init();
    case 'api-key':
      return await apiKey(rest);
    case 'user':
      return await user(rest);
    case 'backup':
      return await backup(rest);
    case 'restore':
      return await restore(rest);
    case 'secrets':
      return await secrets(rest);
    case 'audit':
      return await audit(rest);
    case 'migrate':
      return await migrateCommand(rest);
    case 'help':
    case '--help':
    case undefined:
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new CliError(`unknown command "${command}"; run "foundry help"`);
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof CliError || error instanceof ConfigError || (error instanceof TypeError && 'code' in error);
  const message = known && error instanceof Error ? error.message : 'failed unexpectedly';
  process.stderr.write(`foundry: ${message.split('\n')[0]}\n`);
  process.exitCode = 1;
});
