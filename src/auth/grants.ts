// The permissions a principal holds, per organization and platform-wide.
import { isPermission, type Permission } from './permissions';

export type OrgScope = { all: true } | { all: false; organizationIds: string[] };

export class Grants {
  constructor(
    /** Held in every organization (platform-level grants). */
    readonly platform: ReadonlySet<Permission>,
    /** Held in one organization each. */
    readonly byOrganization: ReadonlyMap<string, ReadonlySet<Permission>>,
  ) {}

  /** From (organization, code) rows as stored; a code outside the catalogue grants nothing. */
  static from(rows: readonly { organizationId: string | null; code: string }[]): Grants {
    const platform = new Set<Permission>();
    const byOrganization = new Map<string, Set<Permission>>();
    for (const { organizationId, code } of rows) {
      if (!isPermission(code)) continue;
      if (organizationId === null) platform.add(code);
      else {
        let set = byOrganization.get(organizationId);
        if (!set) {
          set = new Set();
          byOrganization.set(organizationId, set);
        }
        set.add(code);
      }
    }
    return new Grants(platform, byOrganization);
  }

  holds(permission: Permission, organizationId: string): boolean {
    return this.platform.has(permission) || (this.byOrganization.get(organizationId)?.has(permission) ?? false);
  }

  holdsAnywhere(permission: Permission): boolean {
    if (this.platform.has(permission)) return true;
    for (const set of this.byOrganization.values()) if (set.has(permission)) return true;
    return false;
  }

  /** Where the permission applies: everywhere, or a list of organizations (possibly empty). */
  scopeOf(permission: Permission): OrgScope {
    if (this.platform.has(permission)) return { all: true };
    const organizationIds: string[] = [];
    for (const [organizationId, set] of this.byOrganization) if (set.has(permission)) organizationIds.push(organizationId);
    return { all: false, organizationIds };
  }

  /** Every permission that applies in the organization, or the platform-wide ones with no organization. */
  permissionsIn(organizationId: string | null): Permission[] {
    const result = new Set(this.platform);
    if (organizationId !== null) for (const code of this.byOrganization.get(organizationId) ?? []) result.add(code);
    return [...result].sort();
  }
}
