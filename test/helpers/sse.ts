// A GraphQL-over-SSE client for tests (the "distinct connections" mode Yoga
// speaks): one POST with `accept: text/event-stream` per subscription, its
// body read event by event (`event: next` results, `event: complete`, `:` pings).
import type { GraphQLResponse } from './server';

export type Result<T> = Omit<GraphQLResponse<T>, 'status'>;

export type Stream<T> = {
  status: number;
  headers: Headers;
  /** Every `next` result so far, in order. */
  results: Result<T>[];
  /** Resolves once the server sent `complete` (or closed the stream). */
  completed: Promise<void>;
  /** Resolves once `results` holds at least `count` results; rejects after `timeoutMs`. */
  received: (count: number, timeoutMs?: number) => Promise<Result<T>[]>;
  /** Hangs up, as a client that goes away. */
  close: () => void;
};

/**
 * Opens a subscription and resolves once the server answered and sent its
 * first bytes (Yoga's first ping), by which time the subscription listens.
 */
export async function subscribe<T = Record<string, any>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
): Promise<Stream<T>> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  if (!response.body) throw new Error(`no body (status ${response.status})`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const results: Result<T>[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let finished = false;
  let started: () => void = () => undefined;
  const firstBytes = new Promise<void>((resolve) => (started = resolve));

  const completed = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        started();
        buffered += value;
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === 'complete') return;
          if (event === 'next' && data) results.push(JSON.parse(data) as Result<T>);
          for (const waiter of waiters) waiter();
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      finished = true;
      started();
      for (const waiter of waiters) waiter();
    }
  })();

  await firstBytes;
  return {
    status: response.status,
    headers: response.headers,
    results,
    completed,
    received: (count, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (results.length >= count) done(() => resolve(results));
          else if (finished)
            done(() => reject(new Error(`the stream ended after ${results.length} of ${count} results: ${JSON.stringify(results)}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`${results.length} of ${count} results after ${timeoutMs} ms: ${JSON.stringify(results)}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
    close: () => abort.abort(),
  };
}
