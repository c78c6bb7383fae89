// WAL checkpoints run in a background thread, not inside a request's commit: after a burst of writes far below
// the serving connection's own (fallback) threshold, the database file itself still takes the new pages.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid } from './helpers/fixtures';
import { sqliteOf, startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await server.services.db.transaction((tx) => tx.run("DELETE FROM budgets WHERE organization_id = 'quant'"));
});
afterAll(() => server.close());

const RECORD = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { count } }';

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('WAL checkpoints', () => {
  it("leave the serving connection a fallback threshold far above SQLite's 1,000 pages", async () => {
    expect(await sqliteOf(server).withWriter((raw) => raw.pragma('wal_autocheckpoint', { simple: true }))).toBe(16_384);
  });

  it('copy committed pages into the database file in the background', async () => {
    const before = statSync(server.databasePath).size;
    const walBefore = statSync(`${server.databasePath}-wal`).size;
    const records = Array.from({ length: 1000 }, (_, i) => ({ model: 'gpt-4o', promptTokens: 100 + i, completionTokens: 10 + (i % 50) }));
    for (let batch = 0; batch < 4; batch++) {
      const response = await server.gql(RECORD, { input: { organizationId: gid('Organization', 'quant'), records } });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    }
    // 4,000 records are some 500 pages of WAL: no commit reaches the fallback threshold, so only the thread moves them.
    expect(statSync(`${server.databasePath}-wal`).size - walBefore).toBeLessThan(16_384 * 4096);
    expect(await until(() => statSync(server.databasePath).size > before + 256 * 1024, 5000)).toBe(true);
  });
});
