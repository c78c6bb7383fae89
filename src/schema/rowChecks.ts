// The access policy's second look at every row the graph returns, once per object: an object type names the check
// of its rows (`readableBy`, the policy's canSee), and every field that returns that type (or a list of it, or the
// Node interface) has its result checked before GraphQL reads a field of it. A row that the SQL let through and the
// check refuses is a FORBIDDEN error at that field.
//
// Scope-auth's type-level authScopes did this check on each field of each object: every leaf field of a checked
// type became a resolver of its own, and graphql-jit builds a resolve info (with the whole response path) for each
// such call. A page of 500 usage records with five fields made some 3,000 of them, about half of the request's
// allocation. Scope-auth's own once-per-object mode runs in isTypeOf, which graphql-jit calls without the
// context. Field-level authScopes stay with scope-auth.
//
// A connection's rows are checked where its edges are returned, each edge's node in turn, and the edge's `node`
// field (and the connection's `pageInfo`) become plain property reads: graphql-jit reads those inline, where a
// resolver costs it a resolve info per edge.
import SchemaBuilder, {
  BasePlugin,
  getTypeBrand,
  isThenable,
  type PothosOutputFieldConfig,
  type SchemaTypes,
  unwrapOutputFieldType,
} from '@pothos/core';
import {
  defaultFieldResolver,
  type GraphQLFieldResolver,
  type GraphQLInterfaceType,
  type GraphQLOutputType,
  getNamedType,
  isObjectType,
} from 'graphql';
import { ForbiddenError } from './errors';

type Check<Context> = (object: unknown, context: Context) => boolean;

/** Why a value may not be returned (the type it was refused as), or null when it may. */
type Refusal<Context> = (value: object, context: Context) => string | null;

function forbidden(typeName: string): ForbiddenError {
  return new ForbiddenError(`Not allowed to read ${typeName}.`);
}

/** One object checked: returned as it is, or FORBIDDEN. Nothing, and an error standing for an item, pass. */
function checkedOne<Context>(value: unknown, context: Context, refusal: Refusal<Context>): unknown {
  if (value === null || value === undefined || value instanceof Error) return value;
  const refused = refusal(value as object, context);
  if (refused !== null) throw forbidden(refused);
  return value;
}

/**
 * The value with every object in it checked: an object, or a list of them. Items still loading (promises, as the
 * dataloader plugin makes of items that failed to load) are checked each when it settles, so that one refused or
 * failed item stays an error of its own.
 */
function checked<Context>(value: unknown, context: Context, refusal: Refusal<Context>): unknown {
  if (!Array.isArray(value)) return checkedOne(value, context, refusal);
  if (value.some(isThenable)) {
    return value.map((item) =>
      isThenable(item) ? Promise.resolve(item).then((loaded) => checkedOne(loaded, context, refusal)) : checkedOne(item, context, refusal),
    );
  }
  for (const item of value) checkedOne(item, context, refusal);
  return value;
}

/**
 * A page's edges with each edge's node checked: an edge whose node is refused becomes a FORBIDDEN error of its own
 * (at its index), and the others stay as they are.
 */
function checkedEdges<Context>(edges: unknown, context: Context, refusal: Refusal<Context>): unknown {
  if (!Array.isArray(edges)) return edges;
  let out: unknown[] | null = null;
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i] as { node?: unknown } | null | undefined;
    const node = edge?.node;
    if (node === null || node === undefined || node instanceof Error) continue;
    const refused = refusal(node as object, context);
    if (refused === null) continue;
    out ??= edges.slice();
    out[i] = forbidden(refused);
  }
  return out ?? edges;
}

/** The node type of an edges field's return type (`[XEdge!]!`), or null when it is not a list of edges. */
function edgeNodeType(returnType: GraphQLOutputType): string | null {
  const edge = getNamedType(returnType);
  if (!isObjectType(edge)) return null;
  const node = edge.getFields().node;
  return node ? getNamedType(node.type).name : null;
}

type RelayOptions = { rowChecksEdge?: boolean; rowChecksConnection?: boolean };

export class RowChecksPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const parent = this.buildCache.getTypeConfig(fieldConfig.parentType);
    const relay = parent.kind === 'Object' ? (parent.pothosOptions as RelayOptions) : {};
    // Checked with the connection's edges (below); every connection builds its edges from loaded rows.
    if (relay.rowChecksEdge && fieldConfig.name === 'node') return defaultFieldResolver;
    if (relay.rowChecksConnection && fieldConfig.name === 'pageInfo') return defaultFieldResolver;
    if (relay.rowChecksConnection && fieldConfig.name === 'edges') return this.edgesChecked(resolver);
    const refusal = this.refusalFor(fieldConfig);
    if (refusal === null) return resolver;
    return (parent, args, context, info) => {
      const result = resolver(parent, args, context, info);
      if (isThenable(result)) return Promise.resolve(result).then((value) => checked(value, context, refusal));
      return checked(result, context, refusal);
    };
  }

  /**
   * A connection's edges, each node checked; the node type is read from the built schema on the first call (the
   * edge type's fields are not built yet when this field is), and a node type without a check passes the edges on.
   */
  private edgesChecked(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    let refusal: Refusal<Types['Context']> | null | undefined;
    return (parent, args, context, info) => {
      if (refusal === undefined) {
        const nodeType = edgeNodeType(info.returnType);
        refusal = nodeType === null ? null : this.refusalOfType(nodeType);
      }
      const edges = resolver(parent, args, context, info);
      const check = refusal;
      if (check === null) return edges;
      if (isThenable(edges)) return Promise.resolve(edges).then((loaded) => checkedEdges(loaded, context, check));
      return checkedEdges(edges, context, check);
    };
  }

  /** The check of what the field returns, or null when its type has none. */
  private refusalFor(fieldConfig: PothosOutputFieldConfig<Types>): Refusal<Types['Context']> | null {
    return this.refusalOfType(unwrapOutputFieldType(fieldConfig.type));
  }

  /** The check of a returned type's objects (each as the type it was loaded as, for an abstract type), or null. */
  private refusalOfType(type: Parameters<BasePlugin<Types>['buildCache']['getTypeConfig']>[0]): Refusal<Types['Context']> | null {
    const config = this.buildCache.getTypeConfig(type);
    if (config.kind === 'Object') {
      const check = this.checkOf(config.name);
      if (check === null) return null;
      const name = config.name;
      return (value, context) => (check(value, context) ? null : name);
    }
    if (config.kind !== 'Interface' && config.kind !== 'Union') return null;
    // An abstract type: each object is checked as the type it was loaded as (Pothos brands loaded nodes). One
    // without a brand or __typename is refused when any possible type has a check: the field cannot tell which applies.
    // getImplementers reads only the interface's name.
    const possible =
      config.kind === 'Interface'
        ? this.buildCache.getImplementers({ name: config.name } as GraphQLInterfaceType).map((type) => type.name)
        : config.types;
    const anyChecked = possible.some(
      (type) => this.checkOf(typeof type === 'string' ? type : this.buildCache.getTypeConfig(type).name) !== null,
    );
    if (!anyChecked) return null;
    const abstractName = config.name;
    return (value, context) => {
      const brand = getTypeBrand(value);
      const typename = brand === null ? (value as { __typename?: unknown }).__typename : null;
      const name = brand !== null ? this.buildCache.getTypeConfig(brand as string).name : typeof typename === 'string' ? typename : null;
      if (name === null) return abstractName;
      const check = this.checkOf(name);
      return check === null || check(value, context) ? null : name;
    };
  }

  private checkOf(typeName: string): Check<Types['Context']> | null {
    const config = this.buildCache.getTypeConfig(typeName);
    if (config.kind !== 'Object') return null;
    const options = config.pothosOptions as { readableBy?: Check<Types['Context']> };
    return options.readableBy ?? null;
  }
}

const pluginName = 'rowChecks';
SchemaBuilder.registerPlugin(pluginName, RowChecksPlugin);
/** The plugin's name, for the builder's `plugins` list. */
export default pluginName;

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      rowChecks: RowChecksPlugin<Types>;
    }
    interface ObjectTypeOptions<Types extends SchemaTypes = SchemaTypes, Shape = unknown> {
      /**
       * The access policy's check of one row of this type (canSee): every field returning the type checks each
       * object once, before any of its fields is read; a refused one is FORBIDDEN at that field.
       */
      readableBy?: (object: Shape, context: Types['Context']) => boolean;
      /** A relay edge type (the builder's defaultEdgeTypeOptions): its `node` is checked with the connection's edges. */
      rowChecksEdge?: boolean;
      /** A relay connection type (defaultConnectionTypeOptions): its `edges` check each edge's node. */
      rowChecksConnection?: boolean;
    }
  }
}
