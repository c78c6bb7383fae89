// Builds the HTTP handler: /health, /ready and the Yoga app on /graphql.
// No listen here, so that tests and main.ts share exactly this code.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
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
type RequestScope = { requestId: string; sqlStats: SqlStats | null };

const requestScope = new AsyncLocalStorage<RequestScope>();
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Adds `extensions.sql = { statements, ms }` to each result when FOUNDRY_SQL_STATS is on. */
function sqlStatsExtension(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        const stats = requestScope.getStore()?.sqlStats;
        if (!stats || Symbol.asyncIterator in result) return;
        setResult({
          ...result,
          extensions: { ...result.extensions, sql: { statements: stats.statements, ms: Number(stats.ms.toFixed(3)) } },
        });
      },
    }),
  };
}

export function createGraphQLHandler(services: AppServices) {
  const { config, db, logger } = services;

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
        if (isGraphQLError(error) && isSafeError(error)) return withContractCode(error);
        const requestId = requestScope.getStore()?.requestId;
        const cause = isGraphQLError(error) ? (error.originalError ?? error) : error;
        logger.error(
          { requestId, err: cause instanceof Error ? { type: cause.name, message: cause.message } : { type: typeof cause } },
          'internal error',
        );
        return internalError(isGraphQLError(error) ? error : new GraphQLError('internal'), requestId);
      },
    },
    plugins: [...queryLimits(config.env === 'production'), pageBudget(), contractErrorCodes(), unauthenticatedGate(config.env === 'production'), sqlStatsExtension()],
    context: async ({ req }): Promise<Context> => {
      const scope = requestScope.getStore();
      const token = bearerToken(req.headers.authorization);
      const principal = token ? await authenticate(services, token) : null;
      return {
        ...services,
        principal,
        requestId: scope?.requestId ?? randomUUID(),
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
    const run = () => requestScope.run({ requestId, sqlStats }, () => yoga(req, res));
    await (sqlStats ? withSqlStats(sqlStats, run) : run());
  };
}
