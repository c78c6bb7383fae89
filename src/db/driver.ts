// The SQLite driver this Node can run: better-sqlite3 13 where Node-API 10 exists (Node 22.14 and later), the 12 line
// (installed as `better-sqlite3-12`) on Node 20, whose Node-API stops at 9 and which cannot load 13 at all.
// 12 must never load on Node 24: built against its headers (24.19 and later), its statements and databases abort the
// process when the garbage collector frees them outside a JavaScript context (`Assertion failed: (env) != nullptr`
// in RemoveEnvironmentCleanupHook); 13 wraps its objects with Node-API instead, and is free of it.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/** The package this process loads: the same on the serving thread and the checkpoint thread. */
export const sqliteDriverModule = Number(process.versions.napi) >= 10 ? 'better-sqlite3' : 'better-sqlite3-12';

/** Where that package's entry file is, for a worker thread to require. */
export const sqliteDriverPath = require.resolve(sqliteDriverModule);

export const Sqlite = require(sqliteDriverModule) as typeof BetterSqlite3;
