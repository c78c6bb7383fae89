// GET /ready: 200 {"status":"ready"} while the database answers, 503
// {"status":"unavailable"} otherwise. Yoga's own readiness check, given the
// database's answer; /health (alive) is Yoga's healthCheckEndpoint.
import { type Plugin, useReadinessCheck } from 'graphql-yoga';
import type { Database } from '../db/connection';

export type DatabaseReadinessOptions = {
  /** The database whose answer to `SELECT 1` makes the process ready. */
  db: Database;
  /** The path answered; /ready unless given. */
  endpoint?: string;
};

function answers(db: Database): boolean {
  try {
    return db.isOpen() && db.get<{ ok: number }>('SELECT 1 AS ok')?.ok === 1;
  } catch {
    return false;
  }
}

export function useDatabaseReadiness({ db, endpoint = '/ready' }: DatabaseReadinessOptions): Plugin {
  return useReadinessCheck({
    endpoint,
    check: ({ fetchAPI }) => {
      const ok = answers(db);
      return new fetchAPI.Response(JSON.stringify({ status: ok ? 'ready' : 'unavailable' }), {
        status: ok ? 200 : 503,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
}
