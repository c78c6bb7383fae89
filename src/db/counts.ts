// Counts for totalCount: of small lists in one statement; of lists that may
// be large (an organization's usage) in bounded chunks along an index, with
// the event loop given back between chunks, so that no count holds the
// process for long.
import type { Database, SqlValue } from './connection';
import { armsCondition, keysetCondition, nextTurn, orderClause, type PageQuery, type Position, type Sort, type TableQuery, whereClause } from './keyset';

/** How many rows a query has, counted arm by arm (each arm by its index). */
export function countRows(db: Database, query: Omit<PageQuery, 'columns'>): number {
  const arms = query.arms ?? null;
  if (arms !== null && arms.length === 0) return 0;
  const counts = (arms ?? [null]).map(
    (arm) => `(SELECT count(*) FROM ${query.from} ${whereClause(arm === null ? query.where : [arm, ...query.where])})`,
  );
  return db.get<{ n: number }>(`SELECT ${counts.join(' + ')} AS n`, query.params)?.n ?? 0;
}

/**
 * How many index entries one counting statement may walk (checking the
 * filters of each, which reads its row). Counting more (an
 * organization's half a million usage records) takes several statements,
 * each bounded, with the event loop given back between them.
 */
export const COUNT_CHUNK = 5_000;

/**
 * Counts the rows of `query` that also meet `prefix` (an access arm or a
 * parent: conditions an index in `sort`'s order starts with) chunk by chunk:
 * a first statement finds where the next COUNT_CHUNK entries of that index
 * end, a second counts the rows up to there that meet every condition.
 */
async function countInChunks(db: Database, query: Omit<PageQuery, 'columns' | 'arms'>, prefix: string[], sort: Sort): Promise<number> {
  const ascending: Sort = { ...sort, direction: 'ASC' };
  let total = 0;
  let after: Position | null = null;
  for (;;) {
    const from: string[] = after ? [keysetCondition(ascending, false)] : [];
    const params: Record<string, SqlValue> = { ...query.params, _skip: COUNT_CHUNK - 1 };
    if (after) Object.assign(params, { _after_value: after.value, _after_id: after.id });
    const end = db.get<{ v: SqlValue; i: SqlValue }>(
      `SELECT ${sort.expression} AS v, ${sort.idExpression} AS i FROM ${query.from} ${whereClause([...prefix, ...from])}
        ORDER BY ${orderClause(ascending)} LIMIT 1 OFFSET :_skip`,
      params,
    );
    const upTo = end ? [`(${sort.expression}, ${sort.idExpression}) <= (:_end_value, :_end_id)`] : [];
    if (end) Object.assign(params, { _end_value: end.v, _end_id: end.i });
    total += db.get<{ n: number }>(`SELECT count(*) AS n FROM ${query.from} ${whereClause([...prefix, ...query.where, ...from, ...upTo])}`, params)?.n ?? 0;
    if (!end) return total;
    after = { value: end.v, id: end.i };
    await nextTurn();
  }
}

/** countRows for lists that may be large: arm by arm, each in bounded chunks along the index of `sort`. */
export async function countRowsInChunks(db: Database, query: Omit<PageQuery, 'columns'>, sort: Sort): Promise<number> {
  const arms = query.arms ?? null;
  let total = 0;
  for (const arm of arms ?? [null]) total += await countInChunks(db, query, arm === null ? [] : [arm], sort);
  return total;
}

/**
 * Row counts per parent, bounded: one statement walks each parent's index
 * for at most an equal share of COUNT_CHUNK entries and counts the ones that
 * meet every condition; a parent with more entries than its share is counted
 * again alone, in chunks along its (parent, sort) index.
 */
export async function countRowsPerParentInChunks(
  db: Database,
  query: Omit<TableQuery, 'columns'> & { parentColumn: string },
  parentIds: readonly string[],
  sort: Sort,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  const arms = query.arms ?? null;
  if ((arms !== null && arms.length === 0) || parentIds.length === 0) return counts;
  const { table, alias } = query;
  const conditions = [armsCondition(arms), ...query.where];
  const share = Math.max(1, Math.floor(COUNT_CHUNK / parentIds.length));
  // SQLite has no LATERAL join: the walk is a scalar subquery per parent, its two figures as one JSON pair.
  const rows = db.all<{ parent: string; counted: string }>(
    `SELECT p.value AS parent, (
        SELECT json_array(count(*), coalesce(sum(x.meets), 0)) FROM (
          SELECT (${conditions.join(' AND ')}) AS meets FROM ${table} ${alias}
           WHERE ${query.parentColumn} = p.value ORDER BY ${orderClause({ ...sort, direction: 'ASC' })} LIMIT :_share) x) AS counted
       FROM json_each(:_parents) p`,
    { ...query.params, _parents: JSON.stringify(parentIds), _share: share },
  );
  for (const row of rows) {
    const [walked, matched] = JSON.parse(row.counted) as [number, number];
    if (walked < share) {
      counts.set(row.parent, matched);
      continue;
    }
    await nextTurn();
    const whole = { from: `${table} ${alias}`, where: conditions, params: { ...query.params, _parent: row.parent } };
    counts.set(row.parent, await countInChunks(db, whole, [`${query.parentColumn} = :_parent`], sort));
  }
  return counts;
}

/** Row counts per parent in one statement (for totalCount of nested connections). */
export function countRowsPerParent(
  db: Database,
  query: Omit<PageQuery, 'columns'> & { parentExpression: string },
  parentIds: readonly string[],
): Map<string, number> {
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  const arms = query.arms ?? null;
  if (arms !== null && arms.length === 0) return counts;
  const conditions = [`${query.parentExpression} IN (SELECT value FROM json_each(:_parents))`, ...(arms === null ? [] : [armsCondition(arms)]), ...query.where];
  const rows = db.all<{ parent: string; n: number }>(
    `SELECT ${query.parentExpression} AS parent, count(*) AS n FROM ${query.from} ${whereClause(conditions)} GROUP BY 1`,
    { ...query.params, _parents: JSON.stringify(parentIds) },
  );
  for (const row of rows) counts.set(row.parent, row.n);
  return counts;
}
