// Brings a database to the current schema, on either engine with the same version numbers. A new SQLite file gets
// schema.sql and rbac.sql whole (they are the current schema) and every version recorded; an existing file gets
// only the migrations/NNNN_name.sql newer than its version. A new PostgreSQL schema gets postgres/schema.sql,
// postgres/rbac.sql and the row-level security (versions 1 to POSTGRES_BASELINE_VERSION), then
// postgres/migrations/NNNN_name.sql past it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { projectFile } from './paths';
import { POSTGRES_BASELINE_VERSION, postgresSchemaFiles } from './postgres/schema';
import { type Engine, isoNow, type Reader, type Store, type Tx } from './store';

export type Migration = { version: number; name: string; sql: string };
export type MigrationResult = { created: boolean; applied: { version: number; name: string }[] };

const BASELINE: Migration = {
  version: 1,
  name: 'baseline',
  get sql() {
    return `${readFileSync(projectFile('schema.sql'), 'utf8')}\n${readFileSync(projectFile('rbac.sql'), 'utf8')}`;
  },
};

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

const MIGRATION_DIRS: Record<Engine, string> = { sqlite: 'migrations', postgres: 'postgres/migrations' };

export function loadMigrations(engine: Engine = 'sqlite'): Migration[] {
  const dir = MIGRATION_DIRS[engine];
  if (!existsSync(projectFile(dir))) return [];
  const files = readdirSync(projectFile(dir)).filter((file) => MIGRATION_FILE.test(file));
  const migrations = files.map((file) => {
    const [, version, name] = MIGRATION_FILE.exec(file) as RegExpExecArray;
    return {
      version: Number(version),
      name: name as string,
      sql: readFileSync(projectFile(`${dir}/${file}`), 'utf8'),
    };
  });
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * The PostgreSQL baseline: it stands for SQLite's baseline and migrations up to POSTGRES_BASELINE_VERSION; `wall`
 * is the row-level security rendered from the access policy (src/auth/rowLevelSecurity.ts), run in the same
 * transaction.
 */
function postgresBaseline(wall: readonly string[]): { script: string; versions: { version: number; name: string }[] } {
  const versions = [BASELINE, ...loadMigrations('sqlite')]
    .filter((m) => m.version <= POSTGRES_BASELINE_VERSION)
    .map(({ version, name }) => ({ version, name }));
  const script = [...postgresSchemaFiles(), ...wall.map((statement) => `${statement};`)].join('\n');
  return { script, versions };
}

const SCHEMA_MIGRATIONS: Record<Engine, string> = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  text NOT NULL
  )`,
};

/** On PostgreSQL, gateways starting together on one database migrate one after another (a transaction-level lock). */
const MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('foundry.migrate'))";

export async function currentVersion(db: Reader): Promise<number> {
  const row = await db.get<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

/**
 * `wall`: on PostgreSQL, the row-level security statements (rowLevelSecurityStatements(), which src/db may not
 * import: the policy lives above it); a new PostgreSQL schema is refused without them, never made without its wall.
 * `wallAfter(version)`: the wall of the tables a later migration made (rowLevelSecurityOfMigration), raised in that
 * migration's transaction.
 */
export async function migrate(
  db: Store,
  migrations: Migration[] = loadMigrations(db.engine),
  wall: readonly string[] = [],
  wallAfter: (version: number) => readonly string[] = () => [],
): Promise<MigrationResult> {
  if (db.engine === 'postgres') return await migratePostgres(db, migrations, wall, wallAfter);
  await db.transaction((tx) => tx.exec(SCHEMA_MIGRATIONS.sqlite));
  const record = (tx: Tx, m: { version: number; name: string }) =>
    tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :appliedAt)', {
      version: m.version,
      name: m.name,
      appliedAt: isoNow(),
    });

  const from = await currentVersion(db);
  if (from === 0) {
    const applied = [BASELINE, ...migrations].map(({ version, name }) => ({ version, name }));
    await db.transaction(async (tx) => {
      await tx.exec(BASELINE.sql);
      for (const m of applied) await record(tx, m);
    });
    return { created: true, applied };
  }

  const pending = migrations.filter((m) => m.version > from);
  for (const migration of pending) {
    await db.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await record(tx, migration);
    });
  }
  return { created: false, applied: pending.map(({ version, name }) => ({ version, name })) };
}

/** As migrate, on PostgreSQL: each step in one transaction that holds the migration lock and reads the version under it. */
async function migratePostgres(
  db: Store,
  migrations: Migration[],
  wall: readonly string[],
  wallAfter: (version: number) => readonly string[],
): Promise<MigrationResult> {
  const record = (tx: Tx, m: { version: number; name: string }) =>
    tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :appliedAt)', {
      version: m.version,
      name: m.name,
      appliedAt: isoNow(),
    });
  const apply = async (tx: Tx, m: Migration) => {
    await tx.exec(m.sql);
    const raised = wallAfter(m.version);
    if (raised.length > 0) await tx.exec(raised.map((statement) => `${statement};`).join('\n'));
    await record(tx, m);
  };
  return await db.transaction(async (tx) => {
    await tx.get(MIGRATION_LOCK);
    await tx.exec(SCHEMA_MIGRATIONS.postgres);
    const from = await currentVersion(tx);
    if (from === 0) {
      if (wall.length === 0) throw new Error('a new PostgreSQL schema needs its row-level security statements');
      const baseline = postgresBaseline(wall);
      await tx.exec(baseline.script);
      for (const m of baseline.versions) await record(tx, m);
      const later = migrations.filter((m) => m.version > POSTGRES_BASELINE_VERSION);
      for (const m of later) await apply(tx, m);
      return { created: true, applied: [...baseline.versions, ...later.map(({ version, name }) => ({ version, name }))] };
    }
    const pending = migrations.filter((m) => m.version > from);
    for (const m of pending) await apply(tx, m);
    return { created: false, applied: pending.map(({ version, name }) => ({ version, name })) };
  });
}
