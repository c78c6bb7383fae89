// GET /ready: 200 {"status":"ready"} while the database answers, 503
// {"status":"unavailable"} otherwise. Yoga's own readiness check, given the
// database's answer; /health (alive) is Yoga's healthCheckEndpoint.
import { type Plugin, useReadinessCheck } from 'graphql-yoga';
import type { Store } from '../db/store';

export type DatabaseReadinessOptions = {
  /** The database whose answer to `SELECT 1` makes the process ready. */
  db: Store;
  /** The path answered; /ready unless given. */
  endpoint?: string;
};

async function answers(db: Store): Promise<boolean> {
  try {
    return db.isOpen() && (await db.get<{ ok: number }>('SELECT 1 AS ok'))?.ok === 1;
  } catch {
    return false;
  }
}

export function useDatabaseReadiness({ db, endpoint = '/ready' }: DatabaseReadinessOptions): Plugin {
  return useReadinessCheck({
    endpoint,
    check: async ({ fetchAPI }) => {
      const ok = await answers(db);
      return new fetchAPI.Response(JSON.stringify({ status: ok ? 'ready' : 'unavailable' }), {
        status: ok ? 200 : 503,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
}
