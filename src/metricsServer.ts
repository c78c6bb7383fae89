// METRICS_PORT: GET /metrics on a listener of its own (on HOST), so that the public port never serves it;
// the bearer token is asked for here too when METRICS_TOKEN is set. Run by the process that sees every worker.
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { answerScrape, type Scrape } from './plugins/use-metrics-endpoint';

export function listenForMetrics(host: string, port: number, token: string | null, scrape: Scrape, logger: Logger): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || req.method !== 'GET') {
      res.writeHead(path === '/metrics' ? 405 : 404, path === '/metrics' ? { allow: 'GET' } : {}).end();
      return;
    }
    answerScrape(req.headers.authorization, token, scrape).then(
      ({ status, headers, body }) => res.writeHead(status, headers).end(body),
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'metrics scrape failed');
        res.writeHead(500).end();
      },
    );
  });
  server.listen(port, host, () => {
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    logger.info({ url: `http://${host}:${bound}/metrics` }, 'metrics listening');
  });
  return server;
}
