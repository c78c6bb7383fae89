// The WAL checkpointer's thread (started by src/db/checkpointer.ts): its own connection to the database file,
// a PASSIVE checkpoint every intervalMs, never waiting on a lock (a busy checkpoint is simply tried again later).
// Plain CommonJS so that it runs the same from the sources, the build and the tests.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);

const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');

function checkpoint() {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Only the SQLite error code travels: never paths, SQL or values.
    parentPort.postMessage({ type: 'error', code: error?.code || 'UNKNOWN' });
  }
}

const timer = setInterval(checkpoint, workerData.intervalMs);

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
