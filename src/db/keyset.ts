// Keyset pagination: pages are found by the last seen (sort value, id), never
// by offset, so a page costs the same wherever it is and rows inserted
// meanwhile never shift what comes next.

import { type Sql, sql } from './sql';
import type { Reader, SqlValue } from './store';

export type Direction = 'ASC' | 'DESC';

/** Resolves on the next turn of the event loop: what long reads await between bounded statements. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export type Sort = {
  /** The name the cursor carries, so a cursor of one ordering is refused by another. */
  key: string;
  /** The SQL expression sorted on, e.g. `a.name`. */
  expression: Sql;
  /** The unique tie-break, e.g. `a.id`. */
  idExpression: Sql;
  direction: Direction;
};

export type Position = { value: SqlValue; id: SqlValue };

export type PageRequest = {
  /** How many rows to return. */
  limit: number;
  /** Forward: rows after `after`; backward (`last`/`before`): rows before `before`, returned in order. */
  backward: boolean;
  from: Position | null;
};

export type PageQuery = {
  /** The selected columns, e.g. `o.*`. */
  columns: Sql;
  /** The tables, with the aliases the sort expressions use, e.g. `organizations o`. */
  from: Sql;
  /** Conditions every row meets (filters, parents), ANDed; each carries its values. */
  where: readonly Sql[];
  /**
   * The access policy's arms (a visible row meets exactly one). Each arm is
   * read in index order and the arms are merged, so a page never sorts the
   * rows of every organization; `null` or absent: no access condition.
   */
  arms?: readonly Sql[] | null;
};

export type Page<Row> = { rows: (Row & { _sort_value: SqlValue })[]; hasMore: boolean };

const EMPTY_PAGE = { rows: [], hasMore: false };

export const ALL_ROWS = sql`TRUE`;
export const NO_ROWS = sql`FALSE`;
export const AND = sql` AND `;
const ARM_SEPARATOR = sql`) OR (`;
const UNION_ALL = sql`
    UNION ALL `;
const ASC = sql`ASC`;
const DESC = sql`DESC`;

/** The access arms as one condition: for counts, lookups by id and aggregates. */
export function armsCondition(arms: readonly Sql[] | null): Sql {
  if (arms === null) return ALL_ROWS;
  if (arms.length === 0) return NO_ROWS;
  return arms.length === 1 ? (arms[0] as Sql) : sql`((${sql.join(arms, ARM_SEPARATOR)}))`;
}

/** The rows after `position` in the order of `sort` (before it, going backward). */
export function keysetCondition(sort: Sort, backward: boolean, position: Position): Sql {
  const ascending = (sort.direction === 'ASC') !== backward;
  return ascending
    ? sql`(${sort.expression}, ${sort.idExpression}) > (${position.value}, ${position.id})`
    : sql`(${sort.expression}, ${sort.idExpression}) < (${position.value}, ${position.id})`;
}

export function orderClause(sort: Sort, backward = false): Sql {
  const direction = (sort.direction === 'ASC') !== backward ? ASC : DESC;
  return sql`${sort.expression} ${direction}, ${sort.idExpression} ${direction}`;
}

export function whereClause(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? sql.empty : sql`WHERE ${sql.join(conditions, AND)}`;
}

/** The page's conditions: the query's and the keyset position's. */
function pageConditions(query: Pick<PageQuery, 'where'>, sort: Sort, page: PageRequest): Sql[] {
  return page.from ? [...query.where, keysetCondition(sort, page.backward, page.from)] : [...query.where];
}

function toPage<Row>(rows: (Row & { _sort_value: SqlValue })[], page: PageRequest): Page<Row> {
  const hasMore = rows.length > page.limit;
  const kept = hasMore ? rows.slice(0, page.limit) : rows;
  return { rows: page.backward ? kept.reverse() : kept, hasMore };
}

/**
 * One page in the requested order. With several access arms, each arm is a
 * SELECT of its own and `UNION ALL … ORDER BY … LIMIT` merges them: SQLite
 * reads every arm in its index's order and stops once the page is full.
 */
export async function fetchPage<Row>(db: Reader, query: PageQuery, sort: Sort, page: PageRequest): Promise<Page<Row>> {
  const arms = query.arms ?? null;
  if (arms !== null && arms.length === 0) return EMPTY_PAGE;
  const conditions = pageConditions(query, sort, page);
  if (arms === null || arms.length === 1) {
    const statement = sql`SELECT ${sort.expression} AS _sort_value, ${query.columns} FROM ${query.from}
      ${whereClause([...(arms ?? []), ...conditions])} ORDER BY ${orderClause(sort, page.backward)} LIMIT ${page.limit + 1}`;
    return toPage(await db.all<Row & { _sort_value: SqlValue }>(statement), page);
  }
  const direction = (sort.direction === 'ASC') !== page.backward ? ASC : DESC;
  const selects = arms.map(
    (arm) => sql`SELECT ${sort.expression} AS _sort_value, ${sort.idExpression} AS _sort_id, ${query.columns} FROM ${query.from}
      ${whereClause([arm, ...conditions])}`,
  );
  const statement = sql`${sql.join(selects, UNION_ALL)}
    ORDER BY _sort_value ${direction}, _sort_id ${direction} LIMIT ${page.limit + 1}`;
  return toPage(await db.all<Row & { _sort_value: SqlValue }>(statement), page);
}

/**
 * `column` is one of `ids`: `=` for one id (a node lookup, a batch of one
 * parent), which under load costs a quarter of a json_each join; a JSON
 * array for several. Integer ids (audit entries) are bound one by one: a JSON
 * array's elements are text on PostgreSQL, which compares no text with a bigint.
 */
export function idsCondition(column: Sql, ids: readonly SqlValue[]): Sql {
  if (ids.length === 0) return sql`FALSE`;
  if (ids.length === 1) return sql`${column} = ${ids[0] as SqlValue}`;
  if (ids.every((id) => typeof id === 'number')) return sql`${column} IN (${sql.join(ids)})`;
  return sql`${column} IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(ids)}))`;
}

/**
 * The most rows one per-parent statement returns: reading and decoding ten
 * thousand rows (a hundred parents' pages of a hundred) took 30 ms under
 * load, so such a level is read in several statements, a turn of the event
 * loop apart. Small pages of many parents still take one statement.
 */
const MAX_ROWS_PER_STATEMENT = 2_500;

/** A query on one table (not a join or derived table): children of many parents are read by rowid. */
export type TableQuery = Omit<PageQuery, 'from'> & { table: Sql; alias: Sql };

/**
 * One page per parent in one statement, each costing what it returns: for
 * every parent a correlated subquery walks the parent's index in page order
 * and stops at the page size (a per-parent LIMIT), handing back the rowids in
 * order; the rows are then read by rowid. No window over all children.
 * `parentColumn` is the child's column holding the parent id, e.g. `s.agent_id`.
 */
export async function fetchIndexedPagesPerParent<Row>(
  db: Reader,
  query: TableQuery & { parentColumn: Sql },
  parentIds: readonly string[],
  sort: Sort,
  page: PageRequest,
): Promise<Map<string, Page<Row>>> {
  const pages = new Map<string, Page<Row>>(parentIds.map((id) => [id, { rows: [], hasMore: false }]));
  const arms = query.arms ?? null;
  if ((arms !== null && arms.length === 0) || parentIds.length === 0) return pages;
  const conditions = pageConditions(query, sort, page);
  const { table, alias } = query;
  const parentCondition = sql`${query.parentColumn} = p.value`;
  const order = orderClause(sort, page.backward);
  const limit = page.limit + 1;
  const statement =
    db.engine === 'postgres'
      ? // A LATERAL subquery per parent walks its index in page order and stops at the page size.
        (parents: readonly string[]) => sql`SELECT x.*, (p.ordinality - 1)::int AS _parent_index, (x._position - 1)::int AS _position
      FROM json_array_elements_text(${JSON.stringify(parents)}) WITH ORDINALITY p
      CROSS JOIN LATERAL (SELECT page.*, row_number() OVER () AS _position FROM (
        SELECT ${sort.expression} AS _sort_value, ${query.columns} FROM ${table} ${alias}
        ${whereClause([parentCondition, armsCondition(arms), ...conditions])}
        ORDER BY ${order} LIMIT ${limit}) page) x`
      : // SQLite has no LATERAL: a correlated subquery per parent hands back the rowids of its page, in order.
        (
          parents: readonly string[],
        ) => sql`SELECT p.key AS _parent_index, j.key AS _position, ${sort.expression} AS _sort_value, ${query.columns}
      FROM json_each(${JSON.stringify(parents)}) p
      JOIN json_each((SELECT json_group_array(x.row_key) FROM (SELECT ${alias}.rowid AS row_key FROM ${table} ${alias}
        ${whereClause([parentCondition, armsCondition(arms), ...conditions])}
        ORDER BY ${order} LIMIT ${limit}) x)) j
      JOIN ${table} ${alias} ON ${alias}.rowid = j.value`;
  // Pages of many parents are read a group of parents per statement, so that no statement returns more than MAX_ROWS_PER_STATEMENT rows.
  const perStatement = Math.max(1, Math.floor(MAX_ROWS_PER_STATEMENT / (page.limit + 1)));
  for (let start = 0; start < parentIds.length; start += perStatement) {
    if (start > 0) await nextTurn();
    const group = parentIds.slice(start, start + perStatement);
    const rows = await db.all<Row & { _sort_value: SqlValue; _parent_index: number; _position: number }>(statement(group));
    const byParent = group.map(() => [] as (Row & { _sort_value: SqlValue })[]);
    for (const row of rows) {
      const { _parent_index: parentIndex, _position: position, ...rest } = row;
      (byParent[parentIndex] as unknown[])[position] = rest;
    }
    for (const [index, rowsOfParent] of byParent.entries()) pages.set(group[index] as string, toPage(rowsOfParent, page));
  }
  return pages;
}

/**
 * One page per parent in a single statement over a derived table (a join or
 * a GROUP BY, which has no rowid to walk): the rows of every parent are
 * numbered by a window over the sort order and cut at the page size. Every
 * row of the derived table is read, so use it only where that set is small
 * (members of an organization, usage buckets); tables use
 * fetchIndexedPagesPerParent.
 */
export async function fetchPagesPerParent<Row>(
  db: Reader,
  query: PageQuery & { parentExpression: Sql },
  parentIds: readonly string[],
  sort: Sort,
  page: PageRequest,
): Promise<Map<string, Page<Row>>> {
  const arms = query.arms ?? null;
  const access = arms === null ? [] : [armsCondition(arms)];
  const conditions = [
    ...access,
    ...query.where,
    sql`${query.parentExpression} IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(parentIds)}))`,
  ];
  if (page.from) conditions.push(keysetCondition(sort, page.backward, page.from));
  const statement = sql`SELECT * FROM (
      SELECT ${sort.expression} AS _sort_value, ${query.parentExpression} AS _parent, ${query.columns},
             row_number() OVER (PARTITION BY ${query.parentExpression} ORDER BY ${orderClause(sort, page.backward)}) AS _row
        FROM ${query.from} ${whereClause(conditions)}
    ) ranked WHERE _row <= ${page.limit + 1} ORDER BY _parent, _row`;
  const rows = await db.all<Row & { _sort_value: SqlValue; _parent: string; _row: number }>(statement);
  const pages = new Map<string, Page<Row>>(parentIds.map((id) => [id, { rows: [], hasMore: false }]));
  for (const row of rows) {
    const target = pages.get(row._parent);
    if (!target) continue;
    if (row._row > page.limit) target.hasMore = true;
    else target.rows.push(row);
  }
  if (page.backward) for (const target of pages.values()) target.rows.reverse();
  return pages;
}
