// Process entry: read config, open and migrate the database, listen, shut down gracefully.
import { createServer } from 'node:http';
import { bootstrap, createLogger } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { installDiagnostics } from './diagnostics';
import { createGraphQLHandler } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const { services, migration, firstApiKey } = await bootstrap(config, logger);
  installDiagnostics(services);
  if (migration.applied.length > 0) {
    logger.info({ applied: migration.applied.map((m) => `${m.version}_${m.name}`) }, 'database migrated');
  }
  if (firstApiKey) {
    process.stderr.write(
      `\nA new database was created. Its first platform_owner API key (shown once, stored only hashed):\n\n  ${firstApiKey}\n\n` +
        `Open http://${config.host}:${config.port}/graphql and send it as the header  Authorization: Bearer <key>\n\n`,
    );
  }

  const handle = createGraphQLHandler(services);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ url: `http://${config.host}:${port}/graphql`, database: config.databasePath }, 'gateway listening');
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
    server.close(() => {
      services.db.close();
      logger.info('stopped');
      process.exit(0);
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
