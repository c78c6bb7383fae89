// Builds the HTTP handler: the Yoga app on /graphql with its plugins
// (src/plugins/use-*.ts), and Yoga's /health and /ready checks.
// No listen here, so that tests and main.ts share exactly this code.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { authenticate, bearerToken } from './auth/authenticate';
import { type SqlStats, withSqlStats } from './db/connection';
import { useAuthenticationGate } from './plugins/use-authentication-gate';
import { useContractErrorCodes } from './plugins/use-contract-error-codes';
import { useDatabaseReadiness } from './plugins/use-database-readiness';
import { logInternalError, useMaskInternalErrors } from './plugins/use-mask-internal-errors';
import { usePageBudget } from './plugins/use-page-budget';
import { useQueryLimits } from './plugins/use-query-limits';
import { useSqlStats } from './plugins/use-sql-stats';
import { useStableErrorOrder } from './plugins/use-stable-error-order';
import { DOCUMENT_ID_PARAM, useTrustedDocuments } from './plugins/use-trusted-documents';
import type { Principal } from './auth/principal';
import type { AppServices, Context } from './schema/context';
import { internalError, isGraphQLError, isSafeError, withContractCode } from './schema/errors';
import { schema } from './schema/index';
import { RequestLoaders } from './schema/loaders';

type ServerContext = { req: IncomingMessage; res: ServerResponse };
/** What the HTTP layer knows of a request before Yoga builds its context; the principal once authenticated. */
type RequestFacts = { requestId: string; sqlStats: SqlStats | null; principal?: Promise<Principal | null> };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createGraphQLHandler(services: AppServices) {
  const { config, db, logger } = services;
  const requests = new WeakMap<IncomingMessage, RequestFacts>();

  /** Authenticates a request once, for whichever asks first: the trusted-documents check or the context. */
  function principalOf(req: IncomingMessage): Promise<Principal | null> {
    const facts = requests.get(req);
    if (facts?.principal) return facts.principal;
    const token = bearerToken(req.headers.authorization);
    const principal = token ? authenticate(services, token) : Promise.resolve(null);
    if (facts) facts.principal = principal;
    return principal;
  }

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    ...(config.trustedDocuments ? { extraParamNames: [DOCUMENT_ID_PARAM] } : {}),
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
        logInternalError(logger, undefined, error);
        return internalError(isGraphQLError(error) ? error : new GraphQLError('internal'), undefined);
      },
    },
    plugins: [
      useDatabaseReadiness({ db }),
      // Before the limits: a hash becomes its document here, and a free document is refused before it is parsed.
      ...(config.trustedDocuments ? useTrustedDocuments({ documents: config.trustedDocuments, principalOf }) : []),
      ...useQueryLimits({ production: config.env === 'production' }),
      usePageBudget(),
      useContractErrorCodes(),
      useAuthenticationGate({ production: config.env === 'production' }),
      useMaskInternalErrors({ logger }),
      useStableErrorOrder(),
      // Compiles each validated document to a function once (cached with Yoga's parsed documents).
      useGraphQlJit() as Plugin,
      ...(config.sqlStats ? [useSqlStats()] : []),
    ],
    context: async ({ req }): Promise<Context> => {
      const facts = requests.get(req);
      const principal = await principalOf(req);
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

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
