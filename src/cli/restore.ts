// `foundry restore --from <file>`: puts a backup in place of the database. Alone with the database (refused while
// a gateway holds it, src/db/hold.ts), it copies the backup beside the database, checks the copy (integrity_check,
// the audit hash chains, secrets sealed under the configured key) and only then swaps it in, keeping the old file
// beside it as `<database>.replaced-<time>`.
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { SqliteStore } from '../db/connection';
import { Sqlite } from '../db/driver';
import { DatabaseHeldError, holdExclusive } from '../db/hold';
import { verifyAuditChains } from '../modules/auditLog/repo';
import { SecretBox } from '../secrets/box';
import { loadSecretKey } from '../secrets/key';
import { SecretKeyMismatchError, sealClearSecrets } from '../secrets/sealed';
import { CliError } from './shared';

export const restoreUsage = 'foundry restore --from <file>';

const SIDE_FILES = ['-wal', '-shm'];

export async function restore(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' } }, strict: true });
  if (!values.from) throw new CliError(`usage: ${restoreUsage}`);
  if (!existsSync(values.from)) throw new CliError(`${values.from} does not exist`);
  const config = loadConfig();
  if (config.databaseUrl) {
    throw new CliError("foundry restore replaces a SQLite file; on PostgreSQL restore with the server's own tools (pg_restore)");
  }
  const target = config.databasePath;
  const hold = holdOrRefuse(target);
  const copy = `${target}.restoring`;
  try {
    removeWithSideFiles(copy);
    copyDatabase(values.from, copy);
    await checkCopy(copy, values.from, new SecretBox(loadSecretKey(config, { create: false }).key));
    const replaced = existsSync(target) ? moveAside(target) : null;
    renameSync(copy, target);
    process.stdout.write(`restored ${values.from} into ${target}${replaced ? `; the database it replaced is ${replaced}` : ''}\n`);
  } finally {
    removeWithSideFiles(copy);
    hold.release();
  }
}

function holdOrRefuse(target: string) {
  try {
    return holdExclusive(target);
  } catch (error) {
    if (error instanceof DatabaseHeldError) throw new CliError(`refusing to restore: ${error.message}`);
    throw error;
  }
}

/** A byte copy of the backup (and of a WAL beside it, which SQLite replays into the copy): the backup itself is never opened. */
function copyDatabase(from: string, to: string): void {
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
}

async function openCopy(path: string, from: string): Promise<SqliteStore> {
  let db: SqliteStore | null = null;
  try {
    db = new SqliteStore(path);
    await db.get('SELECT count(*) FROM sqlite_schema');
    return db;
  } catch {
    await db?.close();
    throw new CliError(`${from} is not a readable SQLite database`);
  }
}

async function checkCopy(path: string, from: string, secretBox: SecretBox): Promise<void> {
  const db = await openCopy(path, from);
  try {
    const integrity = (await db.all<{ integrity_check: string }>('PRAGMA integrity_check')).map((row) => row.integrity_check);
    if (integrity.join() !== 'ok') throw new CliError(`the backup fails integrity_check: ${integrity[0]}; nothing was changed`);
    const hasAuditLog = (await db.get("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'audit_log'")) !== undefined;
    if (!hasAuditLog) throw new CliError('the backup is not a gateway database (no audit log); nothing was changed');
    const report = await verifyAuditChains(db);
    if (report.broken) {
      const { organizationId, entryId, reason } = report.broken;
      throw new CliError(
        `the backup's audit chain ${organizationId ?? '(platform)'} is broken at entry ${entryId} (${reason}); nothing was changed`,
      );
    }
    // A backup from before encryption: sealed here, its clear text wiped from the copy's pages.
    await db.pragma('secure_delete = ON');
    if ((await db.transaction((tx) => sealClearSecrets(tx, secretBox))) > 0) await db.withWriter((raw) => raw.exec('VACUUM'));
  } catch (error) {
    if (error instanceof SecretKeyMismatchError) throw new CliError(`${error.message}; nothing was changed`);
    throw error;
  } finally {
    await db.close();
  }
}

/** Checkpoints the current database into its file, then renames it (and any WAL left) to `<file>.replaced-<time>`. */
function moveAside(target: string): string {
  const db = new Sqlite(target, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const aside = `${target}.replaced-${new Date().toISOString().replaceAll(/[:.]/g, '-')}`;
  renameSync(target, aside);
  // A WAL left beside the new file would be replayed into it: it goes with the file it belongs to.
  for (const suffix of SIDE_FILES) {
    if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${aside}${suffix}`);
  }
  return aside;
}

function removeWithSideFiles(path: string): void {
  for (const suffix of ['', ...SIDE_FILES]) rmSync(`${path}${suffix}`, { force: true });
}
