// Role and Permission types and their root lists (visible to any authenticated principal).

import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { OrderDirection, pageRequest, sortOn, toConnection, toConnections } from '../../schema/connections';
import {
  countPermissions,
  countPermissionsPerRole,
  countRoles,
  PERMISSION_CODE,
  PERMISSION_ORDER,
  type PermissionRow,
  permissionsByCodes,
  permissionsPage,
  permissionsPerRolePages,
  ROLE_ID,
  ROLE_ORDER,
  type RoleRow,
  rolesByIds,
  rolesPage,
} from './repo';

export const RoleLevel = builder.enumType('RoleLevel', {
  values: { PLATFORM: { value: 'platform' }, ORG: { value: 'org' }, SERVICE: { value: 'service' } } as const,
});

export const PermissionScope = builder.enumType('PermissionScope', {
  values: { SELF: { value: 'self' }, ORG: { value: 'org' }, PLATFORM: { value: 'platform' } } as const,
});

export const Permission = builder.loadableNode('Permission', {
  loaderOptions: LOADER_OPTIONS,
  description: 'One entry of the permission catalogue, e.g. agent:read:org.',
  id: { resolve: (permission: PermissionRow) => permission.code },
  load: async (codes: string[], context) => await permissionsByCodes(context.db, codes),
  sort: (permission) => permission.code,
  authScopes: { authenticated: true },
  fields: (t) => ({
    code: t.exposeString('code'),
    resource: t.exposeString('resource'),
    action: t.exposeString('action'),
    scope: t.field({ type: PermissionScope, resolve: (permission) => permission.scope as 'self' | 'org' | 'platform' }),
    description: t.exposeString('description'),
  }),
});

const RolePermissionsConnection = builder.connectionObject({ type: Permission, name: 'RolePermissionsConnection' });

export const Role = builder.loadableNode('Role', {
  loaderOptions: LOADER_OPTIONS,
  description: 'A named set of permissions, granted to users per organization (or platform-wide) and carried by API keys.',
  id: { resolve: (role: RoleRow) => role.id },
  load: async (ids: string[], context) => await rolesByIds(context.db, ids),
  sort: (role) => role.id,
  authScopes: { authenticated: true },
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    level: t.expose('level', { type: RoleLevel }),
    isSystem: t.boolean({ resolve: (role) => role.is_system === 1 }),
    permissions: t.loadable({
      loaderOptions: LOADER_OPTIONS,
      type: RolePermissionsConnection,
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      resolve: (role) => role.id,
      load: async (roleIds: string[], context, args) => {
        const sort = sortOn('role.permissions', 'code', PERMISSION_CODE, PERMISSION_CODE, 'ASC');
        const request = pageRequest(args, sort.key);
        const pages = await permissionsPerRolePages(context.db, roleIds, sort, request);
        const counts = context.loaders.get('role.permissions.count', async (ids) => {
          const map = await countPermissionsPerRole(context.db, ids);
          return ids.map((id) => map.get(id) ?? 0);
        });
        return toConnections(roleIds, pages, request, sort.key, (id) => counts.load(id));
      },
    }),
  }),
});

const RoleOrderField = builder.enumType('RoleOrderField', {
  values: { NAME: { value: 'r.name' }, CREATED_AT: { value: 'r.created_at' } } as const,
});
const RoleOrder = builder.inputType('RoleOrder', {
  fields: (t) => ({
    field: t.field({ type: RoleOrderField, required: true }),
    direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
  }),
});

const PermissionOrderField = builder.enumType('PermissionOrderField', {
  values: { CODE: { value: 'p.code' }, RESOURCE: { value: 'p.resource' } } as const,
});
const PermissionOrder = builder.inputType('PermissionOrder', {
  fields: (t) => ({
    field: t.field({ type: PermissionOrderField, required: true }),
    direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
  }),
});

builder.queryFields((t) => ({
  roles: t.connection({
    type: Role,
    description: 'The roles of the platform.',
    args: { orderBy: t.arg({ type: RoleOrder }) },
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) => {
      const field = args.orderBy?.field ?? 'r.name';
      const sort = sortOn('roles', field, ROLE_ORDER[field], ROLE_ID, args.orderBy?.direction ?? 'ASC');
      const request = pageRequest(args, sort.key);
      return toConnection(await rolesPage(context.db, sort, request), request, sort.key, async () => await countRoles(context.db));
    },
  }),
  permissions: t.connection({
    type: Permission,
    description: 'The permission catalogue.',
    args: { orderBy: t.arg({ type: PermissionOrder }) },
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) => {
      const field = args.orderBy?.field ?? 'p.code';
      const sort = sortOn('permissions', field, PERMISSION_ORDER[field], PERMISSION_CODE, args.orderBy?.direction ?? 'ASC');
      const request = pageRequest(args, sort.key);
      return toConnection(
        await permissionsPage(context.db, sort, request),
        request,
        sort.key,
        async () => await countPermissions(context.db),
      );
    },
  }),
}));
