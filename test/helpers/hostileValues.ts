// Values for generated inputs, by GraphQL type and field name: valid ones, boundary ones and hostile ones
// (huge, deep, of the wrong kind, odd Unicode, tampered cursors and global ids). A value may carry tags
// (what kind of hostile it is) and a secret (a password, token or integration secret that no error may echo).
import { encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';

export type Tag =
  | 'cursor:tampered'
  | 'cursor:foreign'
  | 'id:unknown-type'
  | 'id:malformed'
  | 'id:wrong-type'
  | 'json:deep'
  | 'json:huge'
  | 'date:impossible'
  | 'string:lone-surrogate'
  | 'string:huge'
  | 'wrong-kind'
  | 'document:deep';

/** A generated value with what is known about it; `materialize` turns a tree of these into plain JSON. */
export class Marked {
  constructor(
    readonly value: unknown,
    readonly tags: readonly Tag[] = [],
    readonly secret: string | null = null,
  ) {}
}

/**
 * JSON nested deeper than JSON.stringify and any recursive walk can go: kept as text, in JSON for a
 * variable and in GraphQL for a literal, and spliced into the request body as it is sent (`requestBody`).
 */
export class RawJson {
  constructor(
    readonly json: string,
    readonly graphql: string,
  ) {}

  static nested(depth: number, leaf: unknown, asArray: boolean): RawJson {
    const text = JSON.stringify(leaf) ?? 'null';
    return asArray
      ? new RawJson(`${'['.repeat(depth)}${text}${']'.repeat(depth)}`, `${'['.repeat(depth)}${text}${']'.repeat(depth)}`)
      : new RawJson(`${'{"a":'.repeat(depth)}${text}${'}'.repeat(depth)}`, `${'{ a: '.repeat(depth)}${text}${' }'.repeat(depth)}`);
  }
}

/** The JSON text of a request body that may hold RawJson values. */
export function requestBody(body: unknown): string {
  const raws: RawJson[] = [];
  const text = JSON.stringify(body, (_key, value) => {
    if (!(value instanceof RawJson)) return value;
    raws.push(value);
    return `\u0000raw${raws.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index) => (raws[Number(index)] as RawJson).json);
}

/** A plain value with the tags and secrets found in it, and every string in it (to tell an echo of the input in a message). */
export type Materialized = { value: unknown; tags: Set<Tag>; secrets: string[]; strings: string[] };

export function materialize(
  tree: unknown,
  into: Materialized = { value: undefined, tags: new Set(), secrets: [], strings: [] },
): Materialized {
  const walk = (node: unknown): unknown => {
    if (node instanceof Marked) {
      for (const tag of node.tags) into.tags.add(tag);
      if (node.secret) into.secrets.push(node.secret);
      return walk(node.value);
    }
    if (node instanceof RawJson) return node;
    if (typeof node === 'string') {
      into.strings.push(node);
      for (const tag of stringTags(node)) into.tags.add(tag);
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(node)) {
        const value = walk(inner);
        if (value !== undefined) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return node;
  };
  into.value = walk(tree);
  return into;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Longer than any input string may be, whatever maximum the README settles on. */
export const HUGE_STRING = 200_000;

function stringTags(text: string): Tag[] {
  const tags: Tag[] = [];
  if (LONE_SURROGATE.test(text)) tags.push('string:lone-surrogate');
  if (text.length >= HUGE_STRING) tags.push('string:huge');
  return tags;
}

/** Odd Unicode and text that means something to SQL, FTS, paths, HTML or JavaScript. */
export const ODD_TEXT = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\u202Eevil\u202C',
  '\u200F\u05E9\u05DC\u05D5\u05DD',
  '\uFEFF',
  '😀',
  '👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301',
  '\u2028\u2029',
  '\n\r\t',
  '%',
  '_',
  '\\',
  '"',
  "' OR 1=1 --",
  '"; DROP TABLE agents; --',
  'NEAR(a b)',
  'a* OR b*',
  '"unterminated',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  '$' + '{x}',
  '%s%n',
  'ｑｕａｎｔ',
  'İ',
];

const WRONG_KINDS: unknown[] = [0, -1, 1.5, true, false, 'text', '', [], [1, 'a'], {}, { a: 1 }, [[[]]], 1e308];
export const wrongKind = (): fc.Arbitrary<unknown> => fc.constantFrom(...WRONG_KINDS).map((value) => new Marked(value, ['wrong-kind']));

/** Secrets carry a unique core (`Sec` + 8 hex digits) that no error message may contain, with odd text around it. */
export function secretString(): fc.Arbitrary<Marked> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom('', '-correct-horse', ...ODD_TEXT),
      fc.constantFrom(0, 0, 0, 400, 20_000),
    )
    .map(([n, suffix, padding]) => {
      const core = `Sec${n.toString(16).padStart(8, '0')}`;
      return new Marked(`${core}${suffix}${'p'.repeat(padding)}`, [], core);
    });
}

export function hostileString(valid: fc.Arbitrary<string>, bias = 1): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6 * bias, arbitrary: valid },
    { weight: 2, arbitrary: fc.tuple(valid, fc.constantFrom(...ODD_TEXT)).map(([text, odd]) => `${text}${odd}`) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_TEXT) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, 63, 64, 255, 256, 1000, 10_000).map((n) => 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom('a', '😀', '\u0000').map((unit) => unit.repeat(HUGE_STRING)) },
    { weight: 1, arbitrary: wrongKind() },
  );
}

export function hostileInt(valid: fc.Arbitrary<number>, bias = 1): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5 * bias, arbitrary: valid },
    { weight: 3, arbitrary: fc.constantFrom(0, -1, 1, 99, 100, 101, 1000, 1001, 2_147_483_647, -2_147_483_648) },
    { weight: 2, arbitrary: fc.constantFrom(2_147_483_648, -2_147_483_649, 2 ** 53 + 2, 1e20, 1e308, -1e308, 1.5, -0.0001) },
    { weight: 1, arbitrary: wrongKind() },
  );
}

export function hostileFloat(valid: fc.Arbitrary<number>, bias = 1): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5 * bias, arbitrary: valid },
    { weight: 3, arbitrary: fc.constantFrom(0, -0, -1, 0.5, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 2, 1e20, 1e308, -1e308, 5e-324) },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: wrongKind() },
  );
}

export function hostileBoolean(bias = 1): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5 * bias, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom('true', 1, 0, 'false') });
}

export const VALID_DATES = ['2026-01-15T10:00:00.000Z', '2020-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z', '2026-03-02T08:00:00Z'];

export function hostileDateTime(bias = 1): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5 * bias, arbitrary: fc.constantFrom(...VALID_DATES) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '1970-01-01T00:00:00.000Z',
        '0000-01-01T00:00:00.000Z',
        '9999-12-31T23:59:59.999Z',
        '2024-02-29T00:00:00.000Z',
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('2026-02-30T00:00:00.000Z', '2025-02-29T12:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-06-31T23:59:59Z')
        .map((date) => new Marked(date, ['date:impossible'])),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '2026-13-01T00:00:00.000Z',
        '2026-01-01T25:00:00.000Z',
        '2026-01-01T23:60:00.000Z',
        '2026-01-01',
        '2026-01-01T00:00:00+02:00',
        '+275760-09-13T00:00:00.000Z',
        'yesterday',
        '',
        '2026-01-01T00:00:00.000Z\u0000',
      ),
    },
    { weight: 1, arbitrary: wrongKind() },
  );
}

/** Nested JSON around a leaf (itself materialized first, so that a secret leaf is still counted). */
function nested(depth: number, leaf: unknown, asArray: boolean, tags: Tag[] = []): Marked {
  const inner = materialize(leaf);
  return new Marked(RawJson.nested(depth, inner.value, asArray), [...tags, ...inner.tags], inner.secrets[0] ?? null);
}

/** JSON values; under a secret-bearing field every string leaf is a secret. */
export function hostileJson(secretLeaves: boolean, bias = 1): fc.Arbitrary<unknown> {
  const leaf: fc.Arbitrary<unknown> = secretLeaves ? secretString() : fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...ODD_TEXT));
  const object = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...ODD_TEXT)), leaf, { maxKeys: 4 });
  return fc.oneof(
    { weight: 4 * bias, arbitrary: object },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(50, 200, 900).chain((depth) => fc.tuple(leaf, fc.boolean()).map(([l, a]) => nested(depth, l, a))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(1_000, 5_000, 20_000), leaf, fc.boolean())
        .map(([depth, l, a]) => nested(depth, l, a, ['json:deep'])),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('array', 'string', 'keys'), leaf)
        .map(
          ([shape, l]) =>
            new Marked(
              shape === 'array'
                ? Array.from({ length: 20_000 }, (_, i) => (i === 0 ? l : i))
                : shape === 'string'
                  ? { blob: 'j'.repeat(300_000), l }
                  : Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i === 0 ? l : i])),
              ['json:huge'],
            ),
        ),
    },
    {
      weight: 1,
      arbitrary: leaf.map((l) =>
        Object.assign(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'), { l }),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(null, 0, 'text', true, [], 1e308) },
  );
}

/** Global ids: mostly of rows that exist (of the right type when known), else tampered. */
export function hostileId(valid: string[], all: string[], bias = 1): fc.Arbitrary<unknown> {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const real = valid.length > 0 ? fc.constantFrom(...valid) : fc.constantFrom(...all);
  return fc.oneof(
    { weight: 6 * bias, arbitrary: real },
    { weight: 1, arbitrary: fc.constantFrom(...all).map((id) => new Marked(id, ['id:wrong-type'])) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          'NoSuchType',
          '__proto__',
          'constructor',
          'Query',
          'Mutation',
          'node',
          'agent',
          'AGENT',
          'Agent ',
          '\uD800',
          '😀',
          'x'.repeat(500),
        )
        .chain((typename) =>
          fc.constantFrom('1', 'agt-001', 'quant', '', '\u0000').map((id) => new Marked(encodeGlobalID(typename, id), ['id:unknown-type'])),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '',
          ' ',
          'not base64 !!',
          '====',
          b64('Agent'),
          b64(':'),
          b64('Agent:'),
          b64(':agt-001'),
          b64('Agent:agt-001:extra'),
          b64('\u0000:\u0000'),
          Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64'),
          'agt-001',
          'QWdlbnQ6YWd0LTAwMQ',
          b64(`Agent:${'9'.repeat(5000)}`),
          b64('Agent:\uD800'),
          b64('Agent:1 OR 1=1'),
        )
        .map((id) => new Marked(id, ['id:malformed'])),
    },
    { weight: 1, arbitrary: fc.constantFrom(1, 0, -1, 2 ** 53) },
    { weight: 1, arbitrary: wrongKind() },
  );
}

/** Cursors: this list's own, another list's, and cursors whose body was changed or is not a cursor at all. */
export function hostileCursor(own: string[], others: string[], bias = 1): fc.Arbitrary<unknown> {
  const base = [...own, ...others];
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
  const decoded = base.flatMap((cursor) => {
    try {
      const body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      return body && typeof body === 'object' && !Array.isArray(body) ? [body as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
  const replacements: unknown[] = [{}, [], true, false, null, { a: { b: 1 } }, [1, 2], 'x'.repeat(2000), 1e308, -1, '\uD800', 'NaN'];
  const arms: fc.WeightedArbitrary<unknown>[] = [
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          'null',
          'true',
          'false',
          '[]',
          '[1,2]',
          '"text"',
          '1',
          '{}',
          '{"v":1}',
          '{"i":1}',
          '{"k":1,"v":2,"i":3}',
          '{"__proto__":{"v":1,"i":1}}',
          'not json',
        )
        .map((body) => new Marked(b64(body), ['cursor:tampered'])),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', '!!!', 'YWJj', Buffer.from([0xff, 0x00, 0xfe]).toString('base64url'), 'x'.repeat(5000), '\uD800')
        .map((text) => new Marked(text, ['cursor:tampered'])),
    },
  ];
  if (own.length > 0) arms.push({ weight: 3 * bias, arbitrary: fc.constantFrom(...own) });
  if (others.length > 0)
    arms.push({ weight: 2, arbitrary: fc.constantFrom(...others).map((cursor) => new Marked(cursor, ['cursor:foreign'])) });
  if (decoded.length > 0) {
    arms.push({
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...decoded), fc.constantFrom('k', 'v', 'i', 'extra'), fc.constantFrom(...replacements))
        .map(([body, key, replacement]) => new Marked(b64(JSON.stringify({ ...body, [key]: replacement })), ['cursor:tampered'])),
    });
  }
  arms.push({ weight: 1, arbitrary: wrongKind() });
  return fc.oneof(...arms);
}
