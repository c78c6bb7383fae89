// The permission catalogue and the ten roles, read from the TSV files beside
// this one (copies of the domain facts). Re-running brings the database back
// to the catalogue exactly: it is the authority for system data.
import { readFileSync } from 'node:fs';
import { projectFile } from '../src/db/paths';
import { isoNow, jsonValues, type Store } from '../src/db/store';

export type PermissionSeed = { code: string; resource: string; action: string; scope: string; description: string };
export type RoleSeed = { name: string; level: string; isSystem: boolean; description: string; permissions: string[] };

function readTsv(file: string): string[][] {
  const lines = readFileSync(projectFile(`seeds/${file}`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return lines.slice(1).map((line) => line.split('\t'));
}

export function permissionCatalogue(): PermissionSeed[] {
  return readTsv('permissions.tsv').map(([code, resource, action, scope, description]) => ({
    code: code ?? '',
    resource: resource ?? '',
    action: action ?? '',
    scope: scope ?? '',
    description: description ?? '',
  }));
}

/** Expands the roles file's shorthands: `*` and "every permission whose code has no ':platform'". */
export function roleCatalogue(permissions: PermissionSeed[] = permissionCatalogue()): RoleSeed[] {
  const codes = permissions.map((p) => p.code);
  return readTsv('roles.tsv').map(([name, level, system, description, list]) => {
    const spec = (list ?? '').trim();
    let granted: string[];
    if (spec === '*') granted = codes;
    else if (spec.startsWith('every permission whose code has no')) granted = codes.filter((c) => !c.includes(':platform'));
    else granted = spec.split(/\s+/).filter(Boolean);
    const unknown = granted.filter((code) => !codes.includes(code));
    if (unknown.length > 0) throw new Error(`role ${name} names unknown permissions: ${unknown.join(', ')}`);
    return { name: name ?? '', level: level ?? '', isSystem: system === 'yes', description: description ?? '', permissions: granted };
  });
}

export async function seedCatalogue(db: Store): Promise<void> {
  const permissions = permissionCatalogue();
  const roles = roleCatalogue(permissions);
  const now = isoNow();
  await db.transaction(async (tx) => {
    for (const p of permissions) {
      await tx.run(
        `INSERT INTO permissions (code, resource, action, scope, description)
         VALUES (:code, :resource, :action, :scope, :description)
         ON CONFLICT (code) DO UPDATE SET resource = excluded.resource, action = excluded.action,
           scope = excluded.scope, description = excluded.description`,
        p,
      );
    }
    for (const role of roles) {
      await tx.run(
        `INSERT INTO roles (id, name, level, is_system, description, created_at)
         VALUES (:name, :name, :level, :isSystem, :description, :now)
         ON CONFLICT (id) DO UPDATE SET level = excluded.level, is_system = excluded.is_system,
           description = excluded.description`,
        { name: role.name, level: role.level, isSystem: role.isSystem ? 1 : 0, description: role.description, now },
      );
      await tx.run(
        `DELETE FROM role_permissions WHERE role_id = :role
           AND permission_code NOT IN (SELECT value FROM ${jsonValues(tx)}(:codes))`,
        { role: role.name, codes: JSON.stringify(role.permissions) },
      );
      await tx.run(
        `INSERT INTO role_permissions (role_id, permission_code)
         SELECT :role, value FROM ${jsonValues(tx)}(:codes) WHERE true
         ON CONFLICT DO NOTHING`,
        { role: role.name, codes: JSON.stringify(role.permissions) },
      );
    }
  });
}
