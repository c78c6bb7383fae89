// Relay connection arguments in, connection objects out, over keyset pages.
import { createHash } from 'node:crypto';
import type { Direction, Page, PageRequest, Position, Sort } from '../db/keyset';
import type { Sql } from '../db/sql';
import type { SqlValue } from '../db/store';
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

// A cursor is base64url of the compact JSON `[version, tag, value, id]`: the tag is a digest of the list and its
// ordering (so no table or column name shows, and a cursor of another list or ordering is refused), the value and
// id are the keyset position. Everything decoded is checked for kind and size before it is bound to SQL.
const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 1_024;
const MAX_CURSOR_STRING = 512;

const tags = new Map<string, string>();

/** The digest naming a list and ordering (`agent|NAME:ASC`) inside its cursors. */
function cursorTag(sortKey: string): string {
  let tag = tags.get(sortKey);
  if (tag === undefined) {
    tag = createHash('sha256').update(sortKey).digest('base64url').slice(0, 8);
    tags.set(sortKey, tag);
  }
  return tag;
}

export function encodeCursor(sortKey: string, value: SqlValue, id: SqlValue): string {
  const body = [
    CURSOR_VERSION,
    cursorTag(sortKey),
    typeof value === 'bigint' ? Number(value) : value,
    typeof id === 'bigint' ? Number(id) : id,
  ];
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** A sort value or id as a cursor may carry it: a short string, a finite number, or (values only) null. */
function isPositionValue(value: unknown, nullable: boolean): value is string | number | null {
  if (value === null) return nullable;
  if (typeof value === 'string') return value.length <= MAX_CURSOR_STRING;
  return typeof value === 'number' && Number.isFinite(value);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeCursor(cursor: string, sortKey: string, argument: string): Position {
  const refused = () => new BadUserInputError(`${argument}: not a cursor of this list.`, argument);
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw refused();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!Array.isArray(body) || body.length !== 4 || body[0] !== CURSOR_VERSION) throw refused();
  const [, tag, value, id] = body as unknown[];
  if (tag !== cursorTag(sortKey)) {
    throw new BadUserInputError(`${argument}: the cursor belongs to another list or orderBy.`, argument);
  }
  if (!isPositionValue(value, true) || !isPositionValue(id, false)) throw refused();
  return { value, id };
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

/** A sort of a list (named for its cursors: `agent`, `role.permissions`) on one column with the id as tie-break. */
export function sortOn(list: string, key: string, expression: Sql, idExpression: Sql, direction: Direction): Sort {
  return { key: `${list}|${key}:${direction}`, expression, idExpression, direction };
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
