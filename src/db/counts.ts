// Counts for totalCount: of small lists in one statement; of lists that may
// be large (an organization's usage) in bounded chunks along an index, with
// the event loop given back between chunks, so that no count holds the
// process for long.

import {
  AND,
  armsCondition,
  keysetCondition,
  nextTurn,
  orderClause,
  type PageQuery,
  type Position,
  type Sort,
  type TableQuery,
  whereClause,
} from './keyset';
import { type Sql, sql } from './sql';
import type { Reader, SqlValue } from './store';

const PLUS = sql` + `;

/** How many rows a query has, counted arm by arm (each arm by its index). */
export async function countRows(db: Reader, query: Omit<PageQuery, 'columns'>): Promise<number> {
  const arms = query.arms ?? null;
  if (arms !== null && arms.length === 0) return 0;
  const counts = (arms ?? [null]).map(
    (arm) => sql`(SELECT count(*) FROM ${query.from} ${whereClause(arm === null ? query.where : [arm, ...query.where])})`,
  );
  return (await db.get<{ n: number }>(sql`SELECT ${sql.join(counts, PLUS)} AS n`))?.n ?? 0;
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
async function countInChunks(db: Reader, query: Omit<PageQuery, 'columns' | 'arms'>, prefix: readonly Sql[], sort: Sort): Promise<number> {
  const ascending: Sort = { ...sort, direction: 'ASC' };
  let total = 0;
  let after: Position | null = null;
  for (;;) {
    const from: Sql[] = after ? [keysetCondition(ascending, false, after)] : [];
    const end: { v: SqlValue; i: SqlValue } | undefined = await db.get<{ v: SqlValue; i: SqlValue }>(
      sql`SELECT ${sort.expression} AS v, ${sort.idExpression} AS i FROM ${query.from} ${whereClause([...prefix, ...from])}
        ORDER BY ${orderClause(ascending)} LIMIT 1 OFFSET ${COUNT_CHUNK - 1}`,
    );
    const upTo = end ? [sql`(${sort.expression}, ${sort.idExpression}) <= (${end.v}, ${end.i})`] : [];
    total +=
      (
        await db.get<{ n: number }>(
          sql`SELECT count(*) AS n FROM ${query.from} ${whereClause([...prefix, ...query.where, ...from, ...upTo])}`,
        )
      )?.n ?? 0;
    if (!end) return total;
    after = { value: end.v, id: end.i };
    await nextTurn();
  }
}

/** countRows for lists that may be large: arm by arm, each in bounded chunks along the index of `sort`. */
export async function countRowsInChunks(db: Reader, query: Omit<PageQuery, 'columns'>, sort: Sort): Promise<number> {
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
  db: Reader,
  query: Omit<TableQuery, 'columns'> & { parentColumn: Sql },
  parentIds: readonly string[],
  sort: Sort,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  const arms = query.arms ?? null;
  if ((arms !== null && arms.length === 0) || parentIds.length === 0) return counts;
  const { table, alias } = query;
  const conditions = [armsCondition(arms), ...query.where];
  const share = Math.max(1, Math.floor(COUNT_CHUNK / parentIds.length));
  const walk = sql`SELECT 1 AS one, (${sql.join(conditions, AND)}) AS meets FROM ${table} ${alias}
           WHERE ${query.parentColumn} = p.value ORDER BY ${orderClause({ ...sort, direction: 'ASC' })} LIMIT ${share}`;
  const rows = await db.all<{ parent: string; counted: string }>(
    db.engine === 'postgres'
      ? sql`SELECT p.value AS parent, json_build_array(count(x.one), count(*) FILTER (WHERE x.meets))::text AS counted
       FROM json_array_elements_text(${JSON.stringify(parentIds)}) p LEFT JOIN LATERAL (${walk}) x ON true GROUP BY p.value`
      : // SQLite has no LATERAL join: the walk is a scalar subquery per parent, its two figures as one JSON pair.
        sql`SELECT p.value AS parent, (
        SELECT json_array(count(*), coalesce(sum(x.meets), 0)) FROM (${walk}) x) AS counted
       FROM json_each(${JSON.stringify(parentIds)}) p`,
  );
  for (const row of rows) {
    const [walked, matched] = JSON.parse(row.counted) as [number, number];
    if (walked < share) {
      counts.set(row.parent, matched);
      continue;
    }
    await nextTurn();
    const whole = { from: sql`${table} ${alias}`, where: conditions };
    counts.set(row.parent, await countInChunks(db, whole, [sql`${query.parentColumn} = ${row.parent}`], sort));
  }
  return counts;
}

/** Row counts per parent in one statement (for totalCount of nested connections). */
export async function countRowsPerParent(
  db: Reader,
  query: Omit<PageQuery, 'columns'> & { parentExpression: Sql },
  parentIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  const arms = query.arms ?? null;
  if (arms !== null && arms.length === 0) return counts;
  const conditions = [
    sql`${query.parentExpression} IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(parentIds)}))`,
    ...(arms === null ? [] : [armsCondition(arms)]),
    ...query.where,
  ];
  const rows = await db.all<{ parent: string; n: number }>(
    sql`SELECT ${query.parentExpression} AS parent, count(*) AS n FROM ${query.from} ${whereClause(conditions)} GROUP BY 1`,
  );
  for (const row of rows) counts.set(row.parent, row.n);
  return counts;
}
