// Keyset pagination: pages are found by the last seen (sort value, id), never
// by offset, so a page costs the same wherever it is and rows inserted
// meanwhile never shift what comes next.
import type { Database, SqlValue } from './connection';

export type Direction = 'ASC' | 'DESC';

export type Sort = {
  /** The name the cursor carries, so a cursor of one ordering is refused by another. */
  key: string;
  /** The SQL expression sorted on, e.g. `a.name`. */
  expression: string;
  /** The unique tie-break, e.g. `a.id`. */
  idExpression: string;
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
  columns: string;
  /** The tables, with the aliases the sort expressions use, e.g. `organizations o`. */
  from: string;
  /** Conditions ANDed together (the access policy's predicate among them). */
  where: string[];
  params: Record<string, SqlValue>;
};

export type Page<Row> = { rows: (Row & { _sort_value: SqlValue })[]; hasMore: boolean };

function keysetCondition(sort: Sort, backward: boolean): string {
  const ascending = (sort.direction === 'ASC') !== backward;
  return `(${sort.expression}, ${sort.idExpression}) ${ascending ? '>' : '<'} (:_after_value, :_after_id)`;
}

export function orderClause(sort: Sort, backward = false): string {
  const ascending = (sort.direction === 'ASC') !== backward;
  const direction = ascending ? 'ASC' : 'DESC';
  return `${sort.expression} ${direction}, ${sort.idExpression} ${direction}`;
}

export function whereClause(conditions: string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

export function fetchPage<Row>(db: Database, query: PageQuery, sort: Sort, page: PageRequest): Page<Row> {
  const conditions = [...query.where];
  const params: Record<string, SqlValue> = { ...query.params, _limit: page.limit + 1 };
  if (page.from) {
    conditions.push(keysetCondition(sort, page.backward));
    params._after_value = page.from.value;
    params._after_id = page.from.id;
  }
  const sql = `SELECT ${sort.expression} AS _sort_value, ${query.columns} FROM ${query.from}
    ${whereClause(conditions)} ORDER BY ${orderClause(sort, page.backward)} LIMIT :_limit`;
  const rows = db.all<Row & { _sort_value: SqlValue }>(sql, params);
  const hasMore = rows.length > page.limit;
  const kept = hasMore ? rows.slice(0, page.limit) : rows;
  return { rows: page.backward ? kept.reverse() : kept, hasMore };
}

export function countRows(db: Database, query: Omit<PageQuery, 'columns'>): number {
  const row = db.get<{ n: number }>(`SELECT count(*) AS n FROM ${query.from} ${whereClause(query.where)}`, query.params);
  return row?.n ?? 0;
}

/**
 * One page per parent in a single statement: the rows of every parent are
 * numbered by a window function over the sort order and cut at the page size,
 * so a nested connection costs one statement per level, not one per parent.
 */
export function fetchPagesPerParent<Row>(
  db: Database,
  query: PageQuery & { parentExpression: string },
  parentIds: readonly string[],
  sort: Sort,
  page: PageRequest,
): Map<string, Page<Row>> {
  const conditions = [...query.where, `${query.parentExpression} IN (SELECT value FROM json_each(:_parents))`];
  const params: Record<string, SqlValue> = { ...query.params, _limit: page.limit + 1, _parents: JSON.stringify(parentIds) };
  if (page.from) {
    conditions.push(keysetCondition(sort, page.backward));
    params._after_value = page.from.value;
    params._after_id = page.from.id;
  }
  const sql = `SELECT * FROM (
      SELECT ${sort.expression} AS _sort_value, ${query.parentExpression} AS _parent, ${query.columns},
             row_number() OVER (PARTITION BY ${query.parentExpression} ORDER BY ${orderClause(sort, page.backward)}) AS _row
        FROM ${query.from} ${whereClause(conditions)}
    ) WHERE _row <= :_limit ORDER BY _parent, _row`;
  const rows = db.all<Row & { _sort_value: SqlValue; _parent: string; _row: number }>(sql, params);
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

/** Row counts per parent in one statement (for totalCount of nested connections). */
export function countRowsPerParent(
  db: Database,
  query: Omit<PageQuery, 'columns'> & { parentExpression: string },
  parentIds: readonly string[],
): Map<string, number> {
  const conditions = [...query.where, `${query.parentExpression} IN (SELECT value FROM json_each(:_parents))`];
  const rows = db.all<{ parent: string; n: number }>(
    `SELECT ${query.parentExpression} AS parent, count(*) AS n FROM ${query.from} ${whereClause(conditions)} GROUP BY 1`,
    { ...query.params, _parents: JSON.stringify(parentIds) },
  );
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  for (const row of rows) counts.set(row.parent, row.n);
  return counts;
}
