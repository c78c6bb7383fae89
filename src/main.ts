// Process entry: read config, open and migrate the database, listen (alone or as FOUNDRY_WORKERS cluster workers), shut down gracefully.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import { bootstrap, connect, createLogger, type PreparedDatabase, prepareDatabase } from './bootstrap';
import { workerScrape } from './cluster/metrics';
import { runPrimary } from './cluster/primary';
import { type Config, ConfigError, databaseLabel, loadConfig } from './config';
import { type Hold, holdShared } from './db/hold';
import { installDiagnostics } from './diagnostics';
import { listenForMetrics } from './metricsServer';
import { answerClientError, refusalBody } from './plugins/use-http-refusals';
import type { AppServices } from './schema/context';
import { createGraphQLHandler } from './server';

/** This process's shared hold on the database (src/db/hold.ts): kept for the process's life, dropped by the kernel at exit. */
let hold: Hold | null = null;

async function main(): Promise<void> {
  const config = loadConfig();
  // Read by V8 whenever it sets the next full collection's limit, so it holds from here on (cluster workers run this too).
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  const logger = createLogger(config);
  // The hold keeps `foundry restore` and `secrets rotate` off a SQLite file in use; PostgreSQL has no such file.
  if (!config.databaseUrl && config.databasePath !== ':memory:') hold = holdShared(config.databasePath);
  if (cluster.isWorker && cluster.worker) {
    // The primary prepared the database; a worker only opens it.
    const workerLogger = logger.child({ worker: cluster.worker.id });
    serve(connect(config, workerLogger), cluster.worker.id);
    return;
  }
  if (config.workers === 1) {
    const { services, migration, firstApiKey, sealedClearSecrets } = await bootstrap(config, logger);
    announce(config, logger, { migration, firstApiKey, sealedClearSecrets });
    serve(services, null);
    return;
  }
  const prepared = await prepareDatabase(config);
  await prepared.db.close();
  announce(config, logger, prepared);
  runPrimary(config, logger);
}

function announce(config: Config, logger: Logger, { migration, firstApiKey, sealedClearSecrets }: Omit<PreparedDatabase, 'db'>): void {
  if (sealedClearSecrets > 0) logger.info({ secrets: sealedClearSecrets }, 'integration secrets stored in clear text were encrypted');
  if (migration.applied.length > 0) {
    logger.info({ applied: migration.applied.map((m) => `${m.version}_${m.name}`) }, 'database migrated');
  }
  if (firstApiKey) {
    process.stderr.write(
      `\nA new database was created. Its first platform_owner API key (shown once, stored only hashed):\n\n  ${firstApiKey}\n\n` +
        `Open http://${config.host}:${config.port}/graphql and send it as the header  Authorization: Bearer <key>\n\n`,
    );
  }
}

/** Listens and serves until SIGTERM/SIGINT; `workerId` is set in a cluster worker, and named in a response header. */
function serve(services: AppServices, workerId: number | null): void {
  const { config, logger } = services;
  installDiagnostics(services);
  services.webhooks.start();
  const { metrics } = services;
  // In a cluster the primary serves METRICS_PORT, and a scrape on the public port is answered with every worker's metrics.
  const handle = createGraphQLHandler(services, workerId !== null && metrics ? { scrape: workerScrape() } : {});
  const metricsPort = config.metrics?.port ?? null;
  const metricsServer =
    workerId === null && metrics && metricsPort !== null
      ? listenForMetrics(config.host, metricsPort, config.metrics?.token ?? null, metrics.scrape, logger)
      : null;
  const server = createServer((req, res) => {
    if (workerId !== null) res.setHeader('x-foundry-worker', String(workerId));
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(refusalBody('Internal server error.', 500));
    });
  });
  // Requests Node refuses before the handler (oversized headers, malformed HTTP) get a JSON error body too.
  server.on('clientError', answerClientError);
  server.listen(config.port, config.host, () => {
    if (workerId !== null) {
      logger.info({ pid: process.pid }, 'worker listening');
      return;
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ url: `http://${config.host}:${port}/graphql`, database: databaseLabel(config) }, 'gateway listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      logger.warn('requests still in flight after the shutdown timeout; closing anyway');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    metricsServer?.close();
    // Open subscriptions complete now; their connections close once idle (a finished stream leaves a keep-alive connection behind).
    services.events.close();
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    idle.unref();
    server.close(() => {
      clearInterval(idle);
      // The last key uses are written, then the store closes: after the transactions still queued, and the
      // checkpoint thread's last checkpoint.
      void services.keyUse
        .flush()
        .finally(() => services.webhooks.stop())
        .finally(() => services.db.close())
        .finally(() => {
          hold?.release();
          logger.info('stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`foundry-gateway: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
