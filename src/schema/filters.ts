// Small builders of filter conditions: fixed SQL fragments, bound values.

import type { Sql } from '../db/sql';
import type { SqlValue } from '../db/store';
import type { Narrowing } from './lists';

export class FilterBuilder {
  private readonly where: Sql[] = [];

  /** Adds the condition `condition(value)` when the value is given, e.g. `(status) => sql\`a.status = ${status}\``. */
  add<Value extends SqlValue>(value: Value | null | undefined, condition: (value: Value) => Sql): this {
    if (value !== undefined && value !== null) this.where.push(condition(value));
    return this;
  }

  build(): Narrowing {
    return this.where;
  }
}

/**
 * A user's search text as an FTS5 query: every word must appear, as a prefix; no FTS syntax gets through. Words are
 * split as FTS5's unicode61 tokenizer splits them (at '_' too), and as PostgreSQL's tsQuery does
 * (src/db/postgres/search.ts), so that both engines find the same agents and refuse the same texts.
 */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words
    .slice(0, 16)
    .map((word) => `"${word}"*`)
    .join(' ');
}
