// SQL fragments that carry their values: `sql` builds text and bound values
// together, so that no value is spliced into the text and no parameter needs a
// name; `compile` renders the placeholders of one database engine.

import { type Identifier, isIdentifier } from './identifiers';
import type { SqlValue } from './store';

/**
 * A piece of SQL and the values bound in it: `parts` is the text around the
 * values (one more part than values). Only the builders below make one (the
 * class is not exported), so a fragment's text is always the code's own.
 */
class Fragment {
  /** The last compiled text, kept so that a fragment used again (a constant) is not joined again. */
  private compiled: { dialect: Dialect; text: string } | undefined;

  constructor(
    readonly parts: readonly string[],
    readonly values: readonly SqlValue[],
  ) {}

  /** The text with one engine's placeholders. */
  textFor(dialect: Dialect): string {
    if (this.compiled?.dialect !== dialect) this.compiled = { dialect, text: dialect.render(this.parts) };
    return this.compiled.text;
  }
}

export type Sql = Fragment;

export type Interpolation = Sql | SqlValue;

/** Appends an interpolation to parts and values under construction: a fragment inlined, a value bound. */
function append(parts: string[], values: SqlValue[], item: Interpolation): void {
  if (item instanceof Fragment) {
    const last = parts.length - 1;
    parts[last] += item.parts[0] as string;
    for (let i = 0; i < item.values.length; i++) {
      values.push(item.values[i] as SqlValue);
      parts.push(item.parts[i + 1] as string);
    }
    return;
  }
  if (item === undefined) throw new TypeError('sql: undefined is not a value (bind null instead)');
  values.push(item);
  parts.push('');
}

/** Placeholders in a template's own text (`?`, `:name`, `@name`, `$name`, `$1`): values go in `${…}`, never there. */
const PLACEHOLDER = /\?|(?<![:\w])[:@$][A-Za-z_]|\$\d/;
const checkedTemplates = new WeakSet<TemplateStringsArray>();

function checkTemplate(strings: TemplateStringsArray): void {
  if (checkedTemplates.has(strings)) return;
  for (const text of strings) {
    if (PLACEHOLDER.test(text)) throw new Error(`sql: a placeholder in the text of a fragment (bind values with \${…}): ${text}`);
  }
  checkedTemplates.add(strings);
}

/**
 * `sql\`… ${x} …\``: the template's text is SQL; each `${x}` is a bound value,
 * or a fragment (from `sql`, `sql.join`, `sql.ident`) inlined with its values.
 */
export function sql(strings: TemplateStringsArray, ...items: Interpolation[]): Sql {
  checkTemplate(strings);
  const parts: string[] = [strings[0] as string];
  const values: SqlValue[] = [];
  for (let i = 0; i < items.length; i++) {
    append(parts, values, items[i] as Interpolation);
    parts[parts.length - 1] += strings[i + 1] as string;
  }
  return new Fragment(parts, values);
}

const COMMA = sql`, `;

/** Fragments (and values, bound) one after another with `separator` between them (default `, `); empty: an empty fragment. */
sql.join = (items: readonly Interpolation[], separator: Sql = COMMA): Sql => {
  const parts: string[] = [''];
  const values: SqlValue[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) append(parts, values, separator);
    append(parts, values, items[i] as Interpolation);
  }
  return new Fragment(parts, values);
};

const identFragments = new Map<string, Sql>();

/**
 * A table, column or alias name, or a dotted path of them (`sql.ident('a', 'id')`
 * is `a.id`), from the fixed list in identifiers.ts: never a name from input.
 * Checked again when first used (a cast cannot slip one in); each distinct
 * name is then one shared fragment.
 */
sql.ident = (...names: Identifier[]): Sql => {
  const path = names.join('.');
  let fragment = identFragments.get(path);
  if (!fragment) {
    for (const name of names) if (!isIdentifier(name)) throw new Error(`sql.ident: "${name}" is not a known identifier`);
    fragment = new Fragment([path], []);
    identFragments.set(path, fragment);
  }
  return fragment;
};

/** The empty fragment. */
sql.empty = sql``;

/**
 * Words whose text differs by engine and that carry no value: the engine's own function or operator, rendered when
 * the statement is compiled for it. A fragment stays one text for both engines where only such a word differs;
 * where the statements differ in shape, each engine gets a statement of its own.
 */
const WORDS = {
  /** Rows of a JSON array's elements as text, in a column named `value`. */
  jsonValues: { sqlite: 'json_each', postgres: 'json_array_elements_text' },
  /** `a IS b`, true also when both are NULL. */
  isSame: { sqlite: 'IS', postgres: 'IS NOT DISTINCT FROM' },
  /** `a IS NOT b`, true also when one of them is NULL and the other not. */
  isDifferent: { sqlite: 'IS NOT', postgres: 'IS DISTINCT FROM' },
  /** An integer (a sum of money) as decimal text, exact past 2^53: `textOpen x textClose`. */
  integerTextOpen: { sqlite: "printf('%d', ", postgres: '(' },
  integerTextClose: { sqlite: ')', postgres: ')::text' },
  /** The Monday (ISO week start) of a 'YYYY-MM-DD' day, as 'YYYY-MM-DD': `weekStartOpen day weekStartClose`. */
  weekStartOpen: { sqlite: 'date(', postgres: "to_char(date_trunc('week', (" },
  weekStartClose: { sqlite: ", 'weekday 0', '-6 days')", postgres: ")::date), 'YYYY-MM-DD')" },
  /** A JSON array of its arguments. */
  jsonArray: { sqlite: 'json_array', postgres: 'json_build_array' },
  /** An array of the values aggregated, as JSON text. */
  jsonGroupArray: { sqlite: 'json_group_array', postgres: 'json_agg' },
} as const;
export type Word = keyof typeof WORDS;

const WORD_MARK = '\uE000';
const WORD_PATTERN = /\uE000(\w+)\uE000/g;
const wordFragments = new Map<Word, Sql>();

/** One of WORDS, as the engine running the statement writes it. */
sql.word = (word: Word): Sql => {
  let fragment = wordFragments.get(word);
  if (!fragment) {
    fragment = new Fragment([`${WORD_MARK}${word}${WORD_MARK}`], []);
    wordFragments.set(word, fragment);
  }
  return fragment;
};

/** A word as `engine` writes it, for hand-written text (fragments take sql.word). */
export function spell(word: Word, engine: DialectName): string {
  return WORDS[word][engine];
}

function renderWords(text: string, dialect: DialectName): string {
  return text.includes(WORD_MARK) ? text.replace(WORD_PATTERN, (_, word: Word) => WORDS[word][dialect]) : text;
}

type DialectName = 'sqlite' | 'postgres';

/** How one engine writes placeholders: the text is the parts with a placeholder between each two. */
export type Dialect = { name: DialectName; render(parts: readonly string[]): string };

/** better-sqlite3: positional `?`, values bound as an array in order. */
export const SQLITE: Dialect = { name: 'sqlite', render: (parts) => renderWords(parts.join('?'), 'sqlite') };

/** node-postgres: numbered `$1 … $n`. */
export const POSTGRES: Dialect = {
  name: 'postgres',
  render: (parts) => {
    let text = parts[0] as string;
    for (let i = 1; i < parts.length; i++) text += `$${i}${parts[i] as string}`;
    return renderWords(text, 'postgres');
  },
};

export type Compiled = { text: string; values: readonly SqlValue[] };

/** The text with `dialect`'s placeholders and the values in their order. */
export function compile(fragment: Sql, dialect: Dialect = SQLITE): Compiled {
  return { text: fragment.textFor(dialect), values: fragment.values };
}
