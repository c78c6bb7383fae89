// When DataLoader batches run. By default DataLoader runs a batch as soon as
// the current promise jobs are done, so a whole query (every level of every
// nested list) can run without giving the event loop back, and one heavy
// request holds every other one. Here a batch runs at once, as DataLoader
// would, while the current turn of the event loop has lasted less than
// SLICE_MS; after that it waits in a queue that is served SLICE_MS per turn
// (setImmediate), so that once the process is busy, timers and other
// requests' I/O get their turn at least every SLICE_MS of batches.
import { performance } from 'node:perf_hooks';

const SLICE_MS = 8;
const resolved = Promise.resolve();
const waiting: (() => void)[] = [];
let turnStarted = performance.now();
let serving = false;

/** Serves waiting batches, with their promise jobs, for up to SLICE_MS; then leaves the rest to the next turn. */
async function serve(): Promise<void> {
  turnStarted = performance.now();
  while (waiting.length > 0) {
    (waiting.shift() as () => void)();
    // Lets the batch's results flow into the query (promise jobs) before the time is checked.
    await resolved;
    if (performance.now() - turnStarted >= SLICE_MS) break;
  }
  if (waiting.length > 0) setImmediate(() => void serve());
  else serving = false;
}

export function scheduleBatch(callback: () => void): void {
  if (performance.now() - turnStarted < SLICE_MS) {
    void resolved.then(() => process.nextTick(callback));
    return;
  }
  waiting.push(callback);
  if (!serving) {
    serving = true;
    setImmediate(() => void serve());
  }
}

/** DataLoader options for every loader of a request. */
export const LOADER_OPTIONS = { batchScheduleFn: scheduleBatch } as const;
