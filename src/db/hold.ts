// Who holds a database file. Every gateway process holds a shared lock on `<database>.lock` for as long as it
// lives; `foundry restore` and `foundry secrets rotate-key` take it exclusively, so they refuse while any
// gateway runs, and a gateway refuses to start during them. The lock is SQLite's own (a read transaction
// on an empty SQLite file, POSIX advisory locks underneath): the kernel drops it when a process dies, even
// by kill -9, so a crashed gateway never leaves a stale lock behind, and several gateways share it.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Sqlite } from './driver';

export type Hold = { release: () => void };

export function lockFilePath(databasePath: string): string {
  return `${databasePath}.lock`;
}

/** Thrown when the other kind of holder has the lock. */
export class DatabaseHeldError extends Error {}

function openLock(databasePath: string): BetterSqlite3.Database {
  mkdirSync(dirname(databasePath), { recursive: true });
  const lock = new Sqlite(lockFilePath(databasePath));
  lock.pragma('busy_timeout = 0');
  return lock;
}

function attempt(lock: BetterSqlite3.Database, begin: () => void, message: string): Hold {
  try {
    begin();
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseHeldError(message);
    throw error;
  }
  return {
    release: () => {
      if (!lock.open) return;
      if (lock.inTransaction) lock.exec('ROLLBACK');
      lock.close();
    },
  };
}

/** A gateway's hold, shared with other gateways; refused while a restore or key rotation runs. */
export function holdShared(databasePath: string): Hold {
  const lock = openLock(databasePath);
  return attempt(
    lock,
    () => {
      lock.exec('BEGIN');
      // The first read takes SQLite's SHARED lock; the open transaction keeps it.
      lock.prepare('SELECT count(*) FROM sqlite_schema').get();
    },
    'a restore or a key rotation holds the database; start the gateway when it is done',
  );
}

/** The hold of a command that must be alone with the database; refused while any gateway runs on it. */
export function holdExclusive(databasePath: string): Hold {
  const lock = openLock(databasePath);
  return attempt(lock, () => lock.exec('BEGIN EXCLUSIVE'), 'a gateway is running on this database; stop it first');
}
