// What every subcommand shares: the config, an up-to-date database, and how a failure is reported.
import pino from 'pino';
import { type Bootstrapped, bootstrap } from '../bootstrap';
import { databaseLabel, loadConfig } from '../config';

/** A failure the user can act on: printed as one line, exit code 1. */
export class CliError extends Error {}

/** Opens (creating, migrating and seeding as needed) the database named by DATABASE_PATH. */
export async function openForCli(): Promise<Bootstrapped> {
  const config = loadConfig();
  // stdout belongs to the command's output (--json): logs stay quiet.
  const opened = await bootstrap(config, pino({ level: 'silent' }));
  if (opened.firstApiKey) {
    process.stderr.write(
      `A new database was created at ${databaseLabel(config)}. Its first platform_owner API key (shown once):\n  ${opened.firstApiKey}\n`,
    );
  }
  return opened;
}

export function requireIsoTime(value: string | undefined, option: string): string | null {
  if (value === undefined) return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CliError(`${option} must be a UTC ISO-8601 time such as 2027-01-31T00:00:00.000Z`);
  }
  return new Date(value).toISOString();
}
