// foundry backup under write load, then foundry restore: refused while a gateway holds the database, and once it
// is stopped, the backup swapped in with every write acknowledged before the backup began, the old file beside it.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/db/connection';
import { type Gateway, runFoundry, startGateway } from './helpers/gateway';
import { type Acknowledged, databaseHealth, liftQuota, missingWrites, startStorm } from './helpers/storm';

const copyOf = (acknowledged: Acknowledged): Acknowledged => ({
  agents: [...acknowledged.agents],
  sessions: [...acknowledged.sessions],
  batches: [...acknowledged.batches],
});

describe('foundry restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-restore-'));
  const databasePath = join(dir, 'foundry.db');
  const backupPath = join(dir, 'backup.db');
  let gateway: Gateway | null = null;
  afterAll(() => {
    if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores a backup taken under write load with every write acknowledged before it began', async () => {
    gateway = await startGateway(databasePath);
    const token = gateway.firstApiKey as string;
    await liftQuota(gateway.url, token);
    const storm = startStorm(gateway.url, token, 'restore');
    await new Promise((resolve) => setTimeout(resolve, 700));
    const beforeBackup = copyOf(storm.acknowledged);
    const backedUp = await runFoundry(databasePath, ['backup', '--to', backupPath]);
    await storm.stop();
    expect(backedUp.code).toBe(0);
    expect(storm.refused).toEqual([]);
    expect(beforeBackup.agents.length).toBeGreaterThan(0);
    // The load went on while the backup ran: later writes exist that the backup may lack.
    expect(storm.acknowledged.agents.length).toBeGreaterThan(beforeBackup.agents.length);

    const refused = await runFoundry(databasePath, ['restore', '--from', backupPath]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('foundry: refusing to restore: a gateway is running on this database; stop it first\n');

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    const restored = await runFoundry(databasePath, ['restore', '--from', backupPath]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    const replaced = readdirSync(dir).filter((name) => /^foundry\.db\.replaced-[0-9T-]+Z$/.test(name));
    expect(replaced).toHaveLength(1);
    expect(restored.stdout).toContain(replaced[0]);

    const db = new SqliteStore(databasePath);
    try {
      expect(await missingWrites(db, beforeBackup)).toEqual([]);
      expect(await databaseHealth(db)).toEqual({ integrity: 'ok', auditBroken: false, rollupsMatch: true });
    } finally {
      await db.close();
    }
    // The file it replaced holds every write, those after the backup too.
    const old = new SqliteStore(join(dir, replaced[0] as string));
    try {
      expect(await missingWrites(old, storm.acknowledged)).toEqual([]);
    } finally {
      await old.close();
    }
    // And a gateway starts on the restored file.
    gateway = await startGateway(databasePath);
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }, 60_000);

  it('refuses a backup whose audit chain was altered, or that is not a database, and changes nothing', async () => {
    const tampered = join(dir, 'tampered.db');
    copyFileSync(backupPath, tampered);
    const db = new SqliteStore(tampered);
    // As someone with the file in hand could: the append-only trigger does not bind them.
    await db.transaction((tx) => tx.exec('DROP TRIGGER audit_log_no_update'));
    await db.transaction((tx) =>
      tx.run("UPDATE audit_log SET action = 'agent.delete' WHERE id = (SELECT max(id) FROM audit_log WHERE action = 'agent.create')"),
    );
    await db.close();
    const before = readdirSync(dir).sort();
    const refused = await runFoundry(databasePath, ['restore', '--from', tampered]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^foundry: the backup's audit chain \S+ is broken at entry \d+ \(.*\); nothing was changed\n$/);

    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'not a database at all, but long enough to look like a header of one...');
    const notDatabase = await runFoundry(databasePath, ['restore', '--from', garbage]);
    expect(notDatabase.code).toBe(1);
    expect(notDatabase.stderr).toBe(`foundry: ${garbage} is not a readable SQLite database\n`);
    expect(readdirSync(dir).sort()).toEqual([...before, 'garbage.db'].sort());
    expect(existsSync(`${databasePath}.restoring`)).toBe(false);
  }, 30_000);
});
