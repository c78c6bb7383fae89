// `foundry backup --to <file>`: an online, consistent copy of the database (SQLite's backup API).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../db/connection';
import { CliError, openForCli } from './shared';

export async function backup(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { to: { type: 'string' } }, strict: true });
  if (!values.to) throw new CliError('usage: foundry backup --to <file>');
  if (existsSync(values.to)) throw new CliError(`${values.to} exists already; choose a new file`);
  const { services } = await openForCli();
  try {
    if (!(services.db instanceof SqliteStore)) throw new CliError('foundry backup copies a SQLite database');
    await services.db.backup(values.to);
    process.stdout.write(`backed up ${services.config.databasePath} to ${values.to}\n`);
  } finally {
    await services.db.close();
  }
}
