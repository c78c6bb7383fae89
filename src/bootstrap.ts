// Opens the database and brings it up to date: migrations, seeds, and on a
// brand-new file the first platform_owner API key; then the services around it.
import { existsSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { seed } from '../seeds/index';
import { ApiKeyVerificationCache } from './auth/keyCache';
import { ApiKeyUseRecorder } from './auth/keyUse';
import { PrincipalCache } from './auth/principalCache';
import { rowLevelSecurityOfMigration, rowLevelSecurityStatements } from './auth/rowLevelSecurity';
import { type Config, ConfigError } from './config';
import { SqliteStore } from './db/connection';
import { loadMigrations, type MigrationResult, migrate } from './db/migrate';
import { PostgresStore } from './db/postgres/store';
import type { Store } from './db/store';
import { processEventBus } from './events/bus';
import { GatewayMetrics } from './metrics';
import { prepareApiKey, storeApiKey } from './modules/apiKeys/issue';
import { appendLocalAuditEntry } from './modules/auditLog/repo';
import { WebhookDispatcher } from './modules/webhooks/dispatcher';
import type { AppServices } from './schema/context';
import { SecretBox } from './secrets/box';
import { keyFilePath, loadSecretKey } from './secrets/key';
import { SecretKeyMismatchError, sealClearSecrets } from './secrets/sealed';

export type Bootstrapped = { services: AppServices; migration: MigrationResult; firstApiKey: string | null; sealedClearSecrets: number };
export type PreparedDatabase = {
  db: Store;
  migration: MigrationResult;
  firstApiKey: string | null;
  /** Integration secrets found in clear text (written before encryption) and sealed by this start. */
  sealedClearSecrets: number;
};

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'foundry-gateway' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** One process (and the tests): prepares the database and serves it. */
export async function bootstrap(config: Config, logger: Logger = createLogger(config)): Promise<Bootstrapped> {
  const { db, migration, firstApiKey, sealedClearSecrets } = await prepareDatabase(config);
  return { services: createServices(config, logger, db, secretBoxFor(config, false)), migration, firstApiKey, sealedClearSecrets };
}

/** The services of a process that serves a database someone else prepared (a cluster worker). */
export function connect(config: Config, logger: Logger): AppServices {
  const db = openStore(config);
  return createServices(config, logger, db, secretBoxFor(config, false), { clusterWorker: true });
}

/** Migrates and seeds the file, and on a new one issues the first platform_owner key; once per gateway. */
/** Brings either engine's database up to date; on PostgreSQL with the row-level security of the access policy. */
export function migrateStore(db: Store): Promise<MigrationResult> {
  return migrate(db, loadMigrations(db.engine), rowLevelSecurityStatements(), rowLevelSecurityOfMigration);
}

/** The configured engine's store: PostgreSQL when DATABASE_URL is set, the SQLite file otherwise. */
export function openStore(config: Config): Store {
  if (config.databaseUrl) return new PostgresStore(config.databaseUrl, { max: config.databasePoolSize });
  return new SqliteStore(config.databasePath, { synchronous: config.synchronous });
}

export async function prepareDatabase(config: Config): Promise<PreparedDatabase> {
  const db = openStore(config);
  try {
    await refuseRoleAboveTheWall(db);
    const secretBox = secretBoxFor(config, true);
    const migration = await migrateStore(db);
    const sealedClearSecrets = await sealSecretsInClear(db, secretBox, config);
    await seed(db, { sampleData: config.seedSampleData, secretBox });
    let firstApiKey: string | null = null;
    if (migration.created) {
      const secret = await prepareApiKey(config.bcryptCost);
      await db.transaction(async (tx) => {
        const key = await storeApiKey(tx, secret, {
          name: 'first platform owner key',
          organizationId: null,
          roleId: 'platform_owner',
          userId: null,
          createdByUserId: null,
          createdByApiKeyId: null,
          expiresAt: null,
        });
        await appendLocalAuditEntry(tx, {
          action: 'api_key.create',
          resourceType: 'api_key',
          organizationId: null,
          resourceId: key.id,
          after: { keyId: key.key_id, name: key.name, role: key.role_id },
        });
      });
      firstApiKey = secret.token;
    }
    return { db, migration, firstApiKey, sealedClearSecrets };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * On PostgreSQL, row-level security is the second wall behind the access policy; a superuser or a BYPASSRLS role
 * passes it unseen, so the gateway refuses to start as one rather than run with one wall.
 */
async function refuseRoleAboveTheWall(db: Store): Promise<void> {
  if (db.engine !== 'postgres') return;
  const role = await db.get<{ name: string; above: number }>(
    'SELECT rolname AS name, (rolsuper OR rolbypassrls) AS above FROM pg_roles WHERE rolname = current_user',
  );
  if (role?.above) {
    throw new ConfigError(
      `DATABASE_URL connects as ${JSON.stringify(role.name)}, a superuser or BYPASSRLS role that row-level security does not hold; connect as the schema's owner role without them (README: Running on PostgreSQL)`,
    );
  }
}

/** The box of this database's secret key; `create` makes the key file on the first start. */
function secretBoxFor(config: Config, create: boolean): SecretBox {
  return new SecretBox(loadSecretKey(config, { create }).key);
}

/**
 * Seals the secrets a gateway from before encryption left in clear. The clear text must leave the file, not only
 * the rows: secure_delete zeroes what the updates free, VACUUM rewrites every page (older freed pages too), and a
 * truncating checkpoint empties the WAL that held the rows' earlier pages.
 */
async function sealSecretsInClear(db: Store, secretBox: SecretBox, config: Config): Promise<number> {
  // PostgreSQL: the rows are sealed in place; freed space is PostgreSQL's to reclaim (VACUUM), as its operators run it.
  if (!(db instanceof SqliteStore)) {
    try {
      return await db.transaction((tx) => sealClearSecrets(tx, secretBox));
    } catch (error) {
      throw keyMismatchError(error, config);
    }
  }
  let sealed: number;
  try {
    await db.pragma('secure_delete = ON');
    sealed = await db.transaction((tx) => sealClearSecrets(tx, secretBox));
  } catch (error) {
    throw keyMismatchError(error, config);
  } finally {
    await db.pragma('secure_delete = OFF');
  }
  if (sealed > 0 && config.databasePath !== ':memory:') {
    await db.withWriter((raw) => raw.exec('VACUUM'));
    await db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return sealed;
}

/** A key mismatch as the error that says where the configured key came from; any other error as it is. */
function keyMismatchError(error: unknown, config: Config): unknown {
  if (!(error instanceof SecretKeyMismatchError)) return error;
  const where = config.secretKey ? 'FOUNDRY_SECRET_KEY' : keyFilePath(config.databasePath);
  const interrupted = existsSync(`${keyFilePath(config.databasePath)}.new`)
    ? `; a key rotation was interrupted: ${keyFilePath(config.databasePath)}.new holds the new key`
    : '';
  return new ConfigError(`${error.message} (from ${where}); configure the key the secrets were sealed with${interrupted}`);
}

/**
 * The per-process caches stay true without messages between processes: the
 * principal cache checks the database's security epoch on every request.
 */
function createServices(config: Config, logger: Logger, db: Store, secretBox: SecretBox, { clusterWorker = false } = {}): AppServices {
  if (db instanceof SqliteStore) db.checkpointInBackground((code) => logger.warn({ code }, 'background WAL checkpoint failed'));
  const principals = new PrincipalCache(config.apiKeyCacheTtlMs);
  return {
    config,
    db,
    logger,
    keyCache: new ApiKeyVerificationCache(config.apiKeyCacheTtlMs),
    principals,
    keyUse: new ApiKeyUseRecorder(db),
    // Only kept when /metrics is served somewhere (METRICS_TOKEN or METRICS_PORT).
    metrics: config.metrics
      ? new GatewayMetrics(
          {
            database: db.engine === 'postgres' ? { engine: 'postgres', store: db } : { engine: 'sqlite', path: config.databasePath },
            principals,
          },
          { clusterWorker },
        )
      : null,
    secretBox,
    webhooks: new WebhookDispatcher(db, secretBox, config.webhooks, logger),
    events: processEventBus((error) =>
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'subscription listener failed'),
    ),
  };
}
