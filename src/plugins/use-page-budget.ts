// The most rows one request may ask for: each connection's page size
// multiplied by the page sizes of the connections it is nested in, summed
// over the document. Depth and alias limits do not see that
// `first: 100` four levels deep is a hundred million rows; this does.
import {
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE } from '../schema/connections';
import { BadUserInputError } from '../schema/errors';

export const MAX_ROWS_PER_REQUEST = 50_000;

type Walk = { schema: GraphQLSchema; fragments: Map<string, FragmentDefinitionNode>; variables: Record<string, unknown> };

function pageSize(field: FieldNode, walk: Walk): number {
  for (const argument of field.arguments ?? []) {
    if (argument.name.value !== 'first' && argument.name.value !== 'last') continue;
    if (argument.value.kind === Kind.INT) return Number(argument.value.value);
    if (argument.value.kind === Kind.VARIABLE) {
      const value = walk.variables[argument.value.name.value];
      if (typeof value === 'number') return value;
    }
  }
  return DEFAULT_PAGE_SIZE;
}

/** Rows the selection set may return when it is reached `multiplier` times. */
function rowsOf(type: GraphQLCompositeType, selectionSet: SelectionSetNode, multiplier: number, walk: Walk, seen: Set<string>): number {
  let rows = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      if (inner && isCompositeType(inner)) rows += rowsOf(inner, selection.selectionSet, multiplier, walk, seen);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) continue;
      const inner = walk.schema.getType(fragment.typeCondition.name.value);
      if (inner && isCompositeType(inner))
        rows += rowsOf(inner, fragment.selectionSet, multiplier, walk, new Set([...seen, fragment.name.value]));
      continue;
    }
    if (!selection.selectionSet || !(isObjectType(type) || isInterfaceType(type))) continue;
    const definition = type.getFields()[selection.name.value];
    if (!definition) continue;
    const target = getNamedType(definition.type);
    if (!isCompositeType(target)) continue;
    const isPage = definition.args.some((argument) => argument.name === 'first');
    const size = isPage ? pageSize(selection, walk) : 1;
    const reached = multiplier * Math.max(size, 0);
    if (isPage) rows += reached;
    rows += rowsOf(target, selection.selectionSet, reached, walk, seen);
  }
  return rows;
}

/** The rows an operation may ask for (before any SQL runs). */
export function requestedRows(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName))
      operation ??= definition;
  }
  if (!operation) return 0;
  const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[
    operation.operation
  ];
  if (!root) return 0;
  return rowsOf(root, operation.selectionSet, 1, { schema, fragments, variables }, new Set());
}

export type PageBudgetOptions = {
  /** The most rows one request may ask for; a document over it is BAD_USER_INPUT before it runs. */
  limit?: number;
};

export function usePageBudget({ limit = MAX_ROWS_PER_REQUEST }: PageBudgetOptions = {}): Plugin {
  const check = ({ args }: { args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'> }) => {
    const rows = requestedRows(args.schema, args.document, args.operationName, (args.variableValues ?? {}) as Record<string, unknown>);
    if (rows > limit) {
      throw new BadUserInputError(
        `The query may return up to ${rows} rows (page sizes multiplied through nested connections); the limit is ${limit}. Ask for smaller pages or fewer levels.`,
      );
    }
  };
  // A subscription's selection runs once per event: it has the same budget per event.
  return { onExecute: check, onSubscribe: check };
}
