// The test database seen whole: every table's digest (to show that a refused write changed nothing) and the audit log read back.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { tableNames } from '../../src/db/tables';
import type { TestServer } from './server';

export type Snapshot = { tables: Record<string, string>; auditMaxId: number };

/** A table's rows as a count and a hash, in any order. */
export function digest(rows: unknown[]): string {
  const lines = rows.map((row) => JSON.stringify(row)).sort();
  return `${lines.length}:${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
}

/** Every table's row count and a digest of all of its rows. */
export async function snapshot(server: TestServer): Promise<Snapshot> {
  const db = server.services.db;
  const tables: Record<string, string> = {};
  for (const name of await tableNames(db)) tables[name] = digest(await db.all(`SELECT * FROM "${name}"`));
  return { tables, auditMaxId: await auditMaxId(server) };
}

export async function auditMaxId(server: TestServer): Promise<number> {
  return (await server.services.db.get<{ n: number }>('SELECT coalesce(max(id), 0) AS n FROM audit_log'))?.n ?? 0;
}

type AuditRow = {
  id: number;
  action: string;
  result: string;
  organization_id: string | null;
  resource_id: string | null;
  metadata: string;
};
export type AuditEntry = Omit<AuditRow, 'metadata'> & { metadata: Record<string, any> };

/** The audit entries written after entry `id`, oldest first, metadata parsed. */
export async function auditSince(server: TestServer, id: number): Promise<AuditEntry[]> {
  return (
    await server.services.db.all<AuditRow>(
      'SELECT id, action, result, organization_id, resource_id, metadata FROM audit_log WHERE id > :id ORDER BY id',
      { id },
    )
  ).map((row) => ({ ...row, metadata: JSON.parse(row.metadata) as Record<string, any> }));
}

export async function expectUnchanged(server: TestServer, before: Snapshot): Promise<void> {
  expect(await snapshot(server)).toEqual(before);
}

/** After a FORBIDDEN: nothing changed but one more audit_log row, DENIED, for the action; older entries untouched. */
export async function expectOnlyDenied(server: TestServer, before: Snapshot, action: string): Promise<void> {
  const after = await snapshot(server);
  expect({ ...after.tables, audit_log: 'ignored' }).toEqual({ ...before.tables, audit_log: 'ignored' });
  const added = await auditSince(server, before.auditMaxId);
  expect(added.map((entry) => [entry.result, entry.action])).toEqual([['denied', action]]);
  const older = await server.services.db.all('SELECT * FROM audit_log WHERE id <= :id', { id: before.auditMaxId });
  expect(digest(older)).toBe(before.tables.audit_log);
}

/** The `n` a `SELECT count(*) AS n …` answers (-1 when it answers nothing). */
export async function count(server: TestServer, sql: string, params: Record<string, string> = {}): Promise<number> {
  return (await server.services.db.get<{ n: number }>(sql, params))?.n ?? -1;
}
