// `foundry secrets rotate-key`: seals every integration secret again under a new key, in one transaction, alone
// with the database (refused while a gateway holds it). With the key file, the new key replaces it; with
// FOUNDRY_SECRET_KEY, the new key is printed once, to be set before the next start.
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { SqliteStore } from '../db/connection';
import { DatabaseHeldError, holdExclusive } from '../db/hold';
import { SecretBox, SecretUnreadableError } from '../secrets/box';
import { keyFilePath, loadSecretKey, writeKeyFile } from '../secrets/key';
import { resealSecrets } from '../secrets/sealed';
import { CliError } from './shared';

export const secretsUsage = 'foundry secrets rotate-key';

export async function secrets(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'rotate-key') throw new CliError(`usage: ${secretsUsage}`);
  parseArgs({ args: rest, options: {}, strict: true });
  const config = loadConfig();
  // On PostgreSQL the rows would be resealed alike, but no file hold keeps the gateways out meanwhile: not yet.
  if (config.databaseUrl) throw new CliError('foundry secrets rotate-key works on a SQLite file; unset DATABASE_URL');
  if (!existsSync(config.databasePath)) throw new CliError(`${config.databasePath} does not exist`);
  let hold: ReturnType<typeof holdExclusive>;
  try {
    hold = holdExclusive(config.databasePath);
  } catch (error) {
    if (error instanceof DatabaseHeldError) throw new CliError(`refusing to rotate the key: ${error.message}`);
    throw error;
  }
  const db = new SqliteStore(config.databasePath, { synchronous: config.synchronous });
  try {
    const current = loadSecretKey(config, { create: false });
    const next = randomBytes(32);
    const from = new SecretBox(current.key);
    const to = new SecretBox(next);
    // The new key is on disk before any secret depends on it; it replaces the old one only once the secrets are sealed.
    const pending = `${keyFilePath(config.databasePath)}.new`;
    if (current.source === 'file') {
      if (existsSync(pending)) unlinkSync(pending);
      writeKeyFile(pending, next);
    }
    let count: number;
    // The secrets' old envelopes are zeroed where they lay, not left in free space for the old key to open.
    await db.pragma('secure_delete = ON');
    try {
      count = await db.transaction((tx) => resealSecrets(tx, from, to));
    } catch (error) {
      if (current.source === 'file') unlinkSync(pending);
      if (error instanceof SecretUnreadableError) {
        throw new CliError(`a secret does not open with the current key (${error.message}); nothing was changed`);
      }
      throw error;
    }
    await db.pragma('wal_checkpoint(TRUNCATE)');
    if (current.source === 'file') {
      renameSync(pending, keyFilePath(config.databasePath));
      process.stdout.write(`sealed ${count} secret(s) under key ${to.keyId}; ${keyFilePath(config.databasePath)} holds it now\n`);
    } else {
      process.stdout.write(
        `sealed ${count} secret(s) under key ${to.keyId}. Set it before the next start (shown once):\n` +
          `FOUNDRY_SECRET_KEY=${next.toString('base64')}\n`,
      );
    }
  } finally {
    await db.close();
    hold.release();
  }
}
