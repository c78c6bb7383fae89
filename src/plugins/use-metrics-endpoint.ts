// GET /metrics on the public port, behind a bearer token (METRICS_TOKEN):
// Prometheus text for the whole gateway. Installed only when the token is set
// and no METRICS_PORT is; otherwise /metrics is a path like any unknown one.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

/** Prometheus text and its content type. */
export type Scrape = () => Promise<{ contentType: string; text: string }>;

export type MetricsEndpointOptions = {
  /** The bearer token a scrape must send (`Authorization: Bearer <token>`). */
  token: string;
  /** Reads the metrics (this process's, or every worker's through the cluster primary). */
  scrape: Scrape;
  /** The path answered; /metrics unless given. */
  endpoint?: string;
};

export type MetricsAnswer = { status: number; headers: Record<string, string>; body: string };

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The answer to a scrape: the metrics, or 401 with a GraphQL-style error body
 * (the same UNAUTHENTICATED as the API's, never saying whether the token was
 * missing or wrong) when `token` is set and the request does not carry it.
 */
export async function answerScrape(authorization: string | null | undefined, token: string | null, scrape: Scrape): Promise<MetricsAnswer> {
  if (token !== null) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), digest(token))) {
      const error = { message: 'Send the metrics token as "Authorization: Bearer <token>".', extensions: { code: 'UNAUTHENTICATED' } };
      return {
        status: 401,
        headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' },
        body: JSON.stringify({ errors: [error] }),
      };
    }
  }
  const { contentType, text } = await scrape();
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body: text };
}

export function useMetricsEndpoint({ token, scrape, endpoint = '/metrics' }: MetricsEndpointOptions): Plugin {
  return {
    onRequest: async ({ request, url, endResponse, fetchAPI }) => {
      if (url.pathname !== endpoint) return;
      if (request.method !== 'GET') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET' } }));
        return;
      }
      const answer = await answerScrape(request.headers.get('authorization'), token, scrape);
      endResponse(new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers }));
    },
  };
}
