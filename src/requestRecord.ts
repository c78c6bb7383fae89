// What the gateway notes about one HTTP request while serving it, and the one log line (and metrics) it ends with.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Principal } from './auth/principal';
import type { SqlStats } from './db/store';
import type { GatewayMetrics } from './metrics';

/** A fault masked as INTERNAL_SERVER_ERROR: its type and message only, never a stack or the SQL's values. */
export type LoggedFault = { type: string; message?: string };

export type RequestRecord = {
  requestId: string;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** Counted by the request's view of the database (Store.forRequest). */
  sql: SqlStats;
  /** Set once Yoga read GraphQL parameters: only GraphQL requests are logged and measured. */
  graphql: boolean;
  /** The executed operation's name (`anonymous` without one); null when the request never reached execution. */
  operation: string | null;
  principalId: string | null;
  /** The request's authentication, started once by whichever asks first (trusted documents or the context). */
  principal?: Promise<Principal | null>;
  /** OK, or the code of the response's first error. */
  outcome: string;
  /** Every error code of the response, or null when it had none. */
  errorCodes: string[] | null;
  /** Faults masked in this request, logged on its line. */
  faults: LoggedFault[] | null;
};

export function newRequestRecord(requestId: string): RequestRecord {
  return {
    requestId,
    startedAt: performance.now(),
    sql: { statements: 0, ms: 0 },
    graphql: false,
    operation: null,
    principalId: null,
    outcome: 'OK',
    errorCodes: null,
    faults: null,
  };
}

/**
 * Ends a GraphQL request: one log line at `info` (at `error` when a fault was
 * masked, carrying it), and its metrics. The line names the request, the
 * operation, the principal, the outcome, the time and the statements; never
 * a token, a variable or an SQL value.
 */
export function finishRequest(logger: Logger, metrics: GatewayMetrics | null, record: RequestRecord, status: number): void {
  if (!record.graphql) return;
  const ms = performance.now() - record.startedAt;
  const operation = record.operation ?? '-';
  const line = {
    requestId: record.requestId,
    operation,
    principalId: record.principalId,
    outcome: record.outcome,
    status,
    ms: Math.round(ms * 1000) / 1000,
    statements: record.sql.statements,
  };
  if (record.faults) logger.error({ ...line, faults: record.faults }, 'request');
  else logger.info(line, 'request');
  metrics?.observeRequest({
    operation,
    outcome: record.outcome,
    seconds: ms / 1000,
    statements: record.sql.statements,
    errorCodes: record.errorCodes,
  });
}
