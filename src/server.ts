// Builds the HTTP handler: the Yoga app on /graphql with its plugins
// (src/plugins/use-*.ts), Yoga's /health and /ready checks, and /metrics when
// METRICS_TOKEN alone is set. No listen here, so that tests and main.ts share
// exactly this code.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { authenticate, bearerToken } from './auth/authenticate';
import { NOBODY, type Principal } from './auth/principal';
import { principalClaim } from './auth/rowLevelSecurity';
import type { Store } from './db/store';
import { useAuthenticationGate } from './plugins/use-authentication-gate';
import { useClientErrors } from './plugins/use-client-errors';
import { useContractErrorCodes } from './plugins/use-contract-error-codes';
import { CSRF_HEADERS, useCsrfPrevention } from './plugins/use-csrf-prevention';
import { useDatabaseReadiness } from './plugins/use-database-readiness';
import { useHttpRefusals } from './plugins/use-http-refusals';
import { useJitExecution } from './plugins/use-jit-execution';
import { logInternalError, useMaskInternalErrors } from './plugins/use-mask-internal-errors';
import { type Scrape, useMetricsEndpoint } from './plugins/use-metrics-endpoint';
import { useNestingLimit } from './plugins/use-nesting-limit';
import { renderOfflineGraphiQL, useOfflineGraphiQL } from './plugins/use-offline-graphiql';
import { usePageBudget } from './plugins/use-page-budget';
import { useQueryLimits } from './plugins/use-query-limits';
import { useRateLimits } from './plugins/use-rate-limits';
import { useRequestBodyLimit } from './plugins/use-request-body-limit';
import { useRequestRecord } from './plugins/use-request-record';
import { useSqlStats } from './plugins/use-sql-stats';
import { useStableErrorOrder } from './plugins/use-stable-error-order';
import { DOCUMENT_ID_PARAM, useTrustedDocuments } from './plugins/use-trusted-documents';
import { finishRequest, newRequestRecord, type RequestRecord } from './requestRecord';
import type { AppServices, Context } from './schema/context';
import { internalError, isGraphQLError, isSafeError, withContractCode } from './schema/errors';
import { schema } from './schema/index';
import { RequestLoaders } from './schema/loaders';

type ServerContext = { req: IncomingMessage; res: ServerResponse };

const GRAPHQL_ENDPOINT = '/graphql';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * `scrape` reads the metrics a /metrics request on this port answers with
 * (the cluster's, in a worker); this process's own registry unless given.
 */
export function createGraphQLHandler(services: AppServices, { scrape }: { scrape?: Scrape } = {}) {
  const { config, db, logger, metrics } = services;
  const requests = new WeakMap<IncomingMessage, RequestRecord>();
  const recordOf = (req: IncomingMessage) => requests.get(req);
  const metricsToken = config.metrics?.port === null ? config.metrics.token : null;

  /** The request's record, made on first sight (Yoga may be called without the HTTP wrapper that makes it). */
  function recordFor(req: IncomingMessage): RequestRecord {
    let record = requests.get(req);
    if (!record) {
      record = newRequestRecord(randomUUID());
      requests.set(req, record);
    }
    return record;
  }

  /** The request's one view of the database (Store.forRequest), shared by authentication and the context. */
  const views = new WeakMap<RequestRecord, Store>();
  function viewOf(record: RequestRecord): Store {
    let view = views.get(record);
    if (!view) {
      view = db.forRequest(record.sql, config.sqlStats);
      views.set(record, view);
    }
    return view;
  }

  /**
   * Authenticates a request once, for whichever asks first: the trusted-documents check or the context; its
   * statements are counted as the request's.
   */
  function principalOf(req: IncomingMessage): Promise<Principal | null> {
    const record = recordFor(req);
    if (!record.principal) {
      const token = bearerToken(req.headers.authorization);
      record.principal = token ? authenticate({ ...services, db: viewOf(record) }, token) : Promise.resolve(null);
    }
    return record.principal;
  }

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/health',
    landingPage: false,
    // Closed unless CORS_ORIGINS names origins: then those, and only those, get CORS headers (no credentials: tokens
    // travel in Authorization, never in cookies).
    cors:
      config.corsOrigins.length === 0
        ? false
        : (request) => {
            const origin = request.headers.get('origin');
            if (origin === null || !config.corsOrigins.includes(origin)) return false;
            return {
              origin: [origin],
              credentials: false,
              methods: ['GET', 'POST'],
              allowedHeaders: ['authorization', 'content-type', 'accept', 'x-request-id', ...CSRF_HEADERS],
              exposedHeaders: ['x-request-id'],
              maxAge: 600,
            };
          },
    // Replaced by useRequestBodyLimit, which skips Yoga's per-request stream wrapper when Content-Length is known.
    maxRequestBodySize: false,
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
    // Served from this origin, never a CDN: see use-offline-graphiql.ts.
    renderGraphiQL: renderOfflineGraphiQL,
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
      useOfflineGraphiQL(),
      ...(metricsToken !== null && metrics ? [useMetricsEndpoint({ token: metricsToken, scrape: scrape ?? metrics.scrape })] : []),
      useRequestRecord({ recordOf }),
      useDatabaseReadiness({ db }),
      useCsrfPrevention(),
      // Before anything parses the document: a text nested thousands deep would overflow the parser's recursion.
      useNestingLimit(),
      // Before the limits: a hash becomes its document here, and a free document is refused before it is parsed.
      ...(config.trustedDocuments ? useTrustedDocuments({ documents: config.trustedDocuments, principalOf }) : []),
      ...useQueryLimits({ production: config.env === 'production' }),
      usePageBudget(),
      useContractErrorCodes(),
      // Before the gate: a client over its address's limit hears RATE_LIMITED, whatever else it asks.
      useRateLimits({ rateLimits: config.rateLimits, unauthenticated: config.unauthenticatedRateLimit }),
      useAuthenticationGate({ production: config.env === 'production' }),
      useMaskInternalErrors(),
      useStableErrorOrder(),
      useJitExecution(),
      ...(config.sqlStats ? [useSqlStats()] : []),
      // Every result on its way out, errors about the request included: no submitted value, no originalError, capped.
      useClientErrors(),
      // After Yoga's request parsers: a request none of them took is a content type refused with a JSON body.
      useHttpRefusals({ graphqlEndpoint: GRAPHQL_ENDPOINT }),
      // Last: it limits whichever request parser the plugins before it chose.
      useRequestBodyLimit({ maxBytes: config.maxRequestBodyBytes }),
    ],
    context: async ({ req }): Promise<Context> => {
      const record = recordFor(req);
      const token = bearerToken(req.headers.authorization);
      const context: Context = {
        ...services,
        // Every statement of the request runs through its view of the database, which counts them.
        db: viewOf(record),
        principal: null,
        token,
        requestId: record.requestId,
        sqlStats: config.sqlStats ? record.sql : null,
        record,
        clientAddress: req.socket.remoteAddress ?? null,
        loaders: new RequestLoaders(),
      };
      context.principal = await principalOf(req);
      record.principalId = context.principal?.id ?? null;
      // Authentication read as the gateway; everything after it runs under the principal's claim (PostgreSQL's wall).
      if (db.engine === 'postgres') context.db = context.db.withClaim(claimOf(context.principal));
      return context;
    },
  });

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const presented = req.headers['x-request-id'];
    const requestId = typeof presented === 'string' && REQUEST_ID.test(presented) ? presented : randomUUID();
    res.setHeader('x-request-id', requestId);
    const record = newRequestRecord(requestId);
    requests.set(req, record);
    await yoga(req, res);
    finishRequest(logger, metrics, record, res.statusCode);
  };
}

/** Principals are cached across requests (PrincipalCache): so is the claim made from each. */
const claims = new WeakMap<Principal, string>();

/** The claim the request's statements run under: the principal's organizations, or nothing without a principal. */
function claimOf(principal: Principal | null): string {
  const of = principal ?? NOBODY;
  let claim = claims.get(of);
  if (claim === undefined) {
    claim = JSON.stringify(principalClaim(of));
    claims.set(of, claim);
  }
  return claim;
}
