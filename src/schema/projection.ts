// Which columns a page of a list must read for the query at hand. Decoding a
// column SQLite has read costs as much as reading it (2.2 ms for 600 usage
// rows with every column, 1.1 ms with the five a query asked for), and every
// string decoded is garbage later. A list's spec may name, per column, the
// node fields that read it; a page then leaves out the columns no selected
// field needs. Columns the access policy's object check reads are always kept.
import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { Identifier } from '../db/identifiers';
import { type Sql, sql } from '../db/sql';

export type Projection = {
  /** Read whatever the query asks: the id, and what the policy's object check and parent lookups need. */
  keep: readonly Identifier[];
  /** Read only when one of these node fields is selected. */
  optional: Readonly<Partial<Record<Identifier, readonly string[]>>>;
};

/**
 * The node fields a connection field selects (`edges { node { … } }`), through
 * fragments and inline fragments; null when they cannot all be known.
 */
export function selectedNodeFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): Set<string> | null {
  const fields = new Set<string>();
  const fragments = info.fragments;
  const visit = (set: SelectionSetNode | undefined, into: (field: FieldNode) => boolean): boolean => {
    if (!set) return true;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        if (!into(selection)) return false;
      } else if (selection.kind === 'InlineFragment') {
        if (!visit(selection.selectionSet, into)) return false;
      } else {
        const fragment: FragmentDefinitionNode | undefined = fragments[selection.name.value];
        if (!fragment || !visit(fragment.selectionSet, into)) return false;
      }
    }
    return true;
  };
  const onNode = (field: FieldNode) => {
    fields.add(field.name.value);
    return true;
  };
  const onEdge = (field: FieldNode) => (field.name.value === 'node' ? visit(field.selectionSet, onNode) : true);
  const onConnection = (field: FieldNode) => (field.name.value === 'edges' ? visit(field.selectionSet, onEdge) : true);
  for (const node of info.fieldNodes) if (!visit(node.selectionSet, onConnection)) return null;
  return fields;
}

const PROJECTED = new Map<string, Sql>();
/** Column sets remembered; past it a fragment is built per page (the statement cache is bounded on its own). */
const MAX_PROJECTED = 1_000;

/**
 * The select list of a page of `table` (`column` names a column on its alias): every kept column, and each optional
 * one a selected field reads. `all` when the selection is not known. The
 * fragments are made once per column set, so a shape keeps one statement text.
 */
export function projectedColumns(
  projection: Projection | undefined,
  table: string,
  column: (name: Identifier) => Sql,
  all: Sql,
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'> | undefined,
): Sql {
  if (!projection || !info) return all;
  const fields = selectedNodeFields(info);
  if (!fields) return all;
  const columns = [...projection.keep];
  for (const [column, readers] of Object.entries(projection.optional) as [Identifier, readonly string[]][]) {
    if (readers.some((field) => fields.has(field))) columns.push(column);
  }
  const key = `${table}:${columns.join(',')}`;
  let fragment = PROJECTED.get(key);
  if (!fragment) {
    fragment = sql.join(columns.map(column));
    if (PROJECTED.size < MAX_PROJECTED) PROJECTED.set(key, fragment);
  }
  return fragment;
}
