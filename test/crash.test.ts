// kill -9 during a write storm, again and again: after each restart every acknowledged write and its audit entry
// are in the file, integrity_check is ok, the audit chains verify and the rollups equal a raw scan.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/db/connection';
import { type Gateway, ROOT, spawnGateway } from './helpers/gateway';
import { databaseHealth, liftQuota, missingWrites, startStorm } from './helpers/storm';

const TRIALS = 20;

describe('a gateway killed with SIGKILL during a write storm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-crash-'));
  const databasePath = join(dir, 'foundry.db');
  // The build starts in a fraction of tsx's time; it sits under the project so that it finds schema.sql and node_modules.
  const outdir = join(ROOT, 'node_modules/.cache', `foundry-crash-${process.pid}`);
  const start = () => spawnGateway([join(outdir, 'main.js')], databasePath, { LOG_LEVEL: 'info' });
  let gateway: Gateway;

  beforeAll(async () => {
    mkdirSync(outdir, { recursive: true });
    await build({
      entryPoints: [join(ROOT, 'src/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outdir,
      logLevel: 'warning',
    });
  }, 30_000);
  afterAll(() => {
    if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  });

  it(`loses no acknowledged write in ${TRIALS} trials`, async () => {
    gateway = await startWithKey(start);
    const token = gateway.firstApiKey as string;
    await liftQuota(gateway.url, token);
    const acknowledgedInAll = { agents: 0, sessions: 0, records: 0 };
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const storm = startStorm(gateway.url, token, `crash-${trial}`);
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 650));
      gateway.child.kill('SIGKILL');
      await gateway.exited;
      await storm.stop();
      expect(storm.refused).toEqual([]);

      gateway = await start();
      const db = new SqliteStore(databasePath);
      try {
        expect(await missingWrites(db, storm.acknowledged)).toEqual([]);
        expect(await databaseHealth(db)).toEqual({ integrity: 'ok', auditBroken: false, rollupsMatch: true });
      } finally {
        await db.close();
      }
      acknowledgedInAll.agents += storm.acknowledged.agents.length;
      acknowledgedInAll.sessions += storm.acknowledged.sessions.length;
      acknowledgedInAll.records += storm.acknowledged.batches.reduce((sum, batch) => sum + batch.ids.length, 0);
    }
    // Each trial must have been killed mid-storm, with writes acknowledged: otherwise it proved nothing.
    expect(acknowledgedInAll.agents).toBeGreaterThan(TRIALS);
    process.stdout.write(`crash test: ${TRIALS} kills; acknowledged and found ${JSON.stringify(acknowledgedInAll)}\n`);
  }, 120_000);
});

/** The first start prints the first key; keep it for every later start. */
async function startWithKey(start: () => Promise<Gateway>): Promise<Gateway> {
  const gateway = await start();
  if (!gateway.firstApiKey) throw new Error('the first start should print a key');
  return gateway;
}
