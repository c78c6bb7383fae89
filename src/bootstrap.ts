// Opens the database and brings it up to date: migrations, seeds, and on a
// brand-new file the first platform_owner API key; then the services around it.
import pino, { type Logger } from 'pino';
import { seed } from '../seeds/index';
import { ApiKeyVerificationCache } from './auth/keyCache';
import { ApiKeyUseRecorder } from './auth/keyUse';
import { PrincipalCache } from './auth/principalCache';
import type { Config } from './config';
import { Database } from './db/connection';
import { type MigrationResult, migrate } from './db/migrate';
import { processEventBus } from './events/bus';
import { GatewayMetrics } from './metrics';
import { prepareApiKey, storeApiKey } from './modules/apiKeys/issue';
import { appendLocalAuditEntry } from './modules/auditLog/repo';
import type { AppServices } from './schema/context';

export type Bootstrapped = { services: AppServices; migration: MigrationResult; firstApiKey: string | null };
export type PreparedDatabase = { db: Database; migration: MigrationResult; firstApiKey: string | null };

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'foundry-gateway' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** One process (and the tests): prepares the database and serves it. */
export async function bootstrap(config: Config, logger: Logger = createLogger(config)): Promise<Bootstrapped> {
  const { db, migration, firstApiKey } = await prepareDatabase(config);
  return { services: createServices(config, logger, db), migration, firstApiKey };
}

/** The services of a process that serves a database someone else prepared (a cluster worker). */
export function connect(config: Config, logger: Logger): AppServices {
  return createServices(config, logger, new Database(config.databasePath), { clusterWorker: true });
}

/** Migrates and seeds the file, and on a new one issues the first platform_owner key; once per gateway. */
export async function prepareDatabase(config: Config): Promise<PreparedDatabase> {
  const db = new Database(config.databasePath);
  try {
    const migration = migrate(db);
    seed(db, { sampleData: config.seedSampleData });
    let firstApiKey: string | null = null;
    if (migration.created) {
      const secret = await prepareApiKey(config.bcryptCost);
      db.transaction(() => {
        const key = storeApiKey(db, secret, {
          name: 'first platform owner key',
          organizationId: null,
          roleId: 'platform_owner',
          userId: null,
          createdByUserId: null,
          createdByApiKeyId: null,
          expiresAt: null,
        });
        appendLocalAuditEntry(db, {
          action: 'api_key.create',
          resourceType: 'api_key',
          organizationId: null,
          resourceId: key.id,
          after: { keyId: key.key_id, name: key.name, role: key.role_id },
        });
      });
      firstApiKey = secret.token;
    }
    return { db, migration, firstApiKey };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The per-process caches stay true without messages between processes: the
 * principal cache checks the database's security epoch on every request.
 */
function createServices(config: Config, logger: Logger, db: Database, { clusterWorker = false } = {}): AppServices {
  db.checkpointInBackground((code) => logger.warn({ code }, 'background WAL checkpoint failed'));
  const principals = new PrincipalCache(config.apiKeyCacheTtlMs);
  return {
    config,
    db,
    logger,
    keyCache: new ApiKeyVerificationCache(config.apiKeyCacheTtlMs),
    principals,
    keyUse: new ApiKeyUseRecorder(db),
    // Only kept when /metrics is served somewhere (METRICS_TOKEN or METRICS_PORT).
    metrics: config.metrics ? new GatewayMetrics({ databasePath: config.databasePath, principals }, { clusterWorker }) : null,
    events: processEventBus((error) =>
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'subscription listener failed'),
    ),
  };
}
