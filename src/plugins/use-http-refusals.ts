// HTTP-level refusals answer a GraphQL error body with a contract code, never
// an empty body: Yoga answers a content type it has no parser for (415) and a
// few other refusals without one. Node's own refusals, before any request
// reaches Yoga (431 for oversized headers, 400 for malformed HTTP), are
// answered by answerClientError, installed on the HTTP server.
import type { Socket } from 'node:net';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { codeOfStatus } from '../schema/errors';

export type HttpRefusalsOptions = {
  /** The GraphQL endpoint's path: only its responses are rewritten (GraphiQL's assets and /health keep theirs). */
  graphqlEndpoint: string;
};

/** The body of a refusal: one GraphQL error. */
export function refusalBody(message: string, status: number): string {
  return JSON.stringify({ errors: [{ message, extensions: { code: codeOfStatus(status) } }] });
}

const MESSAGES: Record<number, string> = {
  404: 'Not found.',
  405: 'Method not allowed: send GET or POST.',
  406: 'Not acceptable: accept application/json, application/graphql-response+json or text/event-stream.',
  415: 'Unsupported content type: send application/json.',
};

export function useHttpRefusals({ graphqlEndpoint }: HttpRefusalsOptions): Plugin {
  return {
    // Registered after Yoga's parsers: when none took the request, its content type is one Yoga cannot read.
    onRequestParse: ({ request, requestParser, url }) => {
      // Other methods are Yoga's 405.
      if (requestParser || url.pathname !== graphqlEndpoint || (request.method !== 'GET' && request.method !== 'POST')) return;
      throw createGraphQLError(MESSAGES[415] as string, { extensions: { code: 'BAD_USER_INPUT', http: { status: 415 } } });
    },
    onResponse: ({ request, response, setResponse, fetchAPI }) => {
      if (response.status < 400 || response.body !== null || request.method === 'HEAD') return;
      if (new URL(request.url).pathname !== graphqlEndpoint) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      headers.delete('content-length');
      const message = MESSAGES[response.status] ?? (response.statusText || 'Request refused.');
      setResponse(new fetchAPI.Response(refusalBody(message, response.status), { status: response.status, headers }));
    },
  };
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request header fields too large.'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Chunk extensions too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request timeout.'],
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/**
 * For the HTTP server's `clientError` event: Node refuses a request it cannot parse before any handler runs, by
 * default with an empty body; this answers the same status with a GraphQL error body, then closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Malformed HTTP request.'];
  const body = refusalBody(message, status);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
