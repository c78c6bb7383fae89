// Keyset pagination: pages are found by the last seen (sort value, id), never
// by offset, so a page costs the same wherever it is and rows inserted
// meanwhile never shift what comes next.
import type { Database, SqlValue } from './connection';

export type Direction = 'ASC' | 'DESC';

/** Resolves on the next turn of the event loop: what long reads await between bounded statements. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  /** Conditions every row meets (filters, parents), ANDed. */
  where: string[];
  /**
   * The access policy's arms (a visible row meets exactly one). Each arm is
   * read in index order and the arms are merged, so a page never sorts the
   * rows of every organization; `null` or absent: no access condition.
   */
  arms?: string[] | null;
  params: Record<string, SqlValue>;
};

export type Page<Row> = { rows: (Row & { _sort_value: SqlValue })[]; hasMore: boolean };

const EMPTY_PAGE = { rows: [], hasMore: false };

/** The access arms as one condition: for counts, lookups by id and aggregates. */
export function armsCondition(arms: string[] | null): string {
  if (arms === null) return '1';
  if (arms.length === 0) return '0';
  return arms.length === 1 ? (arms[0] as string) : `((${arms.join(') OR (')}))`;
}


export function keysetCondition(sort: Sort, backward: boolean): string {
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

/** The page's conditions and parameters: the query's, the keyset position's and the limit. */
function pageConditions(query: Pick<PageQuery, 'where' | 'params'>, sort: Sort, page: PageRequest) {
  const conditions = [...query.where];
  const params: Record<string, SqlValue> = { ...query.params, _limit: page.limit + 1 };
  if (page.from) {
    conditions.push(keysetCondition(sort, page.backward));
    params._after_value = page.from.value;
    params._after_id = page.from.id;
  }
  return { conditions, params };
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
export function fetchPage<Row>(db: Database, query: PageQuery, sort: Sort, page: PageRequest): Page<Row> {
  const arms = query.arms ?? null;
  if (arms !== null && arms.length === 0) return EMPTY_PAGE;
  const { conditions, params } = pageConditions(query, sort, page);
  if (arms === null || arms.length === 1) {
    const sql = `SELECT ${sort.expression} AS _sort_value, ${query.columns} FROM ${query.from}
      ${whereClause([...(arms ?? []), ...conditions])} ORDER BY ${orderClause(sort, page.backward)} LIMIT :_limit`;
    return toPage(db.all<Row & { _sort_value: SqlValue }>(sql, params), page);
  }
  const direction = (sort.direction === 'ASC') !== page.backward ? 'ASC' : 'DESC';
  const selects = arms.map(
    (arm) => `SELECT ${sort.expression} AS _sort_value, ${sort.idExpression} AS _sort_id, ${query.columns} FROM ${query.from}
      ${whereClause([arm, ...conditions])}`,
  );
  const sql = `${selects.join('\n    UNION ALL ')}\n    ORDER BY _sort_value ${direction}, _sort_id ${direction} LIMIT :_limit`;
  return toPage(db.all<Row & { _sort_value: SqlValue }>(sql, params), page);
}

/**
 * `column` is one of `ids`: `=` for one id (a node lookup, a batch of one
 * parent), which under load costs a quarter of a json_each join; a JSON
 * array for several. Adds the value to `params`.
 */
export function idsCondition(column: string, ids: readonly SqlValue[], params: Record<string, SqlValue>, name = '_ids'): string {
  if (ids.length === 1) {
    params[name] = ids[0] as SqlValue;
    return `${column} = :${name}`;
  }
  params[name] = JSON.stringify(ids);
  return `${column} IN (SELECT value FROM json_each(:${name}))`;
}

/**
 * The most rows one per-parent statement returns: reading and decoding ten
 * thousand rows (a hundred parents' pages of a hundred) took 30 ms under
 * load, so such a level is read in several statements, a turn of the event
 * loop apart. Small pages of many parents still take one statement.
 */
const MAX_ROWS_PER_STATEMENT = 2_500;

/** A query on one table (not a join or derived table): children of many parents are read by rowid. */
export type TableQuery = Omit<PageQuery, 'from'> & { table: string; alias: string };

/**
 * One page per parent in one statement, each costing what it returns: for
 * every parent a correlated subquery walks the parent's index in page order
 * and stops at the page size (a per-parent LIMIT), handing back the rowids in
 * order; the rows are then read by rowid. No window over all children.
 * `parentColumn` is the child's column holding the parent id, e.g. `s.agent_id`.
 */
export async function fetchIndexedPagesPerParent<Row>(
  db: Database,
  query: TableQuery & { parentColumn: string },
  parentIds: readonly string[],
  sort: Sort,
  page: PageRequest,
): Promise<Map<string, Page<Row>>> {
  const pages = new Map<string, Page<Row>>(parentIds.map((id) => [id, { rows: [], hasMore: false }]));
  const arms = query.arms ?? null;
  if ((arms !== null && arms.length === 0) || parentIds.length === 0) return pages;
  const { conditions, params } = pageConditions(query, sort, page);
  const { table, alias } = query;
  const inner = `SELECT ${alias}.rowid AS row_key FROM ${table} ${alias}
        ${whereClause([`${query.parentColumn} = p.value`, armsCondition(arms), ...conditions])}
        ORDER BY ${orderClause(sort, page.backward)} LIMIT :_limit`;
  const sql = `SELECT p.key AS _parent_index, j.key AS _position, ${sort.expression} AS _sort_value, ${query.columns}
      FROM json_each(:_parents) p
      JOIN json_each((SELECT json_group_array(x.row_key) FROM (${inner}) x)) j
      JOIN ${table} ${alias} ON ${alias}.rowid = j.value`;
  // Pages of many parents are read a group of parents per statement, so that no statement returns more than MAX_ROWS_PER_STATEMENT rows.
  const perStatement = Math.max(1, Math.floor(MAX_ROWS_PER_STATEMENT / (page.limit + 1)));
  for (let start = 0; start < parentIds.length; start += perStatement) {
    if (start > 0) await nextTurn();
    const group = parentIds.slice(start, start + perStatement);
    const rows = db.all<Row & { _sort_value: SqlValue; _parent_index: number; _position: number }>(sql, {
      ...params,
      _parents: JSON.stringify(group),
    });
    const byParent = group.map(() => [] as (Row & { _sort_value: SqlValue })[]);
    for (const row of rows) {
      const { _parent_index: parentIndex, _position: position, ...rest } = row;
      (byParent[parentIndex] as unknown[])[position] = rest;
    }
    byParent.forEach((rowsOfParent, index) => pages.set(group[index] as string, toPage(rowsOfParent, page)));
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
export function fetchPagesPerParent<Row>(
  db: Database,
  query: PageQuery & { parentExpression: string },
  parentIds: readonly string[],
  sort: Sort,
  page: PageRequest,
): Map<string, Page<Row>> {
  const arms = query.arms ?? null;
  const access = arms === null ? [] : [armsCondition(arms)];
  const conditions = [...access, ...query.where, `${query.parentExpression} IN (SELECT value FROM json_each(:_parents))`];
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
