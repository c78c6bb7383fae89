// Lists of a resource as Relay connections: at the root (one statement for
// the page, one for totalCount when asked) and nested under many parents at
// once (one statement per level with a LIMIT per parent, one grouped count).
// Every query starts from the access policy's visible rows; filters only
// narrow them.
import { conditionsOf, type Resource, tableOf, visibleQuery, narrowed } from '../auth/policy';
import type { Principal } from '../auth/principal';
import type { SqlValue } from '../db/connection';
import { countRowsInChunks, countRowsPerParentInChunks } from '../db/counts';
import { type Direction, fetchIndexedPagesPerParent, fetchPage, idsCondition, type Sort } from '../db/keyset';
import { builder } from './builder';
import { type Connection, type ConnectionArgs, OrderDirection, pageRequest, sortOn, toConnection, toConnections } from './connections';
import type { Context } from './context';

export type ListedResource = Exclude<Resource, 'user'>;

export type ListSpec = {
  resource: ListedResource;
  /** The selected columns, e.g. `a.*`; the row must have an `id`. */
  columns: string;
  /** orderBy fields: the GraphQL enum name to its SQL expression on the resource's alias. */
  orderFields: Record<string, string>;
  defaultOrder: { field: string; direction: Direction };
};

/** Conditions a filter or a parent adds: fixed SQL fragments with bound values. */
export type Narrowing = { where: string[]; params: Record<string, SqlValue> };
export const NO_NARROWING: Narrowing = { where: [], params: {} };

export type OrderArg = { field: string; direction?: Direction | null } | null | undefined;
export type ListArgs = ConnectionArgs & { orderBy?: OrderArg };
/** A list's arguments with its filter input, typed as the repo's filter function takes it. */
export type FilteredListArgs<Filter> = ListArgs & { filter?: Filter | null };

export function sortOf(spec: ListSpec, orderBy: OrderArg): Sort {
  const field = orderBy?.field ?? spec.defaultOrder.field;
  const expression = spec.orderFields[field] ?? (spec.orderFields[spec.defaultOrder.field] as string);
  const direction = orderBy?.direction ?? (orderBy ? 'ASC' : spec.defaultOrder.direction);
  return sortOn(field, expression, `${tableOf(spec.resource).alias}.id`, direction);
}

function baseQuery(principal: Principal, spec: ListSpec, narrowing: Narrowing) {
  return narrowed(visibleQuery(principal, spec.resource), narrowing.where, narrowing.params);
}

/** One page of the visible rows, with totalCount counted only when asked for. */
export function listPage<Row extends { id: SqlValue }>(
  context: Context,
  principal: Principal,
  spec: ListSpec,
  args: ListArgs,
  narrowing: Narrowing = NO_NARROWING,
): Connection<Row> {
  const sort = sortOf(spec, args.orderBy);
  const request = pageRequest(args, sort.key);
  const query = baseQuery(principal, spec, narrowing);
  const page = fetchPage<Row>(context.db, { columns: spec.columns, ...query }, sort, request);
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
  parentColumn: string,
  parentIds: readonly string[],
  args: ListArgs,
  narrowing: Narrowing = NO_NARROWING,
): Promise<Connection<Row>[]> {
  const sort = sortOf(spec, args.orderBy);
  const request = pageRequest(args, sort.key);
  const query = baseQuery(principal, spec, narrowing);
  const parentExpression = `${query.alias}.${parentColumn}`;
  const pages = await fetchIndexedPagesPerParent<Row>(context.db, { columns: spec.columns, parentColumn: parentExpression, ...query }, parentIds, sort, request);
  const counts = context.loaders.get<number>(
    `count:${spec.resource}:${parentColumn}:${JSON.stringify(narrowing)}`,
    async (ids) => {
      const map = await countRowsPerParentInChunks(context.db, { ...query, parentColumn: parentExpression }, ids, sortOf(spec, null));
      return ids.map((id) => map.get(id) ?? 0);
    },
  );
  return toConnections(parentIds, pages, request, sort.key, (id) => counts.load(id));
}

/** The visible rows with the given ids, in any order (loaders sort them). */
export function visibleByIds<Row>(context: Context, principal: Principal, spec: ListSpec, ids: readonly (string | number)[]): Row[] {
  const query = baseQuery(principal, spec, NO_NARROWING);
  const { alias } = tableOf(spec.resource);
  const params = { ...query.params };
  const byId = idsCondition(`${alias}.id`, ids, params);
  return context.db.all<Row>(`SELECT ${spec.columns} FROM ${query.from} WHERE ${byId} AND ${conditionsOf(query)}`, params);
}

/** The `orderBy` input of a list: `{ field: <Name>OrderField!, direction: OrderDirection = ASC }`. */
export function orderInput(name: string, fields: Record<string, string>) {
  const values = Object.fromEntries(Object.keys(fields).map((field) => [field, { value: field }]));
  const fieldEnum = builder.enumType(`${name}OrderField`, { values });
  return builder.inputType(`${name}Order`, {
    fields: (t) => ({
      field: t.field({ type: fieldEnum, required: true }),
      direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
    }),
  });
}
