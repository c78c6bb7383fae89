// Small builders of filter conditions: fixed SQL fragments, bound values.
import type { SqlValue } from '../db/connection';
import type { Narrowing } from './lists';

export class FilterBuilder {
  private readonly where: string[] = [];
  private readonly params: Record<string, SqlValue> = {};
  private count = 0;

  constructor(private readonly prefix: string) {}

  /** Adds `sql` with `:value` replaced by a fresh bound parameter, when the value is given. */
  add(value: SqlValue | undefined, sql: string): this {
    if (value === undefined || value === null) return this;
    const name = `${this.prefix}_f${this.count++}`;
    this.where.push(sql.replaceAll(':value', `:${name}`));
    this.params[name] = value;
    return this;
  }

  build(): Narrowing {
    return { where: this.where, params: this.params };
  }
}

/** A user's search text as an FTS5 query: every word must appear, as a prefix; no FTS syntax gets through. */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.slice(0, 16).map((word) => `"${word}"*`).join(' ');
}
