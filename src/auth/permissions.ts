// The permission catalogue as a type: a misspelt permission does not compile.
// The list equals seeds/permissions.tsv (test/permissions.test.ts checks it).

export const PERMISSIONS = [
  'org:read',
  'org:update',
  'org:read:platform',
  'org:update:platform',
  'org:delete:platform',
  'org:tier:update',
  'user:read',
  'user:invite',
  'user:update',
  'user:revoke',
  'user:read:platform',
  'agent:create',
  'agent:read:self',
  'agent:read:org',
  'agent:update:self',
  'agent:update:org',
  'agent:delete:self',
  'agent:delete:org',
  'agent:publish',
  'agent:execute',
  'session:read:self',
  'session:read:org',
  'session:terminate:self',
  'session:terminate:org',
  'artifact:read:self',
  'artifact:read:org',
  'artifact:delete:org',
  'llm:invoke',
  'llm:quota:read:self',
  'llm:quota:read:org',
  'llm:quota:update:org',
  'audit:read:self',
  'audit:read:org',
  'audit:read:platform',
  'settings:read',
  'settings:update',
  'settings:read:platform',
  'settings:update:platform',
  'api_key:create:self',
  'api_key:read:self',
  'api_key:revoke:self',
  'api_key:create:org',
  'api_key:revoke:org',
  'domain:create',
  'domain:read',
  'domain:update',
  'domain:delete',
  'instance:create',
  'instance:read',
  'instance:update',
  'instance:delete',
  'support:impersonate:org',
  'integration:read',
  'integration:update',
  'integration:secret:read',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** The permissions that narrow to what the caller owns (`agent:update:self`). */
export type SelfPermission = Extract<Permission, `${string}:self`>;
/** The permissions that apply to a whole organization (`agent:update:org`). */
export type OrgPermission = Extract<Permission, `${string}:org`>;
/** Actions granted either org-wide or on one's own rows: `agent:update` for agent:update:org and agent:update:self. */
export type OwnableAction = {
  [P in SelfPermission]: P extends `${infer Action}:self` ? (`${Action}:org` extends OrgPermission ? Action : never) : never;
}[SelfPermission];

/**
 * Permissions that no role names by itself: they are held only through the
 * roles file's shorthands (platform_owner's `*`, backend_service's "every
 * permission whose code has no ':platform'"). Kept deliberately so: changing
 * or deleting organizations and platform settings is for the platform owner
 * alone, and audit:read:self is covered for every named role by a wider read.
 */
export const HELD_ONLY_THROUGH_SHORTHANDS: readonly Permission[] = [
  'org:update:platform',
  'org:delete:platform',
  'org:tier:update',
  'audit:read:self',
  'settings:update:platform',
];

const CATALOGUE: ReadonlySet<string> = new Set(PERMISSIONS);

/** Narrows text from outside (the database, an argument) to the catalogue. */
export function isPermission(code: string): code is Permission {
  return CATALOGUE.has(code);
}
