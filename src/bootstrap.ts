// Opens the database and brings it up to date: migrations, seeds, and on a
// brand-new file the first platform_owner API key.
import pino, { type Logger } from 'pino';
import { seed } from '../seeds/index';
import { ApiKeyVerificationCache } from './auth/keyCache';
import { ApiKeyUseRecorder } from './auth/keyUse';
import { PrincipalCache } from './auth/principalCache';
import type { Config } from './config';
import { Database } from './db/connection';
import { migrate, type MigrationResult } from './db/migrate';
import { prepareApiKey, storeApiKey } from './modules/apiKeys/issue';
import { appendLocalAuditEntry } from './modules/auditLog/repo';
import type { AppServices } from './schema/context';

export type Bootstrapped = { services: AppServices; migration: MigrationResult; firstApiKey: string | null };

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'foundry-gateway' }, timestamp: pino.stdTimeFunctions.isoTime });
}

export async function bootstrap(config: Config, logger: Logger = createLogger(config)): Promise<Bootstrapped> {
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
    const services: AppServices = {
      config,
      db,
      logger,
      keyCache: new ApiKeyVerificationCache(config.apiKeyCacheTtlMs),
      principals: new PrincipalCache(config.apiKeyCacheTtlMs),
      keyUse: new ApiKeyUseRecorder(db),
    };
    return { services, migration, firstApiKey };
  } catch (error) {
    db.close();
    throw error;
  }
}
