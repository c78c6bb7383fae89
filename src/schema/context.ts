// What every resolver receives: the principal, the database, and request facts.
import type { Logger } from 'pino';
import type { ApiKeyVerificationCache } from '../auth/keyCache';
import type { ApiKeyUseRecorder } from '../auth/keyUse';
import { NOBODY, type Principal } from '../auth/principal';
import type { PrincipalCache } from '../auth/principalCache';
import type { Config } from '../config';
import type { Reader, SqlStats, Store, Tx } from '../db/store';
import type { EventBus } from '../events/bus';
import type { GatewayMetrics } from '../metrics';
import type { WebhookDispatcher } from '../modules/webhooks/dispatcher';
import type { RequestRecord } from '../requestRecord';
import type { SecretBox } from '../secrets/box';
import type { RequestLoaders } from './loaders';

/** The long-lived parts of the application, shared by every request. */
export type AppServices = {
  config: Config;
  db: Store;
  keyCache: ApiKeyVerificationCache;
  principals: PrincipalCache;
  keyUse: ApiKeyUseRecorder;
  logger: Logger;
  /** This process's Prometheus metrics, when /metrics is served (METRICS_TOKEN or METRICS_PORT). */
  metrics: GatewayMetrics | null;
  /** Events for subscriptions, to every process of the gateway (publish after the commit). */
  events: EventBus;
  /** Seals and opens integration secrets under the gateway's secret key. */
  secretBox: SecretBox;
  /** Sends queued webhook deliveries; nudged after a commit that queued some, started by whoever serves. */
  webhooks: WebhookDispatcher;
};

export type Context = AppServices & {
  principal: Principal | null;
  /** The bearer token as presented (never logged, never returned): a subscription authenticates it again while it lasts. */
  token: string | null;
  requestId: string;
  /** Statements run for this request and their time, when FOUNDRY_SQL_STATS is on. */
  sqlStats: SqlStats | null;
  /** What the request log line and the metrics are told of this request (src/requestRecord.ts). */
  record: RequestRecord;
  clientAddress: string | null;
  loaders: RequestLoaders;
};

/**
 * The context of a field behind the `authenticated` scope (`t.authField`):
 * scope-auth narrows it, so its resolver has a principal without a check.
 */
export type AuthenticatedContext = Context & { principal: Principal };

/** A context whose statements run on a Reader: the request's store, or inside a write, its transaction. */
export type ReadingContext = Omit<Context, 'db'> & { db: Reader };
export type AuthenticatedReadingContext = Omit<AuthenticatedContext, 'db'> & { db: Reader };

/** The context a write's work runs in (schema/write.ts `audited`): the request's, with `db` its open transaction. */
export type InTransaction<C extends Context = AuthenticatedContext> = Omit<C, 'db'> & { db: Tx };

/**
 * Who a loader reads for. Loaders run below fields, where no scope narrows
 * the context; a request only reaches them with a principal (without one the
 * gate lets it log in or introspect, which load no rows), and should one run
 * without, it reads as NOBODY and sees nothing.
 */
export function readerOf(context: Context): Principal {
  return context.principal ?? NOBODY;
}
