// The SQLite store reads rows in raw mode and names their columns from what it kept when it prepared the statement;
// a script that changes the schema (a migration) must not leave those names behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/db/connection';

const dir = mkdtempSync(join(tmpdir(), 'foundry-store-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rows read after a script changed the schema', () => {
  it('carry the columns the table has now, on the read connection and in transactions', async () => {
    const store = new SqliteStore(join(dir, 'schema.db'));
    try {
      await store.transaction(async (tx) => {
        await tx.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT) STRICT');
        await tx.run("INSERT INTO t (id, a) VALUES (1, 'x')");
      });
      expect(await store.get('SELECT * FROM t')).toEqual({ id: 1, a: 'x' });
      expect(await store.transaction((tx) => tx.all('SELECT * FROM t'))).toEqual([{ id: 1, a: 'x' }]);

      await store.transaction((tx) => tx.exec("ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'y'"));

      expect(await store.get('SELECT * FROM t')).toEqual({ id: 1, b: 'x', c: 'y' });
      expect(await store.all('SELECT * FROM t')).toEqual([{ id: 1, b: 'x', c: 'y' }]);
      expect(await store.transaction((tx) => tx.all('SELECT * FROM t'))).toEqual([{ id: 1, b: 'x', c: 'y' }]);
    } finally {
      await store.close();
    }
  });
});
