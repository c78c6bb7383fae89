// What every resolver receives: the principal, the database, and request facts.
import type { Logger } from 'pino';
import type { ApiKeyVerificationCache } from '../auth/keyCache';
import type { ApiKeyUseRecorder } from '../auth/keyUse';
import type { PrincipalCache } from '../auth/principalCache';
import type { Principal } from '../auth/principal';
import type { Config } from '../config';
import type { Database, SqlStats } from '../db/connection';
import type { RequestLoaders } from './loaders';

/** The long-lived parts of the application, shared by every request. */
export type AppServices = {
  config: Config;
  db: Database;
  keyCache: ApiKeyVerificationCache;
  principals: PrincipalCache;
  keyUse: ApiKeyUseRecorder;
  logger: Logger;
  /** Tells every process of the gateway that credentials or grants changed (publish after the commit). */
};

export type Context = AppServices & {
  principal: Principal | null;
  requestId: string;
  /** Statements run for this request, when FOUNDRY_SQL_STATS is on. */
  sqlStats: SqlStats | null;
  clientAddress: string | null;
  loaders: RequestLoaders;
};

/** The principal, for resolvers that only run after the authentication gate. */
export function principalOf(context: Context): Principal {
  if (!context.principal) throw new Error('resolver ran without a principal');
  return context.principal;
}
