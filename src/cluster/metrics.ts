// Metrics across the cluster: the primary sums every worker's registry (prom-client's AggregatorRegistry asks
// each worker over IPC); a worker that receives a scrape on the public port asks the primary for that sum.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Scrape } from '../plugins/use-metrics-endpoint';

const METRICS_MESSAGE = 'foundry:metrics';
/** Longer than prom-client's own 5 s wait for the workers, so that its error (not ours) names what failed. */
const SCRAPE_TIMEOUT_MS = 6_000;

type MetricsRequest = { type: typeof METRICS_MESSAGE; id: number };
type MetricsReply = { type: typeof METRICS_MESSAGE; id: number; contentType?: string; text?: string; error?: string };

function isMetricsMessage(message: unknown): message is MetricsRequest | MetricsReply {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === METRICS_MESSAGE;
}

/** In the primary: every worker's metrics, summed (the database file sizes: their largest reading). */
export function primaryScrape(): Scrape {
  const aggregator = new AggregatorRegistry();
  return async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() });
}

/** In the primary: answers a worker's request for the cluster's metrics (false when the message is not one). */
export function answerMetricsRequest(scrape: Scrape, worker: Worker, message: unknown): boolean {
  if (!isMetricsMessage(message)) return false;
  const { id } = message;
  const reply = (answer: Omit<MetricsReply, 'type' | 'id'>) => {
    if (worker.isConnected()) worker.send({ type: METRICS_MESSAGE, id, ...answer }, undefined, () => undefined);
  };
  scrape().then(
    ({ contentType, text }) => reply({ contentType, text }),
    (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
  );
  return true;
}

/** In a worker: the cluster's metrics, asked of the primary. */
export function workerScrape(): Scrape {
  const pending = new Map<number, (reply: MetricsReply) => void>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (isMetricsMessage(message) && 'id' in message && cluster.isWorker) pending.get(message.id)?.(message as MetricsReply);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => settle({ type: METRICS_MESSAGE, id, error: 'the cluster primary did not answer' }), SCRAPE_TIMEOUT_MS);
      const settle = (reply: MetricsReply) => {
        clearTimeout(timer);
        pending.delete(id);
        if (reply.text !== undefined && reply.contentType !== undefined) resolve({ contentType: reply.contentType, text: reply.text });
        else reject(new Error(`metrics: ${reply.error ?? 'no answer'}`));
      };
      pending.set(id, settle);
      if (!process.send) return settle({ type: METRICS_MESSAGE, id, error: 'not a cluster worker' });
      process.send({ type: METRICS_MESSAGE, id } satisfies MetricsRequest, undefined, {}, (error) => {
        if (error) settle({ type: METRICS_MESSAGE, id, error: error.message });
      });
    });
}
