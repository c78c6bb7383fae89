// The sealed columns of the database, in one list, and what goes through all of them: the start-up key check, the
// sealing of secrets stored in clear, and key rotation.
import type { Tx } from '../db/store';
import { type SecretBox, sealedKeyId } from './box';

/**
 * Every column that holds sealed secrets, each value bound to its row's id: integration secrets and webhook
 * signing secrets. Key rotation and the start-up key check go through all of them.
 */
const SEALED = [
  { table: 'integration_secrets', id: 'integration_config_id', column: 'secrets' },
  { table: 'webhooks', id: 'id', column: 'secret' },
] as const;

type SealedRow = { id: string; value: string };

async function sealedRows(db: Tx, sealed: (typeof SEALED)[number]): Promise<SealedRow[]> {
  // Names from the fixed list above, never from input.
  return await db.all<SealedRow>(`SELECT ${sealed.id} AS id, ${sealed.column} AS value FROM ${sealed.table}`);
}

async function storeSealed(db: Tx, sealed: (typeof SEALED)[number], id: string, value: string): Promise<void> {
  await db.run(`UPDATE ${sealed.table} SET ${sealed.column} = :value WHERE ${sealed.id} = :id`, { id, value });
}

/**
 * Seals every secret still stored in clear (integration secrets written before secrets were encrypted); returns
 * how many. Refuses, changing nothing, when a secret is sealed under another key than the box's: the wrong key was
 * configured. In the caller's transaction.
 */
export async function sealClearSecrets(db: Tx, box: SecretBox): Promise<number> {
  const all = await Promise.all(SEALED.map(async (sealed) => ({ sealed, rows: await sealedRows(db, sealed) })));
  const foreign = all.flatMap(({ rows }) =>
    rows.map((row) => sealedKeyId(row.value)).filter((keyId) => keyId !== null && keyId !== box.keyId),
  );
  if (foreign.length > 0) {
    throw new SecretKeyMismatchError(
      `${foreign.length} secret(s) are sealed under key ${foreign[0]}, but the configured key is ${box.keyId}`,
    );
  }
  let count = 0;
  for (const { sealed, rows } of all) {
    for (const row of rows.filter((candidate) => sealedKeyId(candidate.value) === null)) {
      await storeSealed(db, sealed, row.id, box.seal(row.value, row.id));
      count += 1;
    }
  }
  return count;
}

/** Opens every secret with `from` and seals it again with `to`, in the caller's transaction; returns how many. */
export async function resealSecrets(db: Tx, from: SecretBox, to: SecretBox): Promise<number> {
  let count = 0;
  for (const sealed of SEALED) {
    for (const row of await sealedRows(db, sealed)) {
      await storeSealed(db, sealed, row.id, to.seal(from.open(row.value, row.id), row.id));
      count += 1;
    }
  }
  return count;
}

/** The database's secrets were sealed under another key than the one configured. */
export class SecretKeyMismatchError extends Error {}
