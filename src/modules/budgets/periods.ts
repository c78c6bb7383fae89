// Budget periods: UTC calendar days, ISO weeks (Monday to Monday) and calendar months. A period is a window
// [start, end) of whole UTC days, so that its use is read from the daily rollups exactly.

export type BudgetPeriod = 'DAY' | 'WEEK' | 'MONTH';
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['DAY', 'WEEK', 'MONTH'];

export type PeriodWindow = { start: string; end: string };

const DAY_MS = 86_400_000;

/** The period of this kind that holds the instant (an ISO string or a Date). */
export function periodWindow(period: BudgetPeriod, at: string | Date): PeriodWindow {
  const instant = typeof at === 'string' ? new Date(at) : at;
  const year = instant.getUTCFullYear();
  const month = instant.getUTCMonth();
  const day = instant.getUTCDate();
  let start: number;
  let end: number;
  if (period === 'DAY') {
    start = Date.UTC(year, month, day);
    end = start + DAY_MS;
  } else if (period === 'WEEK') {
    // getUTCDay: 0 is Sunday; an ISO week starts on Monday.
    const sinceMonday = (instant.getUTCDay() + 6) % 7;
    start = Date.UTC(year, month, day - sinceMonday);
    end = start + 7 * DAY_MS;
  } else {
    start = Date.UTC(year, month, 1);
    end = Date.UTC(year, month + 1, 1);
  }
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}
