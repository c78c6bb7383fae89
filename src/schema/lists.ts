// Lists of a resource as Relay connections: at the root (one statement for
// the page, one for totalCount when asked) and nested under many parents at
// once (one statement per level with a LIMIT per parent, one grouped count).
// Every query starts from the access policy's visible rows; filters only
// narrow them.

import type { GraphQLResolveInfo } from 'graphql';
import { columnOf, conditionsOf, narrowed, type Resource, visibleQuery } from '../auth/policy';
import type { Principal } from '../auth/principal';
import { countRowsInChunks, countRowsPerParentInChunks } from '../db/counts';
import type { Identifier } from '../db/identifiers';
import { type Direction, fetchIndexedPagesPerParent, fetchPage, idsCondition, type Sort } from '../db/keyset';
import { type Sql, sql } from '../db/sql';
import type { SqlValue } from '../db/store';
import { builder } from './builder';
import { type Connection, type ConnectionArgs, OrderDirection, pageRequest, sortOn, toConnection, toConnections } from './connections';
import type { Context, ReadingContext } from './context';
import { type Projection, projectedColumns } from './projection';

export type ListedResource = Exclude<Resource, 'user'>;

export type ListSpec = {
  resource: ListedResource;
  /** The selected columns, e.g. `a.*`; the row must have an `id`. */
  columns: Sql;
  /** orderBy fields: the GraphQL enum name to its SQL expression on the resource's alias. */
  orderFields: Record<string, Sql>;
  defaultOrder: { field: string; direction: Direction };
  /** Which columns a page may leave out when the query selects none of the node fields that read them. */
  projection?: Projection;
};

/** Conditions a filter or a parent adds: fixed SQL, each fragment carrying its values. */
export type Narrowing = readonly Sql[];
export const NO_NARROWING: Narrowing = [];

export type OrderArg = { field: string; direction?: Direction | null } | null | undefined;
export type ListArgs = ConnectionArgs & { orderBy?: OrderArg };
/** A list's arguments with its filter input, typed as the repo's filter function takes it. */
export type FilteredListArgs<Filter> = ListArgs & { filter?: Filter | null };

export function sortOf(spec: ListSpec, orderBy: OrderArg): Sort {
  const field = orderBy?.field ?? spec.defaultOrder.field;
  const expression = spec.orderFields[field] ?? (spec.orderFields[spec.defaultOrder.field] as Sql);
  const direction = orderBy?.direction ?? (orderBy ? 'ASC' : spec.defaultOrder.direction);
  return sortOn(spec.resource, field, expression, columnOf(spec.resource, 'id'), direction);
}

function baseQuery(principal: Principal, spec: ListSpec, narrowing: Narrowing) {
  return narrowed(visibleQuery(principal, spec.resource), narrowing);
}

/** A narrowing as text, for the key of a loader shared by the requests that narrow alike. */
function keyOf(narrowing: Narrowing): string {
  return JSON.stringify(narrowing.map(({ parts, values }) => [parts, values]));
}

/** What a page needs to know of its field's selection (a resolver's info). */
export type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/** The select list of a page: the spec's projection for the fields selected, or every column. */
function columnsFor(spec: ListSpec, info: SelectionInfo | undefined): Sql {
  return projectedColumns(spec.projection, spec.resource, (name) => columnOf(spec.resource, name), spec.columns, info);
}

/** One page of the visible rows, with totalCount counted only when asked for. */
export async function listPage<Row extends { id: SqlValue }>(
  context: Context,
  principal: Principal,
  spec: ListSpec,
  args: ListArgs,
  narrowing: Narrowing = NO_NARROWING,
  info?: SelectionInfo,
): Promise<Connection<Row>> {
  const sort = sortOf(spec, args.orderBy);
  const request = pageRequest(args, sort.key);
  const query = baseQuery(principal, spec, narrowing);
  const page = await fetchPage<Row>(context.db, { columns: columnsFor(spec, info), ...query }, sort, request);
  // Counted along the default order's index, which every access arm has.
  return toConnection(page, request, sort.key, () => countRowsInChunks(context.db, query, sortOf(spec, null)));
}

/**
 * One page per parent for a nested connection, all parents in one statement
 * (several, for pages of many rows).
 * `parentColumn` is the resource's column holding the parent id.
 */
export async function listPagesPerParent<Row extends { id: SqlValue }>(
  context: Context,
  principal: Principal,
  spec: ListSpec,
  parentColumn: Identifier,
  parentIds: readonly string[],
  args: ListArgs,
  narrowing: Narrowing = NO_NARROWING,
  info?: SelectionInfo,
): Promise<Connection<Row>[]> {
  const sort = sortOf(spec, args.orderBy);
  const request = pageRequest(args, sort.key);
  const query = baseQuery(principal, spec, narrowing);
  const parentExpression = columnOf(spec.resource, parentColumn);
  const columns = columnsFor(spec, info);
  const pages = await fetchIndexedPagesPerParent<Row>(
    context.db,
    { columns, parentColumn: parentExpression, ...query },
    parentIds,
    sort,
    request,
  );
  const counts = context.loaders.get<number>(`count:${spec.resource}:${parentColumn}:${keyOf(narrowing)}`, async (ids) => {
    const map = await countRowsPerParentInChunks(context.db, { ...query, parentColumn: parentExpression }, ids, sortOf(spec, null));
    return ids.map((id) => map.get(id) ?? 0);
  });
  return toConnections(parentIds, pages, request, sort.key, (id) => counts.load(id));
}

/** The visible rows with the given ids, in any order (loaders sort them). */
export async function visibleByIds<Row>(
  context: ReadingContext,
  principal: Principal,
  spec: ListSpec,
  ids: readonly (string | number)[],
): Promise<Row[]> {
  const query = baseQuery(principal, spec, NO_NARROWING);
  return await context.db.all<Row>(
    sql`SELECT ${spec.columns} FROM ${query.from} WHERE ${idsCondition(columnOf(spec.resource, 'id'), ids)} AND ${conditionsOf(query)}`,
  );
}

/** The `orderBy` input of a list: `{ field: <Name>OrderField!, direction: OrderDirection = ASC }`. */
export function orderInput(name: string, fields: Record<string, Sql>) {
  const values = Object.fromEntries(Object.keys(fields).map((field) => [field, { value: field }]));
  const fieldEnum = builder.enumType(`${name}OrderField`, { values });
  return builder.inputType(`${name}Order`, {
    fields: (t) => ({
      field: t.field({ type: fieldEnum, required: true }),
      direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
    }),
  });
}
