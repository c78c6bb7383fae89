// CSRF prevention (Yoga's plugin): a request a browser sends without a CORS
// preflight (a GET, or a POST of a form or text/plain) must carry a header a
// page on another origin cannot set without one. JSON POSTs (GraphiQL, the
// tests, most clients) are preflighted and pass as they are; GET and SSE
// subscriptions send one of the headers below.
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';

/**
 * Any of these is enough: Yoga's own header, or `Authorization`, which a cross-origin page cannot send without a
 * preflight either (and every request but login and introspection carries it anyway).
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'authorization'];

/** No options: the headers are CSRF_HEADERS. A request without one is refused with 403 (FORBIDDEN). */
export function useCsrfPrevention(): Plugin {
  return useCSRFPrevention({ requestHeaders: CSRF_HEADERS }) as Plugin;
}
