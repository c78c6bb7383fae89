// Brings a database to the current schema. A new file gets schema.sql and
// rbac.sql whole (they are the current schema) and every version recorded; an
// existing file gets only the migrations/NNNN_name.sql newer than its version.
import { readdirSync, readFileSync } from 'node:fs';
import { projectFile } from './paths';
import { isoNow, type Store, type Tx } from './store';

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

export function loadMigrations(): Migration[] {
  const files = readdirSync(projectFile('migrations')).filter((file) => MIGRATION_FILE.test(file));
  const migrations = files.map((file) => {
    const [, version, name] = MIGRATION_FILE.exec(file) as RegExpExecArray;
    return {
      version: Number(version),
      name: name as string,
      sql: readFileSync(projectFile(`migrations/${file}`), 'utf8'),
    };
  });
  return migrations.sort((a, b) => a.version - b.version);
}

export async function currentVersion(db: Store): Promise<number> {
  const row = await db.get<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

export async function migrate(db: Store, migrations: Migration[] = loadMigrations()): Promise<MigrationResult> {
  await db.transaction((tx) =>
    tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
  ) STRICT`),
  );
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
