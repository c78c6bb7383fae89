// When DataLoader batches run. By default DataLoader runs a batch as soon as
// the current promise jobs are done, so a whole query (every level of every
// nested list) can run without giving the event loop back, and one heavy
// request holds every other one. Here a batch runs on the next turn of the
// event loop (setImmediate) once this turn has lasted SLICE_MS, so other
// requests' I/O and timers get their turn between levels; otherwise it runs
// at once, as DataLoader would.
import { performance } from 'node:perf_hooks';

const SLICE_MS = 8;
const resolved = Promise.resolve();
let turnStarted = performance.now();

function runOnNextTurn(callback: () => void): void {
  setImmediate(() => {
    turnStarted = performance.now();
    callback();
  });
}

export function scheduleBatch(callback: () => void): void {
  if (performance.now() - turnStarted < SLICE_MS) {
    void resolved.then(() => process.nextTick(callback));
  } else {
    runOnNextTurn(callback);
  }
}

/** DataLoader options for every loader of a request. */
export const LOADER_OPTIONS = { batchScheduleFn: scheduleBatch } as const;
