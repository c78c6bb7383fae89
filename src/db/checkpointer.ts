// WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit that grows the WAL past
// 1,000 pages: that commit copies the WAL into the database file and fsyncs it, 20-80 ms during batch ingest
// (measured on the 1M-record data set), while every other request waits. Here a worker thread with its own
// connection runs PASSIVE checkpoints every interval, and the serving connection keeps a far larger automatic
// threshold only as a fallback, restored to SQLite's default if the thread ever stops.
import { Worker } from 'node:worker_threads';
import { sqliteDriverPath } from './driver';
import { projectFile } from './paths';

/** How often the thread checkpoints. */
const INTERVAL_MS = 200;
/** The serving connection's own threshold while the thread runs (pages; 4 KiB each): a fallback, not the path. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

export type Checkpointer = { stop: () => Promise<void> };

type Pragma = (source: string) => unknown;

/**
 * Starts the checkpoint thread for the database file at `path`; `pragma` runs on the serving connection.
 * `onError` hears SQLite error codes (never paths, SQL or values).
 */
export function startCheckpointer(path: string, pragma: Pragma, onError: (code: string) => void): Checkpointer {
  const worker = new Worker(projectFile('src/db/checkpoint-worker.cjs'), {
    workerData: { path, driver: sqliteDriverPath, intervalMs: INTERVAL_MS },
  });
  // The thread never keeps the process alive: stop() ends it cleanly, and process exit ends it anyway.
  worker.unref();
  pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      if (running) pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      running = false;
      resolve();
    });
  });
  worker.on('message', (message: { type?: string; code?: string }) => {
    if (message?.type === 'error') onError(message.code ?? 'UNKNOWN');
  });
  worker.on('error', () => onError('WORKER_FAILED'));
  return {
    stop: async () => {
      if (!running) return;
      running = false;
      pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      // Held open until its last checkpoint is done: a caller awaiting stop() has nothing else keeping it alive.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
