// What every resolver receives: the principal, the database, and request facts.
import type { Logger } from 'pino';
import type { ApiKeyVerificationCache } from '../auth/keyCache';
import type { Principal } from '../auth/principal';
import type { SecurityBus } from '../cluster/securityBus';
import type { Config } from '../config';
import type { Database } from '../db/connection';
import type { RequestLoaders } from './loaders';

/** The long-lived parts of the application, shared by every request. */
export type AppServices = {
  config: Config;
  db: Database;
  keyCache: ApiKeyVerificationCache;
  logger: Logger;
  /** Tells every process of the gateway that credentials or grants changed (publish after the commit). */
  securityBus: SecurityBus;
};

export type Context = AppServices & {
  principal: Principal | null;
  requestId: string;
  clientAddress: string | null;
  loaders: RequestLoaders;
};

/** The principal, for resolvers that only run after the authentication gate. */
export function principalOf(context: Context): Principal {
  if (!context.principal) throw new Error('resolver ran without a principal');
  return context.principal;
}
