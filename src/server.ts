// Builds the HTTP handler: /health, /ready and the Yoga app on /graphql.
// No listen here, so that tests and main.ts share exactly this code.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Logger } from 'pino';
import { authenticate, bearerToken } from './auth/authenticate';
import { type SqlStats, withSqlStats } from './db/connection';
import type { AppServices, Context } from './schema/context';
import { internalError, isGraphQLError, isSafeError, withContractCode } from './schema/errors';
import { contractErrorCodes } from './schema/errorCodes';
import { unauthenticatedGate } from './schema/gate';
import { queryLimits } from './schema/limits';
import { pageBudget } from './schema/pageBudget';
import { schema } from './schema/index';
import { RequestLoaders } from './schema/loaders';

type ServerContext = { req: IncomingMessage; res: ServerResponse };
/** What the HTTP layer knows of a request before Yoga builds its context. */
type RequestFacts = { requestId: string; sqlStats: SqlStats | null };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Adds `extensions.sql = { statements, ms }` to each result (only installed when FOUNDRY_SQL_STATS is on). */
function sqlStatsExtension(): Plugin<Context> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        const stats = (args.contextValue as Context).sqlStats;
        if (!stats || Symbol.asyncIterator in result) return;
        setResult({
          ...result,
          extensions: { ...result.extensions, sql: { statements: stats.statements, ms: Number(stats.ms.toFixed(3)) } },
        });
      },
    }),
  };
}

function logInternal(logger: Logger, requestId: string | undefined, error: GraphQLError | unknown): void {
  const cause = isGraphQLError(error) ? (error.originalError ?? error) : error;
  logger.error(
    { requestId, err: cause instanceof Error ? { type: cause.name, message: cause.message } : { type: typeof cause } },
    'internal error',
  );
}

type Path = readonly (string | number)[] | undefined;

function comparePaths(a: Path, b: Path): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i] as string | number, b[i] as string | number];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Errors in the order of their paths. Nested lists load level by level and a
 * level may wait for the next turn of the event loop (batchSchedule.ts), so
 * the order errors happen in depends on timing; the answer must not.
 */
function stableErrorOrder(): Plugin<Context> {
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result || !result.errors || result.errors.length < 2) return;
        setResult({ ...result, errors: [...result.errors].sort((a, b) => comparePaths(a.path, b.path)) });
      },
    }),
  };
}

/**
 * Masks the faults of execution (errors without a contract code) where the
 * request is known: logged with its request id, answered as
 * INTERNAL_SERVER_ERROR carrying that id. Yoga's own masking stays as the net
 * for errors outside execution.
 */
function maskInternalErrors(logger: Logger): Plugin<Context> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result || !result.errors?.some((error) => !isSafeError(error))) return;
        const { requestId } = args.contextValue as Context;
        const errors = result.errors.map((error) => {
          if (isSafeError(error)) return withContractCode(error);
          logInternal(logger, requestId, error);
          return internalError(error, requestId);
        });
        setResult({ ...result, errors });
      },
    }),
  };
}

export function createGraphQLHandler(services: AppServices) {
  const { config, db, logger } = services;
  const requests = new WeakMap<IncomingMessage, RequestFacts>();

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      // Yoga logs the unmasked error here; ours are logged (without secrets) in maskError.
      error: () => undefined,
    },
    graphiql: {
      title: 'Agent Foundry Gateway',
      headers: JSON.stringify({ Authorization: 'Bearer <paste an API key>' }, null, 2),
      defaultQuery: '{\n  viewer {\n    principal { kind name }\n    organizations { edges { node { slug name } } }\n  }\n}\n',
    },
    maskedErrors: {
      isDev: false,
      maskError: (error) => {
        if (isGraphQLError(error) && error.extensions?.code === 'INTERNAL_SERVER_ERROR') return error; // masked in execution
        if (isGraphQLError(error) && isSafeError(error)) return withContractCode(error);
        logInternal(logger, undefined, error);
        return internalError(isGraphQLError(error) ? error : new GraphQLError('internal'), undefined);
      },
    },
    plugins: [
      ...queryLimits(config.env === 'production'),
      pageBudget(),
      contractErrorCodes(),
      unauthenticatedGate(config.env === 'production'),
      maskInternalErrors(logger),
      stableErrorOrder(),
      // Compiles each validated document to a function once (cached with Yoga's parsed documents).
      useGraphQlJit() as Plugin,
      ...(config.sqlStats ? [sqlStatsExtension()] : []),
    ],
    context: async ({ req }): Promise<Context> => {
      const facts = requests.get(req);
      const token = bearerToken(req.headers.authorization);
      const principal = token ? await authenticate(services, token) : null;
      return {
        ...services,
        principal,
        requestId: facts?.requestId ?? randomUUID(),
        sqlStats: facts?.sqlStats ?? null,
        clientAddress: req.socket.remoteAddress ?? null,
        loaders: new RequestLoaders(),
      };
    },
  });

  async function ready(res: ServerResponse): Promise<void> {
    let ok = false;
    try {
      ok = db.isOpen() && db.get<{ ok: number }>('SELECT 1 AS ok')?.ok === 1;
    } catch {
      ok = false;
    }
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ready' : 'unavailable' }));
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (path === '/ready') return ready(res);
    const presented = req.headers['x-request-id'];
    const requestId = typeof presented === 'string' && REQUEST_ID.test(presented) ? presented : randomUUID();
    res.setHeader('x-request-id', requestId);
    const sqlStats = config.sqlStats ? { statements: 0, ms: 0 } : null;
    requests.set(req, { requestId, sqlStats });
    // Counting statements needs async context tracking, which taxes every
    // promise; it is only switched on with FOUNDRY_SQL_STATS.
    await (sqlStats ? withSqlStats(sqlStats, () => yoga(req, res)) : yoga(req, res));
  };
}
