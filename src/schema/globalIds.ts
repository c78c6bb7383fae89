// Node ids resolved synchronously. The relay plugin makes each node type's `id` field an async resolver (it awaits
// the type's `id.resolve`, then encodes): one promise per object, which graphql-jit then completes on a later
// microtask. Ours are plain functions of the row (`id: { resolve: (row) => row.id }`), so this plugin encodes
// the global id in the same call: the same text (base64 of `Type:id`), no promise. An `id.resolve` that returns a
// promise still works: its result is encoded when it settles.
import SchemaBuilder, { BasePlugin, isThenable, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLFieldResolver } from 'graphql';

type NodeIdOptions = { id?: { resolve?: GraphQLFieldResolver<unknown, unknown, object> } };

const encoded = (typename: string, id: unknown): unknown => (id === null || id === undefined ? id : encodeGlobalID(typename, String(id)));

export class GlobalIdsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const idOf = this.nodeIdOf(fieldConfig);
    if (idOf === null) return resolver;
    const typename = fieldConfig.parentType;
    return (parent, args, context, info) => {
      const id = idOf(parent, args, context, info);
      return isThenable(id) ? Promise.resolve(id).then((settled) => encoded(typename, settled)) : encoded(typename, id);
    };
  }

  /** The node type's own id of a row, when this is the relay `id` field of a node object type; otherwise null. */
  private nodeIdOf(fieldConfig: PothosOutputFieldConfig<Types>): GraphQLFieldResolver<unknown, Types['Context'], object> | null {
    if (fieldConfig.name !== (this.builder.options.relay?.idFieldName ?? 'id')) return null;
    if (Object.keys(fieldConfig.args).length > 0) return null;
    const parent = this.buildCache.getTypeConfig(fieldConfig.parentType);
    if (parent.kind !== 'Object' || !parent.interfaces.some((ref) => this.buildCache.getTypeConfig(ref).name === 'Node')) return null;
    if (this.builder.options.relay?.encodeGlobalID) return null;
    const resolve = (parent.pothosOptions as NodeIdOptions).id?.resolve;
    return typeof resolve === 'function' ? resolve : null;
  }
}

const pluginName = 'globalIds';
SchemaBuilder.registerPlugin(pluginName, GlobalIdsPlugin);
/** The plugin's name, for the builder's `plugins` list. */
export default pluginName;

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      globalIds: GlobalIdsPlugin<Types>;
    }
  }
}
