// `foundry migrate --to <postgres://…|new file> [--from <postgres://…|file>]`: copies the gateway's database onto
// the other engine (SQLite to PostgreSQL, or back into a new SQLite file). The target gets the current schema
// first and must hold nothing else; the rows go in one transaction, which commits only when every table's count
// matches the source's and the audit hash chains verify on the copy.
import { chmodSync, constants, copyFileSync, existsSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { migrateStore } from '../bootstrap';
import { loadConfig } from '../config';
import { SqliteStore } from '../db/connection';
import { copyTables, countRows } from '../db/copy';
import { DatabaseHeldError, type Hold, holdExclusive } from '../db/hold';
import { currentVersion } from '../db/migrate';
import { quoteName } from '../db/postgres/schema';
import { PostgresStore } from '../db/postgres/store';
import type { Reader, Store } from '../db/store';
import { describeTables, insertOrder, type Table } from '../db/tables';
import { verifyAuditChains } from '../modules/auditLog/repo';
import { keyFilePath } from '../secrets/key';
import { CliError } from './shared';

export const migrateUsage = 'foundry migrate --to <postgres://…|new file> [--from <postgres://…|file>]';

/** Where a database is: a PostgreSQL URL (credentials possibly inside) or a SQLite file. */
type Place = { engine: 'postgres'; url: string } | { engine: 'sqlite'; path: string };

type TableCount = { table: string; source: number; target: number };

export async function migrateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { to: { type: 'string' }, from: { type: 'string' } }, strict: true });
  if (!values.to) throw new CliError(`usage: ${migrateUsage}`);
  const config = loadConfig();
  const source = values.from ? placeOf(values.from) : config.databaseUrl ? placeOf(config.databaseUrl) : placeOf(config.databasePath);
  const target = placeOf(values.to);
  if (nameOf(source) === nameOf(target)) throw new CliError('the source and the target are the same database');
  if (source.engine === 'sqlite' && !existsSync(source.path)) throw new CliError(`${source.path} does not exist`);
  if (target.engine === 'sqlite' && existsSync(target.path)) throw new CliError(`${target.path} exists already; choose a new file`);

  // No gateway may write to a SQLite source while it is read (one that starts meanwhile is refused).
  const hold = source.engine === 'sqlite' ? holdOrRefuse(source.path) : null;
  try {
    const counts = await copyBetween(source, target);
    process.stdout.write(`copied ${nameOf(source)} to ${nameOf(target)}\n${countTable(counts)}`);
    process.stdout.write('every count matches; the audit hash chains verify on the copy\n');
  } finally {
    hold?.release();
  }
  process.stdout.write(
    `${secretKeyNotice(source, target, { keyFromEnvironment: config.secretKey !== null, databasePath: config.databasePath })}\n`,
  );
}

function placeOf(value: string): Place {
  return /^postgres(ql)?:\/\//.test(value) ? { engine: 'postgres', url: value } : { engine: 'sqlite', path: value };
}

/** How a place is printed: a URL with its password masked. */
export function nameOf(place: Place): string {
  return place.engine === 'sqlite' ? place.path : maskPassword(place.url);
}

export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL URL given';
  }
}

/** An error's message with the URL's password, should a driver ever repeat it, masked. */
function scrubbed(message: string, places: Place[]): string {
  let text = message.split('\n')[0] ?? '';
  for (const place of places) {
    if (place.engine !== 'postgres') continue;
    const password = passwordOf(place.url);
    if (password) text = text.split(password).join('***');
  }
  return text;
}

function passwordOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.password ? decodeURIComponent(parsed.password) : null;
  } catch {
    return null;
  }
}

function holdOrRefuse(path: string): Hold {
  try {
    return holdExclusive(path);
  } catch (error) {
    if (error instanceof DatabaseHeldError) throw new CliError(`refusing to copy ${path}: ${error.message}`);
    throw error;
  }
}

function openStore(place: Place): Store {
  return place.engine === 'postgres' ? new PostgresStore(place.url, { max: 2 }) : new SqliteStore(place.path);
}

async function copyBetween(source: Place, target: Place): Promise<TableCount[]> {
  const from = openStore(source);
  const to = openStore(target);
  let committed = false;
  try {
    await reach(from, source);
    await reach(to, target);
    const counts = await copyInto(from, to, target);
    committed = true;
    return counts;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`the copy failed and nothing was committed: ${scrubbed(messageOf(error), [source, target])}`);
  } finally {
    await from.close();
    await to.close();
    // A new file the copy did not finish is not left behind to be mistaken for a copy.
    if (target.engine === 'sqlite' && !committed) removeWithSideFiles(target.path);
  }
}

async function reach(db: Store, place: Place): Promise<void> {
  try {
    await db.get('SELECT 1');
  } catch (error) {
    throw new CliError(`cannot open ${nameOf(place)}: ${scrubbed(messageOf(error), [place])}`);
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function copyInto(source: Store, target: Store, place: Place): Promise<TableCount[]> {
  const version = await versionOf(source);
  const newSchema = await rowsOfNewSchema();
  await refuseUnlessEmpty(target, await describeTables(target), newSchema, place);
  await migrateStore(target);
  const targetVersion = await currentVersion(target);
  if (version !== targetVersion) {
    throw new CliError(
      `the source is at schema version ${version} and the target at ${targetVersion}: start the gateway on the source once to migrate it, then copy`,
    );
  }
  const tables = await describeTables(target);
  sameTables(await describeTables(source), tables);
  const filledBySchema = new Set([...newSchema].filter(([, rows]) => rows > 0).map(([table]) => table));
  const counts = await target.transaction(async (tx) => {
    await refuseUnlessEmpty(tx, tables, newSchema, place);
    // Rows the schema put there (the security epoch) give way to the source's, written after the inserts whose triggers move them.
    for (const table of filledBySchema) await tx.run(`DELETE FROM ${quoteName(table)}`);
    await copyTables(source, tx, insertOrder(tables, filledBySchema));
    const counts: TableCount[] = [];
    for (const { name } of tables) counts.push({ table: name, source: await countRows(source, name), target: await countRows(tx, name) });
    const mismatched = counts.filter((count) => count.source !== count.target);
    if (mismatched.length > 0) {
      process.stdout.write(countTable(counts));
      throw new CliError(`row counts differ in ${mismatched.map((count) => count.table).join(', ')}; nothing was committed`);
    }
    const report = await verifyAuditChains(tx);
    if (report.broken) {
      const { organizationId, entryId, reason } = report.broken;
      throw new CliError(
        `the copy's audit chain ${organizationId ?? '(platform)'} is broken at entry ${entryId} (${reason}); nothing was committed`,
      );
    }
    return counts;
  });
  return counts;
}

async function versionOf(source: Reader): Promise<number> {
  try {
    return await currentVersion(source);
  } catch {
    throw new CliError('the source is not a gateway database (it has no schema_migrations)');
  }
}

/** Rows per table of a database just made by the migrations (the schema's own rows): a target may hold these and no more. */
async function rowsOfNewSchema(): Promise<Map<string, number>> {
  const scratch = new SqliteStore(':memory:');
  try {
    await migrateStore(scratch);
    const rows = new Map<string, number>();
    for (const { name } of await describeTables(scratch)) rows.set(name, await countRows(scratch, name));
    return rows;
  } finally {
    await scratch.close();
  }
}

async function refuseUnlessEmpty(db: Reader, tables: Table[], newSchema: Map<string, number>, place: Place): Promise<void> {
  const found: string[] = [];
  for (const { name } of tables) {
    const rows = await countRows(db, name);
    if (rows > (newSchema.get(name) ?? 0)) found.push(`${name}: ${rows}`);
  }
  if (found.length > 0) {
    throw new CliError(
      `refusing to copy into ${nameOf(place)}: it is not empty (${found.join(', ')} rows); choose an empty database or schema`,
    );
  }
}

/** The source must have the target's tables and columns, no more and no fewer: nothing copied may be dropped on the way. */
function sameTables(source: Table[], target: Table[]): void {
  const shape = (tables: Table[]) =>
    new Map(
      tables.map((table) => [
        table.name,
        table.columns
          .map((column) => column.name)
          .sort()
          .join(', '),
      ]),
    );
  const from = shape(source);
  const to = shape(target);
  for (const name of new Set([...from.keys(), ...to.keys()])) {
    if (from.get(name) !== to.get(name)) {
      throw new CliError(
        `the source and the target differ in table ${name} (${from.get(name) ?? 'missing'} / ${to.get(name) ?? 'missing'}); both must be at the same schema version`,
      );
    }
  }
}

/** Rows per table in the source and in the target, one line each; a line that differs says so. */
function countTable(counts: TableCount[]): string {
  const width = Math.max(...counts.map((count) => count.table.length), 'table'.length);
  const line = (table: string, source: string, target: string, differs: boolean) =>
    `  ${table.padEnd(width)}  ${source.padStart(8)}  ${target.padStart(8)}${differs ? '  MISMATCH' : ''}\n`;
  return [
    line('table', 'source', 'target', false),
    ...counts.map((c) => line(c.table, String(c.source), String(c.target), c.source !== c.target)),
  ].join('');
}

/**
 * The integration secrets cross sealed as they are: a gateway on the copy needs the key they were sealed with. A new
 * SQLite file gets the key file beside it; PostgreSQL keeps no key, so the command says where it is.
 */
function secretKeyNotice(source: Place, target: Place, config: { keyFromEnvironment: boolean; databasePath: string }): string {
  if (config.keyFromEnvironment)
    return 'The integration secrets stay sealed with FOUNDRY_SECRET_KEY: run the gateway on the copy with the same FOUNDRY_SECRET_KEY.';
  const keyFile = keyFilePath(source.engine === 'sqlite' ? source.path : config.databasePath);
  if (target.engine === 'sqlite') {
    if (!existsSync(keyFile)) {
      return `No key file at ${keyFile}: a gateway on the copy needs the key its integration secrets were sealed with (FOUNDRY_SECRET_KEY).`;
    }
    const copy = keyFilePath(target.path);
    copyFileSync(keyFile, copy, constants.COPYFILE_EXCL);
    chmodSync(copy, 0o600);
    return `Copied the secret key file ${keyFile} to ${copy}: the copy's integration secrets are sealed with it.`;
  }
  return `The integration secrets stay sealed with this database's key: a gateway on the copy needs the same key, as FOUNDRY_SECRET_KEY or as the key file ${keyFile} placed at <DATABASE_PATH>.key of that gateway.`;
}

function removeWithSideFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}
