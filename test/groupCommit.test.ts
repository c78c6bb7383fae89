// The SQLite store's writer: transactions queued while another runs are committed together (one COMMIT for the
// group), each still alone in what it sees and in how it fails; and waiting for another process's write lock does
// not block the event loop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateStore } from '../src/bootstrap';
import { SqliteStore } from '../src/db/connection';
import type { Tx } from '../src/db/store';

let dir: string;
let store: SqliteStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foundry-group-commit-'));
  store = new SqliteStore(join(dir, 'gateway.db'));
  await migrateStore(store);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const AT = '2026-02-01T00:00:00.000Z';

function insertOrganization(tx: Tx, slug: string) {
  return tx.run(`INSERT INTO organizations (id, slug, name, tier, created_at, updated_at) VALUES (:slug, :slug, :slug, 'free', :at, :at)`, {
    slug,
    at: AT,
  });
}

async function countLike(db: { get: Tx['get'] }, prefix: string): Promise<number> {
  const row = await db.get<{ n: number }>('SELECT count(*) AS n FROM organizations WHERE slug LIKE :prefix', { prefix: `${prefix}%` });
  return row?.n ?? 0;
}

/** A gate a transaction waits at, opened by the test. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('group commit', () => {
  it('commits the transactions queued behind a running one together, each seeing the ones before it', async () => {
    const held = gate();
    const commitsBefore = store.commits;
    const first = store.transaction(async (tx) => {
      await insertOrganization(tx, 'ga-0');
      await held.wait;
    });
    const seen: number[] = [];
    const queued = [1, 2, 3, 4].map((n) =>
      store.transaction(async (tx) => {
        seen.push(await countLike(tx, 'ga-'));
        await insertOrganization(tx, `ga-${n}`);
        return n;
      }),
    );
    await sleep(20);
    // Nothing is committed while the group's first transaction is open.
    expect(await countLike(store, 'ga-')).toBe(0);
    held.open();
    await first;
    expect(await Promise.all(queued)).toEqual([1, 2, 3, 4]);
    // In order, each sees every earlier one's rows.
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(await countLike(store, 'ga-')).toBe(5);
    expect(store.commits - commitsBefore).toBe(1);
  });

  it('rolls back a transaction that throws to its own savepoint: the rest of its group commits', async () => {
    const held = gate();
    const first = store.transaction(async (tx) => {
      await insertOrganization(tx, 'gb-0');
      await held.wait;
    });
    const second = store.transaction((tx) => insertOrganization(tx, 'gb-1'));
    const failing = store.transaction(async (tx) => {
      await insertOrganization(tx, 'gb-bad');
      throw new Error('refused after a write');
    });
    const duplicate = store.transaction((tx) => insertOrganization(tx, 'gb-1'));
    const last = store.transaction(async (tx) => {
      await insertOrganization(tx, 'gb-3');
      return countLike(tx, 'gb-');
    });
    held.open();
    await Promise.all([first, second]);
    await expect(failing).rejects.toThrow('refused after a write');
    await expect(duplicate).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    // The last one saw neither the refused row nor the duplicate.
    expect(await last).toBe(3);
    const slugs = await store.all<{ slug: string }>("SELECT slug FROM organizations WHERE slug LIKE 'gb-%' ORDER BY slug");
    expect(slugs.map((row) => row.slug)).toEqual(['gb-0', 'gb-1', 'gb-3']);
  });

  it('rolls back a failing first transaction alone: the ones queued behind it commit', async () => {
    const held = gate();
    const first = store.transaction(async (tx) => {
      await insertOrganization(tx, 'gc-bad');
      await held.wait;
      throw new Error('first refused');
    });
    const rest = [1, 2].map((n) => store.transaction((tx) => insertOrganization(tx, `gc-${n}`)));
    held.open();
    await expect(first).rejects.toThrow('first refused');
    await Promise.all(rest);
    const slugs = await store.all<{ slug: string }>("SELECT slug FROM organizations WHERE slug LIKE 'gc-%' ORDER BY slug");
    expect(slugs.map((row) => row.slug)).toEqual(['gc-1', 'gc-2']);
  });

  it('settles a transaction only once its group committed: a reader sees its rows as soon as it is told', async () => {
    const held = gate();
    const first = store.transaction(async (tx) => {
      await insertOrganization(tx, 'gd-0');
      await held.wait;
    });
    const visibleWhenTold: number[] = [];
    const followers = [1, 2, 3].map((n) =>
      store
        .transaction((tx) => insertOrganization(tx, `gd-${n}`))
        .then(async () => {
          visibleWhenTold.push(await countLike(store, `gd-${n}`));
        }),
    );
    held.open();
    await Promise.all([first, ...followers]);
    expect(visibleWhenTold).toEqual([1, 1, 1]);
  });
});

describe("another process's write lock", () => {
  it('is waited for without blocking the event loop, and the waiting transaction commits after it', async () => {
    // A second store on the same file stands for another process (a worker, the CLI).
    const other = new SqliteStore(join(dir, 'gateway.db'));
    try {
      const order: string[] = [];
      const held = other.transaction(async (tx) => {
        await insertOrganization(tx, 'ge-other');
        // Held for a while, on a timer: this timer can only fire if the waiting side leaves the event loop free.
        await sleep(300);
        order.push('other committed');
      });
      await sleep(20);
      let ticks = 0;
      const ticker = setInterval(() => {
        ticks += 1;
      }, 10);
      try {
        await store.transaction(async (tx) => {
          order.push('waiting one began');
          await insertOrganization(tx, 'ge-this');
        });
      } finally {
        clearInterval(ticker);
      }
      await held;
      expect(order).toEqual(['other committed', 'waiting one began']);
      // The event loop kept turning while the lock was held elsewhere (a blocking busy handler allows no tick at all).
      expect(ticks).toBeGreaterThan(5);
      expect(await countLike(store, 'ge-')).toBe(2);
    } finally {
      await other.close();
    }
  });
});
