// Relay connection arguments in, connection objects out, over keyset pages.
import type { SqlValue } from '../db/connection';
import type { Direction, Page, PageRequest, Position, Sort } from '../db/keyset';
import type { Sql } from '../db/sql';
import { builder } from './builder';
import { BadUserInputError } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export type ConnectionArgs = {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
};

export const OrderDirection = builder.enumType('OrderDirection', {
  values: { ASC: { value: 'ASC' }, DESC: { value: 'DESC' } } as const,
});

type CursorBody = { k: string; v: SqlValue; i: SqlValue };

export function encodeCursor(sortKey: string, value: SqlValue, id: SqlValue): string {
  const body: CursorBody = { k: sortKey, v: typeof value === 'bigint' ? Number(value) : value, i: id };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

function decodeCursor(cursor: string, sortKey: string, argument: string): Position {
  let body: Partial<CursorBody> | null = null;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    body = null;
  }
  if (!body || typeof body !== 'object' || !('v' in body) || !('i' in body)) {
    throw new BadUserInputError(`${argument}: not a cursor of this list.`, argument);
  }
  if (body.k !== sortKey) throw new BadUserInputError(`${argument}: the cursor belongs to another orderBy.`, argument);
  return { value: body.v as SqlValue, id: body.i as SqlValue };
}

function checkCount(value: number | null | undefined, argument: string): void {
  if (value === null || value === undefined) return;
  if (value < 0) throw new BadUserInputError(`${argument} must not be negative.`, argument);
  if (value > MAX_PAGE_SIZE) throw new BadUserInputError(`${argument} must be at most ${MAX_PAGE_SIZE}.`, argument);
}

/** Validates the arguments and turns them into a keyset page request. */
export function pageRequest(args: ConnectionArgs, sortKey: string): PageRequest {
  checkCount(args.first, 'first');
  checkCount(args.last, 'last');
  const hasFirst = args.first !== null && args.first !== undefined;
  const hasLast = args.last !== null && args.last !== undefined;
  if (hasFirst && hasLast) throw new BadUserInputError('Pass either first or last, not both.', 'last');
  if (args.after && args.before) throw new BadUserInputError('Pass either after or before, not both.', 'before');
  if (hasLast || args.before) {
    if (args.after) throw new BadUserInputError('after goes with first, not with last.', 'after');
    return {
      limit: args.last ?? DEFAULT_PAGE_SIZE,
      backward: true,
      from: args.before ? decodeCursor(args.before, sortKey, 'before') : null,
    };
  }
  return {
    limit: args.first ?? DEFAULT_PAGE_SIZE,
    backward: false,
    from: args.after ? decodeCursor(args.after, sortKey, 'after') : null,
  };
}

export type Connection<Node> = {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => number | Promise<number>;
};

export function toConnection<Row extends { id: SqlValue }>(
  page: Page<Row>,
  request: PageRequest,
  sortKey: string,
  totalCount: () => number | Promise<number>,
): Connection<Row> {
  const edges = page.rows.map((row) => new Edge(row, sortKey));
  return {
    edges,
    pageInfo: new PageInfo(edges, request.backward ? false : page.hasMore, request.backward ? page.hasMore : false),
    totalCount,
  };
}

/** An edge whose cursor is encoded only if the query asks for it. */
class Edge<Row extends { id: SqlValue; _sort_value: SqlValue }> {
  constructor(
    readonly node: Row,
    private readonly sortKey: string,
  ) {}

  get cursor(): string {
    return encodeCursor(this.sortKey, this.node._sort_value, this.node.id);
  }
}

class PageInfo {
  constructor(
    private readonly edges: readonly { cursor: string }[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges.at(-1)?.cursor ?? null;
  }
}

/** A sort on one column with the id as tie-break. */
export function sortOn(key: string, expression: Sql, idExpression: Sql, direction: Direction): Sort {
  return { key: `${key}:${direction}`, expression, idExpression, direction };
}

/** Connections for a batch of parents, in the parents' order, each counting through a shared per-parent count. */
export function toConnections<Row extends { id: SqlValue }>(
  parentIds: readonly string[],
  pages: Map<string, Page<Row>>,
  request: PageRequest,
  sortKey: string,
  countOf: (parentId: string) => Promise<number>,
): Connection<Row>[] {
  return parentIds.map((parentId) =>
    toConnection(pages.get(parentId) ?? { rows: [], hasMore: false }, request, sortKey, () => countOf(parentId)),
  );
}
