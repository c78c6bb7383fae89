// The PostgreSQL baseline: postgres/schema.sql and postgres/rbac.sql (the current schema, as SQLite's baseline
// plus migrations 0002..0006 leave it), and the gateway's role. The row-level security that follows them is
// rendered from the access policy (src/auth/rowLevelSecurity.ts).
import { readFileSync } from 'node:fs';
import { projectFile } from '../paths';

/** The versions the baseline stands for: a new PostgreSQL database records these as applied. */
export const POSTGRES_BASELINE_VERSION = 6;

/**
 * The schema files in order, for one transaction in the target schema (names resolve by search_path); then
 * rowLevelSecurityStatements() in the same transaction.
 */
export function postgresSchemaFiles(): string[] {
  return [readFileSync(projectFile('postgres/schema.sql'), 'utf8'), readFileSync(projectFile('postgres/rbac.sql'), 'utf8')];
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/** A name from the code's own lists (tables, columns, the schema and role names it is given), double-quoted; nothing else. */
export function quoteName(name: string): string {
  if (!NAME.test(name)) throw new Error(`not a plain SQL name: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * What the gateway's own role may do in the schema: read and write rows, never change the schema, never
 * rewrite the audit log. The role must not own the tables, be a superuser or have BYPASSRLS (createAppRoleStatement).
 */
export function appRoleGrantStatements(schema: string, role: string): string[] {
  const s = quoteName(schema);
  const r = quoteName(role);
  return [
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON ${s}."audit_log" FROM ${r}`,
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`,
  ];
}

/** The gateway's login role, held by the wall: no superuser, no BYPASSRLS, owns nothing. */
export function createAppRoleStatement(role: string): string {
  return `CREATE ROLE ${quoteName(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`;
}
