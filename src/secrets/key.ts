// Where the secret key comes from: FOUNDRY_SECRET_KEY when set, else a key file beside the database
// (`<database>.key`, 32 random bytes in base64, mode 0600), made on the first start.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { type Config, ConfigError, parseSecretKey } from '../config';

export type SecretKey = { key: Buffer; source: 'env' | 'file' };

/** The key file of a database: beside it, named after it. */
export function keyFilePath(databasePath: string): string {
  return `${databasePath}.key`;
}

/**
 * The key for this database. With `create`, a missing key file is made (the first start); a database in memory
 * gets a key of its own that lives as long as the process.
 */
export function loadSecretKey(config: Pick<Config, 'secretKey' | 'databasePath'>, { create }: { create: boolean }): SecretKey {
  if (config.secretKey) return { key: config.secretKey, source: 'env' };
  if (config.databasePath === ':memory:') return { key: randomBytes(32), source: 'file' };
  const path = keyFilePath(config.databasePath);
  if (!existsSync(path)) {
    if (!create) throw new ConfigError(`no secret key: set FOUNDRY_SECRET_KEY or start the gateway once to create ${path}`);
    writeKeyFile(path, randomBytes(32));
  }
  return { key: readKeyFile(path), source: 'file' };
}

function readKeyFile(path: string): Buffer {
  // Like ssh with its private keys: a key others may read is refused rather than used.
  if ((statSync(path).mode & 0o077) !== 0) {
    throw new ConfigError(`the secret key file ${path} may be read by others; make it private: chmod 600 ${path}`);
  }
  const key = parseSecretKey(readFileSync(path, 'utf8'));
  if (!key) throw new ConfigError(`the secret key file ${path} does not hold 32 bytes in base64 or hex`);
  return key;
}

/** Writes a new key file (0600, never over an existing one). */
export function writeKeyFile(path: string, key: Buffer): void {
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
}
