// Usage summaries and quotas read from the daily rollups (kept by
// insertUsageBatch and triggers). A window [from, to) is split into whole UTC
// days, read from a rollup, and the partial days at its edges, read from the
// raw records; both give rows of the same shape, so results equal a raw scan.
// The coarse rollup (per organization, day, provider, model) serves what needs
// no finer key and no per-row visibility; the fine one everything else.
import { visibleRows } from '../../auth/policy';
import type { Principal } from '../../auth/principal';
import { ALL_ROWS, nextTurn, type Page, type PageRequest } from '../../db/keyset';
import { type Sql, sql } from '../../db/sql';
import type { Reader } from '../../db/store';
import type { UsageTotals } from './repo';
import { ZERO } from './repo';

/**
 * What summaries group by, in the order of a bucket's id (periods first): each key's value over the window's rows
 * `lu`, selected under its name in a bucket row. The periods are UTC calendar periods: the day, the ISO week
 * (named by its Monday, YYYY-MM-DD) and the month (YYYY-MM).
 */
const GROUPS = {
  DAY: { value: sql`lu.day`, selected: sql`lu.day AS day`, absent: sql`NULL AS day` },
  WEEK: {
    value: sql`${sql.word('weekStartOpen')}lu.day${sql.word('weekStartClose')}`,
    selected: sql`${sql.word('weekStartOpen')}lu.day${sql.word('weekStartClose')} AS week`,
    absent: sql`NULL AS week`,
  },
  MONTH: { value: sql`substr(lu.day, 1, 7)`, selected: sql`substr(lu.day, 1, 7) AS month`, absent: sql`NULL AS month` },
  MODEL: { value: sql`lu.model`, selected: sql`lu.model AS model`, absent: sql`NULL AS model` },
  PROVIDER: { value: sql`lu.provider`, selected: sql`lu.provider AS provider`, absent: sql`NULL AS provider` },
  AGENT: { value: sql`lu.agent_id`, selected: sql`lu.agent_id AS agent_id`, absent: sql`NULL AS agent_id` },
  USER: { value: sql`lu.user_id`, selected: sql`lu.user_id AS user_id`, absent: sql`NULL AS user_id` },
  API_KEY: { value: sql`lu.api_key_id`, selected: sql`lu.api_key_id AS api_key_id`, absent: sql`NULL AS api_key_id` },
} as const;
export type UsageGroup = keyof typeof GROUPS;
export const USAGE_GROUPS: readonly UsageGroup[] = Object.keys(GROUPS) as UsageGroup[];
const groupColumn = (group: UsageGroup): Sql => GROUPS[group].value;

const SUMS = sql`coalesce(sum(lu.requests), 0) AS requests, coalesce(sum(lu.prompt_tokens), 0) AS prompt_tokens,
  coalesce(sum(lu.cached_prompt_tokens), 0) AS cached_prompt_tokens, coalesce(sum(lu.completion_tokens), 0) AS completion_tokens,
  coalesce(sum(lu.reasoning_tokens), 0) AS reasoning_tokens, coalesce(sum(lu.total_tokens), 0) AS total_tokens,
  ${sql.word('integerTextOpen')}coalesce(sum(lu.cost_nano_usd), 0)${sql.word('integerTextClose')} AS cost_nano_usd`;

export type UsageWindow = { from: string; to: string };

const DAY_MS = 86_400_000;
const startOfDay = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS) * DAY_MS;

/** Which rollup a read may use: the coarse one has no agent, user or API key columns. */
type Rollup = 'fine' | 'coarse';

const ROLLUP_SOURCES: Record<Rollup, Sql> = {
  fine: sql`SELECT organization_id, day, provider, model, nullif(agent_id, '') AS agent_id, nullif(user_id, '') AS user_id,
       nullif(api_key_id, '') AS api_key_id, requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens,
       total_tokens, cost_nano_usd
     FROM llm_usage_daily`,
  coarse: sql`SELECT organization_id, day, provider, model, NULL AS agent_id, NULL AS user_id, NULL AS api_key_id, requests,
       prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd
     FROM llm_usage_model_daily`,
};

/**
 * The usage rows of a window as a derived table `lu` with one shape for both
 * sources: (organization_id, day, provider, model, agent_id, user_id,
 * api_key_id, requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens,
 * cost_nano_usd).
 * From the coarse rollup, agent_id, user_id and api_key_id are NULL.
 */
function windowSource(window: UsageWindow, rollup: Rollup): Sql {
  const fromMs = Date.parse(window.from);
  const toMs = Date.parse(window.to);
  const firstFullDay = startOfDay(window.from) === fromMs ? fromMs : startOfDay(window.from) + DAY_MS;
  const endFullDays = startOfDay(window.to);
  const raw = (
    from: string,
    to: string,
  ) => sql`SELECT organization_id, substr(created_at, 1, 10) AS day, provider, model, agent_id, user_id,
      api_key_id, 1 AS requests, prompt_tokens, cached_prompt_tokens, completion_tokens, reasoning_tokens, total_tokens, cost_nano_usd
    FROM llm_usage WHERE created_at >= ${from} AND created_at < ${to}`;
  if (firstFullDay >= endFullDays) return sql`(${raw(window.from, window.to)}) lu`;
  const fullFrom = new Date(firstFullDay).toISOString();
  const fullTo = new Date(endFullDays).toISOString();
  const parts = [sql`${ROLLUP_SOURCES[rollup]} WHERE day >= ${fullFrom.slice(0, 10)} AND day < ${fullTo.slice(0, 10)}`];
  if (fromMs < firstFullDay) parts.push(raw(window.from, fullFrom));
  if (endFullDays < toMs) parts.push(raw(fullTo, window.to));
  return sql`(${sql.join(parts, UNION_ALL)}) lu`;
}

const UNION_ALL = sql` UNION ALL `;

/**
 * Whether the principal sees every usage row of each of these organizations
 * (llm:quota:read:org there, or platform-wide); with only
 * llm:quota:read:self it sees its own rows, which takes the user and API key
 * columns of the fine rollup.
 */
export function readsUsageOrgWide(principal: Principal, organizationIds: readonly string[]): boolean {
  const scope = principal.grants.scopeOf('llm:quota:read:org');
  return scope.all || organizationIds.every((id) => scope.organizationIds.includes(id));
}

const COARSE_GROUPS: readonly UsageGroup[] = ['DAY', 'WEEK', 'MONTH', 'MODEL', 'PROVIDER'];

/** The coarse rollup serves organization summaries grouped by period/model/provider only, for org-wide readers. */
export function rollupFor(
  principal: Principal,
  parentColumn: string,
  parentIds: readonly string[],
  groupBy: readonly UsageGroup[],
): Rollup {
  const coarse =
    parentColumn === 'organization_id' &&
    groupBy.every((group) => COARSE_GROUPS.includes(group)) &&
    readsUsageOrgWide(principal, parentIds);
  return coarse ? 'coarse' : 'fine';
}

/** The visible rows of a window that belong to the given parents. */
function visibleWindow(
  principal: Principal,
  parentColumn: 'agent_id' | 'organization_id',
  parentIds: readonly string[],
  window: UsageWindow,
  groupBy: readonly UsageGroup[],
) {
  const rollup = rollupFor(principal, parentColumn, parentIds, groupBy);
  const parents = sql`${sql.ident('lu', parentColumn)} IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(parentIds)}))`;
  // Coarse only when every row of these organizations is visible: the parent condition is the whole predicate.
  const visible = rollup === 'coarse' ? ALL_ROWS : visibleRows(principal, 'llmUsage', 'lu');
  return { from: windowSource(window, rollup), where: sql`${visible} AND ${parents}` };
}

function orderedGroups(groupBy: readonly UsageGroup[]): UsageGroup[] {
  return USAGE_GROUPS.filter((group) => groupBy.includes(group));
}

export type UsageBucketRow = UsageTotals & {
  id: string;
  day: string | null;
  week: string | null;
  month: string | null;
  model: string | null;
  provider: string | null;
  agent_id: string | null;
  user_id: string | null;
  api_key_id: string | null;
};

/** A bucket row with none of its keys set (the ungrouped total's keys). */
export const NO_KEYS = {
  id: '[]',
  day: null,
  week: null,
  month: null,
  model: null,
  provider: null,
  agent_id: null,
  user_id: null,
  api_key_id: null,
} as const;

/**
 * Fine rollup rows one statement groups, at most (a day of an organization
 * is some 550; grouping a week of them by day, model, agent and user took
 * 65 ms under load, and a piece of 1,500 rows up to 28 ms on a slow, loaded
 * machine). A window with more is grouped piece by piece.
 */
const ROWS_PER_PIECE = 750;

/** Days of the fine rollup one statement counts when a window is cut into pieces. */
const DAYS_PER_COUNT = 14;

/** The calendar day `count` days after `day` (both YYYY-MM-DD, UTC). */
function dayAfter(day: string, count: number): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() + count);
  return date.toISOString().slice(0, 10);
}

/**
 * The window cut at day starts into pieces of at most ROWS_PER_PIECE rollup
 * rows of these parents (a day with more is a piece of its own), so that the
 * number of statements follows the usage there is, not the calendar: a
 * year-long window over two busy days is one piece. Only the first and the
 * last piece may have partial days. Empty: no usage in the window.
 */
async function windowPieces(
  db: Reader,
  parentColumn: 'agent_id' | 'organization_id',
  parentIds: readonly string[],
  window: UsageWindow,
): Promise<UsageWindow[]> {
  const parents = JSON.stringify(parentIds);
  const column = sql.ident(parentColumn);
  const inWindow = sql`day >= ${window.from.slice(0, 10)} AND day <= ${window.to.slice(0, 10)}`;
  // The first and last day with usage, each parent's by its index; then the days between are counted a stretch per
  // statement (counting a quarter of a busy organization's rows at once took 28 ms).
  const [span] = await db.all<{ first: string | null; last: string | null }>(
    sql`SELECT min(lo) AS first, max(hi) AS last FROM (
        SELECT (SELECT min(day) FROM llm_usage_daily d WHERE d.${column} = p.value AND ${inWindow}) AS lo,
               (SELECT max(day) FROM llm_usage_daily d WHERE d.${column} = p.value AND ${inWindow}) AS hi
          FROM ${sql.word('jsonValues')}(${parents}) p) spans`,
  );
  if (!span?.first || !span.last) return [];
  const last = span.last;
  const days: { day: string; rows: number }[] = [];
  for (let first = span.first; first <= last; first = dayAfter(first, DAYS_PER_COUNT)) {
    if (first !== span.first) await nextTurn();
    days.push(
      ...(await db.all<{ day: string; rows: number }>(
        sql`SELECT day, count(*) AS rows FROM llm_usage_daily
          WHERE ${column} IN (SELECT value FROM ${sql.word('jsonValues')}(${parents}))
            AND day >= ${first} AND day <= ${dayAfter(first, DAYS_PER_COUNT - 1)} AND day <= ${last}
          GROUP BY day ORDER BY day`,
      )),
    );
  }
  if (days.length === 0) return [];
  const pieces: UsageWindow[] = [];
  let from = window.from;
  let rows = 0;
  for (const { day, rows: dayRows } of days) {
    const start = `${day}T00:00:00.000Z`;
    if (rows > 0 && rows + dayRows > ROWS_PER_PIECE && start > from) {
      pieces.push({ from, to: start });
      from = start;
      rows = 0;
    }
    rows += dayRows;
  }
  pieces.push({ from, to: window.to });
  return pieces;
}

/** UTF-16 strings in code point order, as SQLite's BINARY collation orders their UTF-8 text. */
export function compareText(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points past U+FFFF) sort after U+E000–U+FFFF in code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

type Totals = {
  requests: number;
  prompt: number;
  cachedPrompt: number;
  completion: number;
  reasoning: number;
  total: number;
  cost: bigint;
};

function addTo(into: Totals, row: UsageTotals): void {
  into.requests += row.requests;
  into.prompt += row.prompt_tokens;
  into.cachedPrompt += row.cached_prompt_tokens;
  into.completion += row.completion_tokens;
  into.reasoning += row.reasoning_tokens;
  into.total += row.total_tokens;
  into.cost += BigInt(row.cost_nano_usd);
}

function totalsRow(totals: Totals): UsageTotals {
  return {
    requests: totals.requests,
    prompt_tokens: totals.prompt,
    cached_prompt_tokens: totals.cachedPrompt,
    completion_tokens: totals.completion,
    reasoning_tokens: totals.reasoning,
    total_tokens: totals.total,
    cost_nano_usd: totals.cost.toString(),
  };
}

/** A parent's summary: the requested page of buckets, how many buckets there are, and their exact total. */
export type UsageSummary = { page: Page<UsageBucketRow>; count: number; total: UsageTotals };

type Bucket = { row: UsageBucketRow; totals: Totals };

/**
 * The page of buckets a request asks for, chosen while the buckets stream by:
 * only the `limit + 1` best candidates past the cursor are kept, in order, so
 * that a summary of 50,000 buckets never sorts or copies them all.
 */
class PageSelection {
  private readonly kept: Bucket[] = [];
  /** Buckets past the cursor (for hasMore). */
  private passing = 0;
  private readonly key: string | null;

  constructor(private readonly page: PageRequest) {
    this.key = page.from === null ? null : String(page.from.value);
  }

  /** Forward pages keep the smallest ids after the cursor, backward ones the largest before it. */
  private rank(id: string, other: string): number {
    return this.page.backward ? compareText(other, id) : compareText(id, other);
  }

  offer(bucket: Bucket): void {
    const id = bucket.row.id;
    if (this.key !== null && this.rank(id, this.key) <= 0) return;
    this.passing += 1;
    const kept = this.kept;
    const size = this.page.limit + 1;
    if (kept.length === size && this.rank(id, (kept[size - 1] as Bucket).row.id) >= 0) return;
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.rank((kept[middle] as Bucket).row.id, id) < 0) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, bucket);
    if (kept.length > size) kept.pop();
  }

  result(): Page<UsageBucketRow> {
    const chosen = this.kept.slice(0, this.page.limit);
    if (this.page.backward) chosen.reverse();
    const rows = chosen.map(({ row, totals }) => ({ ...row, ...totalsRow(totals), _sort_value: row.id }));
    return { rows, hasMore: this.passing > this.page.limit };
  }
}

const zeroTotals = (): Totals => ({ requests: 0, prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0, total: 0, cost: 0n });

/** One parent's buckets as the pieces of the window come in. */
class SummaryBuilder {
  /** Buckets by id, while they may still grow: only when DAY is not a key (with DAY, each bucket lies in one piece). */
  private readonly open = new Map<string, Bucket>();
  private readonly selection: PageSelection;
  private readonly total = zeroTotals();
  private count = 0;

  constructor(
    page: PageRequest,
    private readonly mergesAcrossPieces: boolean,
  ) {
    this.selection = new PageSelection(page);
  }

  add(row: UsageBucketRow): void {
    addTo(this.total, row);
    if (!this.mergesAcrossPieces) {
      const bucket = { row, totals: zeroTotals() };
      addTo(bucket.totals, row);
      this.count += 1;
      this.selection.offer(bucket);
      return;
    }
    let bucket = this.open.get(row.id);
    if (!bucket) {
      bucket = { row, totals: zeroTotals() };
      this.open.set(row.id, bucket);
    }
    addTo(bucket.totals, row);
  }

  finish(): UsageSummary {
    for (const bucket of this.open.values()) {
      this.count += 1;
      this.selection.offer(bucket);
    }
    return { page: this.selection.result(), count: this.count, total: this.count === 0 ? ZERO : totalsRow(this.total) };
  }
}

/**
 * Every parent's summary: its page of buckets in group-key order, their count
 * and their total. From the fine rollup the window is grouped in pieces of at
 * most ROWS_PER_PIECE rollup rows (whatever the window), the pieces are added
 * up here, exactly (costs as BigInt), and the event loop is given back
 * between pieces. Grouped by DAY, a bucket lies in one piece, so nothing of a
 * piece is kept but the page's candidates.
 */
export async function usageSummariesPerParent(
  db: Reader,
  principal: Principal,
  parentColumn: 'agent_id' | 'organization_id',
  parentIds: readonly string[],
  groupBy: readonly UsageGroup[],
  window: UsageWindow,
  page: PageRequest,
): Promise<Map<string, UsageSummary>> {
  const groups = orderedGroups(groupBy);
  const selected = USAGE_GROUPS.map((group) => (groups.includes(group) ? GROUPS[group].selected : GROUPS[group].absent));
  const key = bucketKey(db, groups);
  const parent = sql.ident('lu', parentColumn);
  const mergesAcrossPieces = !groups.includes('DAY');
  const builders = new Map(parentIds.map((id) => [id, new SummaryBuilder(page, mergesAcrossPieces)]));
  // The coarse rollup holds a row per day and model: a year of it is one statement's work. The fine one is cut into pieces.
  const pieces =
    rollupFor(principal, parentColumn, parentIds, groups) === 'fine' ? await windowPieces(db, parentColumn, parentIds, window) : [window];
  for (const [index, piece] of pieces.entries()) {
    if (index > 0) await nextTurn();
    const source = visibleWindow(principal, parentColumn, parentIds, piece, groups);
    const rows = await db.all<UsageBucketRow & { parent: string }>(
      sql`SELECT ${parent} AS parent, ${sql.join(selected)}, ${key} AS id, ${SUMS}
         FROM ${source.from} WHERE ${source.where}
        GROUP BY ${sql.join([parent, ...groups.map(groupColumn)])}`,
    );
    for (const row of rows) builders.get(row.parent)?.add(row);
  }
  return new Map([...builders].map(([parent, builder]) => [parent, builder.finish()]));
}

const JSON_COMMA = sql`, ',', `;

/**
 * A bucket's id: the JSON array of its group values, as compact text on both engines, so that its cursors are the
 * same whichever engine answered (PostgreSQL's own JSON arrays put a space after each comma).
 */
function bucketKey(db: Reader, groups: readonly UsageGroup[]): Sql {
  if (groups.length === 0) return sql`'[]'`;
  if (db.engine === 'sqlite') return sql`json_array(${sql.join(groups.map(groupColumn))})`;
  const values = groups.map((group) => sql`coalesce(to_json(${groupColumn(group)})::text, 'null')`);
  return sql`concat('[', ${sql.join(values, JSON_COMMA)}, ']')`;
}

/** The UTC calendar month around `now`: the period quotas count in. */
export function quotaPeriod(now: Date): { start: string; end: string } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
  };
}

export type QuotaRow = {
  organization_id: string;
  monthly_token_limit: number | null;
  monthly_cost_limit_nano_usd: number | string | null;
  updated_at: string | null;
  period_start: string;
  period_end: string;
  tokens_used: number;
  cost_used_nano_usd: string;
};

/** Each organization's use of a UTC calendar month, from the coarse rollup (tens of rows per organization). */
export async function monthUseOfOrganizations(
  db: Reader,
  organizationIds: readonly string[],
  period: { start: string; end: string },
): Promise<Map<string, { tokens: number; cost: string }>> {
  const rows = await db.all<{ organization_id: string; tokens: number; cost: string }>(
    sql`SELECT organization_id, coalesce(sum(total_tokens), 0) AS tokens,
            ${sql.word('integerTextOpen')}coalesce(sum(cost_nano_usd), 0)${sql.word('integerTextClose')} AS cost
       FROM llm_usage_model_daily
      WHERE organization_id IN (SELECT value FROM ${sql.word('jsonValues')}(${JSON.stringify(organizationIds)}))
        AND day >= ${period.start.slice(0, 10)} AND day < ${period.end.slice(0, 10)}
      GROUP BY organization_id`,
  );
  return new Map(rows.map((row) => [row.organization_id, { tokens: Number(row.tokens), cost: row.cost }]));
}
