// The one Pothos builder: its generic types, plugins and shared options.
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import type { Permission } from '../auth/permissions';
import type { AuthenticatedContext, Context } from './context';
import { BadUserInputError, ForbiddenError, invalidInputError } from './errors';
import GlobalIdsPlugin from './globalIds';
import InputRulesPlugin from './inputRules';
import RowChecksPlugin from './rowChecks';

export type AuthScopes = {
  /** A principal is present (the gate already refused anonymous requests). */
  authenticated: boolean;
  /** The principal holds this permission in some organization (or platform-wide). */
  permission: Permission;
  /** The principal holds this permission in the given organization. */
  permissionIn: { permission: Permission; organizationId: string };
  /** The principal holds at least one of these permissions in the given organization. */
  anyPermissionIn: { permissions: readonly Permission[]; organizationId: string };
};

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  AuthContexts: { authenticated: AuthenticatedContext };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    /** Parsed to the stored form, UTC with milliseconds. */
    DateTime: { Input: string; Output: string };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    NonNegativeInt: { Input: number; Output: number };
    EmailAddress: { Input: string; Output: string };
    /** Nano-USD on our side: parsed to integer text, answered from an integer (bigint, number or its text). */
    UsdAmount: { Input: string; Output: bigint | number | string };
  };
  Connection: {
    /** Counted only when asked for: a thunk, so that pages that do not ask never run the count. */
    totalCount: () => number | Promise<number>;
  };
}>({
  // InputRulesPlugin before ValidationPlugin: it adds the rules every string and JSON input obeys (schema/inputRules.ts).
  // InputRulesPlugin after ValidationPlugin: Pothos runs field hooks last plugin first, so the rules it puts on
  // arguments and input fields are there when the validation plugin collects them.
  plugins: [ScopeAuthPlugin, RelayPlugin, RowChecksPlugin, GlobalIdsPlugin, DataloaderPlugin, ValidationPlugin, InputRulesPlugin],
  defaultFieldNullability: false,
  // The rules on input fields (`validate`, see schema/validation.ts) run before the resolver; a failure is BAD_USER_INPUT.
  validation: { validationError: (failure) => invalidInputError(failure.issues) },
  scopeAuth: {
    treatErrorsAsUnauthorized: false,
    unauthorizedError: (_parent, _context, info) => new ForbiddenError(`Not allowed to read ${info.parentType.name}.${info.fieldName}.`),
    authScopes: (context) => ({
      authenticated: context.principal !== null,
      permission: (permission) => context.principal?.grants.holdsAnywhere(permission) ?? false,
      permissionIn: ({ permission, organizationId }) => context.principal?.grants.holds(permission, organizationId) ?? false,
      anyPermissionIn: ({ permissions, organizationId }) =>
        permissions.some((permission) => context.principal?.grants.holds(permission, organizationId) ?? false),
    }),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    // Row checks (schema/rowChecks.ts) check a page's rows at its edges, and read each edge's node as a property.
    defaultConnectionTypeOptions: { rowChecksConnection: true },
    defaultEdgeTypeOptions: { rowChecksEdge: true },
    // A malformed id, or one naming a type that is not a loadable node, is bad input, not a server error (and its
    // text is not echoed back).
    decodeGlobalID: (globalID: string) => {
      let decoded: { typename: string; id: string } | null;
      try {
        decoded = decodeGlobalID(globalID);
      } catch {
        decoded = null;
      }
      if (!decoded || !isLoadableNode(decoded.typename)) throw new BadUserInputError('id: not a valid global id.', 'id');
      return decoded;
    },
  },
});

/** Whether `typename` is an object type of this schema that node(id) can load (Pothos throws on any other). */
function isLoadableNode(typename: string): boolean {
  let options: Record<string, unknown>;
  try {
    options = builder.configStore.getTypeConfig(typename, 'Object').pothosOptions as Record<string, unknown>;
  } catch {
    return false;
  }
  return ['loadOne', 'loadMany', 'loadWithoutCache', 'loadManyWithoutCache'].some((loader) => typeof options[loader] === 'function');
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many rows the principal may see in this list, across all pages.',
    resolve: (connection) => connection.totalCount(),
  }),
);
