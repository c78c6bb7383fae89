// The asynchronous store on SQLite: a write transaction that awaits keeps its rows to itself until it commits,
// one that throws leaves nothing, and write transactions run one after another, never interleaved.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, Tx } from '../src/db/store';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const AT = '2026-02-01T00:00:00.000Z';

function insertOrganization(tx: Tx, slug: string) {
  return tx.run(`INSERT INTO organizations (id, slug, name, tier, created_at, updated_at) VALUES (:slug, :slug, :slug, 'free', :at, :at)`, {
    slug,
    at: AT,
  });
}

async function slugsOverHttp(): Promise<string[]> {
  const response = await server.gql<{ organizations: { edges: { node: { slug: string } }[] } }>(
    '{ organizations(first: 100) { edges { node { slug } } } }',
  );
  expect(response.errors).toBeUndefined();
  return (response.data?.organizations.edges ?? []).map((edge) => edge.node.slug);
}

async function storedSlugs(db: Store, prefix: string): Promise<string[]> {
  const rows = await db.all<{ slug: string }>('SELECT slug FROM organizations WHERE slug LIKE :prefix ORDER BY slug', {
    prefix: `${prefix}%`,
  });
  return rows.map((row) => row.slug);
}

describe('a slow write transaction', () => {
  it('is never seen by a reader polling over HTTP before it commits, and is seen after', async () => {
    const db = server.services.db;
    let committed = false;
    let ownView: string[] = [];
    // The transaction stays open at least 200 ms, and until the reader has polled a few times (a busy machine is slow).
    let polled: () => void = () => undefined;
    const enoughPolls = new Promise<void>((resolve) => {
      polled = resolve;
    });
    const slow = db
      .transaction(async (tx) => {
        await insertOrganization(tx, 'slow-a');
        await insertOrganization(tx, 'slow-b');
        // The transaction sees its own rows.
        ownView = (await tx.all<{ slug: string }>("SELECT slug FROM organizations WHERE slug LIKE 'slow-%' ORDER BY slug")).map(
          (row) => row.slug,
        );
        await Promise.all([sleep(200), enoughPolls]);
      })
      .then(() => {
        committed = true;
      });

    let pollsWhileOpen = 0;
    while (!committed) {
      const overHttp = await slugsOverHttp();
      const direct = await storedSlugs(db, 'slow-');
      if (committed) break;
      pollsWhileOpen++;
      if (pollsWhileOpen === 3) polled();
      expect(overHttp.filter((slug) => slug.startsWith('slow-'))).toEqual([]);
      expect(direct).toEqual([]);
      await sleep(10);
    }
    await slow;
    expect(pollsWhileOpen).toBeGreaterThanOrEqual(3);
    expect(ownView).toEqual(['slow-a', 'slow-b']);
    expect((await slugsOverHttp()).filter((slug) => slug.startsWith('slow-'))).toEqual(['slow-a', 'slow-b']);
    expect(await storedSlugs(db, 'slow-')).toEqual(['slow-a', 'slow-b']);
  });
});

describe('a write transaction that throws', () => {
  it('leaves none of its writes behind, and the next transaction runs normally', async () => {
    const db = server.services.db;
    const failure = new Error('changed my mind');
    await expect(
      db.transaction(async (tx) => {
        await insertOrganization(tx, 'thrown-a');
        await sleep(20);
        await insertOrganization(tx, 'thrown-b');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await storedSlugs(db, 'thrown-')).toEqual([]);

    await db.transaction((tx) => insertOrganization(tx, 'thrown-after'));
    expect(await storedSlugs(db, 'thrown-')).toEqual(['thrown-after']);
  });

  it('rolls back when a statement fails, keeping nothing of the statements before it', async () => {
    const db = server.services.db;
    await expect(
      db.transaction(async (tx) => {
        await insertOrganization(tx, 'clash-a');
        await insertOrganization(tx, 'clash-a');
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(await storedSlugs(db, 'clash-')).toEqual([]);
  });

  it('refuses statements through its tx once it has ended, so a stray await cannot write outside it', async () => {
    const db = server.services.db;
    let leaked: Tx | null = null;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect((leaked as unknown as Tx).run("DELETE FROM organizations WHERE slug = 'thrown-after'")).rejects.toThrow(
      /transaction has ended/,
    );
    expect(await storedSlugs(db, 'thrown-after')).toEqual(['thrown-after']);
  });

  it('does not nest: a transaction opened from a tx is refused and the outer one rolls back', async () => {
    const db = server.services.db;
    await expect(
      db.transaction(async (tx) => {
        await insertOrganization(tx, 'nested-outer');
        await (tx as unknown as Store).transaction((inner) => insertOrganization(inner, 'nested-inner'));
      }),
    ).rejects.toThrow(/do not nest/);
    expect(await storedSlugs(db, 'nested-')).toEqual([]);
  });
});

describe('concurrent write transactions', () => {
  it('run one after another: no statement of the second runs inside the first', async () => {
    const db = server.services.db;
    const events: string[] = [];
    const first = db.transaction(async (tx) => {
      events.push('first begins');
      await insertOrganization(tx, 'serial-1a');
      await sleep(60);
      await insertOrganization(tx, 'serial-1b');
      events.push('first ends');
    });
    const second = db.transaction(async (tx) => {
      events.push('second begins');
      // The first transaction's rows are committed by now, and this one sees them.
      events.push(`second sees ${(await tx.all("SELECT 1 FROM organizations WHERE slug LIKE 'serial-1%'")).length}`);
      await insertOrganization(tx, 'serial-2a');
      await sleep(10);
      await insertOrganization(tx, 'serial-2b');
      events.push('second ends');
    });
    await Promise.all([first, second]);
    expect(events).toEqual(['first begins', 'first ends', 'second begins', 'second sees 2', 'second ends']);
    expect(await storedSlugs(db, 'serial-')).toEqual(['serial-1a', 'serial-1b', 'serial-2a', 'serial-2b']);
  });

  it('queue in the order they were asked for', async () => {
    const db = server.services.db;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((n) =>
        db.transaction(async (tx) => {
          await tx.get('SELECT 1');
          await sleep(5 - n);
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("a request's view of the store", () => {
  it('counts the statements of its reads and of the transactions it opens', async () => {
    const stats = { statements: 0, ms: 0 };
    const view = server.services.db.forRequest(stats, false);
    await view.get('SELECT 1');
    await view.all('SELECT 1');
    await view.transaction(async (tx) => {
      await tx.get('SELECT 1');
      await tx.run("UPDATE organizations SET name = name WHERE slug = 'serial-1a'");
    });
    for await (const _row of view.iterate('SELECT slug FROM organizations')) {
      // a walk counts once, however many rows it reads
    }
    expect(stats.statements).toBe(5);
  });
});

describe('a walk (iterate)', () => {
  it('reads every row in order while other reads go on between its batches', async () => {
    const db = server.services.db;
    await db.transaction(async (tx) => {
      for (let i = 0; i < 600; i++) await insertOrganization(tx, `walk-${String(i).padStart(3, '0')}`);
    });
    const walked: string[] = [];
    let readsMeanwhile = 0;
    const other = (async () => {
      while (walked.length < 600) {
        expect(await db.get<{ n: number }>('SELECT count(*) AS n FROM organizations')).toBeDefined();
        readsMeanwhile++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for await (const row of db.iterate<{ slug: string }>("SELECT slug FROM organizations WHERE slug LIKE 'walk-%' ORDER BY slug")) {
      walked.push(row.slug);
    }
    await other;
    expect(walked).toHaveLength(600);
    expect(walked[0]).toBe('walk-000');
    expect(walked[599]).toBe('walk-599');
    expect(readsMeanwhile).toBeGreaterThan(1);
  });
});
