// The typed permission catalogue against the seeds it must equal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { permissionCatalogue, roleCatalogue } from '../seeds/catalogue';
import { HELD_ONLY_THROUGH_SHORTHANDS, isPermission, PERMISSIONS } from '../src/auth/permissions';
import { projectFile } from '../src/db/paths';

/** The permissions each role of roles.tsv names one by one (not through `*` or "every permission …"). */
function namedByRoles(): Set<string> {
  const rows = readFileSync(projectFile('seeds/roles.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '');
  const named = new Set<string>();
  for (const row of rows) {
    const list = (row.split('\t')[4] ?? '').trim();
    if (list === '*' || list.startsWith('every permission')) continue;
    for (const code of list.split(/\s+/)) named.add(code);
  }
  return named;
}

describe('the permission catalogue', () => {
  it('lists exactly the permissions of seeds/permissions.tsv, in their order', () => {
    expect([...PERMISSIONS]).toEqual(permissionCatalogue().map((permission) => permission.code));
  });

  it('knows its own codes and nothing else', () => {
    expect(PERMISSIONS.every(isPermission)).toBe(true);
    expect(isPermission('agent:reed:org')).toBe(false);
  });

  it('has every permission granted by some role', () => {
    const granted = new Set(roleCatalogue().flatMap((role) => role.permissions));
    expect(PERMISSIONS.filter((permission) => !granted.has(permission))).toEqual([]);
  });

  it('has every permission named by some role, or documented as held only through the shorthands', () => {
    const named = namedByRoles();
    expect(PERMISSIONS.filter((permission) => !named.has(permission) && !HELD_ONLY_THROUGH_SHORTHANDS.includes(permission))).toEqual([]);
    expect(HELD_ONLY_THROUGH_SHORTHANDS.filter((permission) => named.has(permission))).toEqual([]);
  });
});
