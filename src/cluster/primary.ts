// The cluster primary: forks the workers that share the listener, restarts the ones that die, relays between them, stops them.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { type Config, databaseLabel } from '../config';
import { isRelayedEvent } from '../events/bus';
import { listenForMetrics } from '../metricsServer';
import { answerMetricsRequest, primaryScrape } from './metrics';
import { DiagnosticsRelay, isDiagnosticsMessage, relayEvent } from './relays';

/** A worker that lived less than this before dying counts as a crash loop: its restart waits longer each time. */
const STABLE_AFTER_MS = 10_000;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 10_000;
/** Beyond SHUTDOWN_TIMEOUT_MS, how long the primary gives workers to exit before it kills them. */
const EXIT_GRACE_MS = 2_000;

export function runPrimary(config: Config, logger: Logger): void {
  const alive = new Map<number, { worker: Worker; startedAt: number }>();
  const serving = new Set<number>();
  const diagnostics = new DiagnosticsRelay(
    () => [...alive.values()].map(({ worker }) => worker).filter((worker) => serving.has(worker.id) && worker.isConnected()),
    answerParent,
  );
  const scrape = config.metrics ? primaryScrape() : null;
  const metricsServer =
    scrape && config.metrics?.port != null
      ? listenForMetrics(config.host, config.metrics.port, config.metrics.token, scrape, logger)
      : null;
  const restarts = new Set<NodeJS.Timeout>();
  let restartDelay = FIRST_RESTART_DELAY_MS;
  let announced = false;
  let stopping = false;

  cluster.schedulingPolicy = cluster.SCHED_RR;
  const fork = () => {
    const worker = cluster.fork();
    alive.set(worker.id, { worker, startedAt: Date.now() });
    worker.on('error', (error: Error) => logger.error({ worker: worker.id, err: error.message }, 'worker channel error'));
    worker.on('message', (message: unknown) => {
      if (isDiagnosticsMessage(message)) diagnostics.receive(worker, message);
      else if (isRelayedEvent(message))
        relayEvent(
          worker,
          message,
          [...alive.values()].map((entry) => entry.worker),
        );
      else if (scrape) answerMetricsRequest(scrape, worker, message);
    });
  };

  cluster.on('listening', (worker, address) => {
    serving.add(worker.id);
    if (!announced && serving.size === config.workers) {
      announced = true;
      logger.info(
        { url: `http://${config.host}:${address.port}/graphql`, database: databaseLabel(config), workers: config.workers },
        'gateway listening',
      );
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (alive.get(worker.id)?.startedAt ?? 0);
    alive.delete(worker.id);
    serving.delete(worker.id);
    if (stopping) {
      if (alive.size === 0) stopped();
      return;
    }
    if (lived >= STABLE_AFTER_MS) restartDelay = FIRST_RESTART_DELAY_MS;
    const delay = restartDelay;
    restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
    logger.warn({ worker: worker.id, code, signal, restartInMs: delay }, 'worker died; restarting it');
    const timer = setTimeout(() => {
      restarts.delete(timer);
      fork();
    }, delay);
    restarts.add(timer);
  });

  process.on('message', (message: unknown) => {
    if (isDiagnosticsMessage(message)) diagnostics.request(message);
  });

  const stopped = () => {
    logger.info('stopped');
    process.exit(0);
  };
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: serving.size }, 'shutting down: stopping the workers');
    metricsServer?.close();
    for (const timer of restarts) clearTimeout(timer);
    if (alive.size === 0) return stopped();
    for (const { worker } of alive.values()) worker.process.kill(signal);
    setTimeout(() => {
      logger.warn('workers still running after the shutdown timeout; killing them');
      for (const { worker } of alive.values()) worker.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs + EXIT_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  for (let i = 0; i < config.workers; i += 1) fork();
}

/** Answers the process that started the primary, if it still listens (a closed channel must not crash the gateway). */
function answerParent(message: object): void {
  if (process.send && process.connected) process.send(message, undefined, {}, () => undefined);
}
