// The schema's scalars, from graphql-scalars where it has one, each kept strict on input and
// refusing without repeating the value: DateTime, NonNegativeInt, EmailAddress, JSONObject, and
// UsdAmount (our own: exact money). Bounds on JSON and strings are in schema/inputRules.ts.
import { Kind, type ValueNode } from 'graphql';
import { GraphQLDateTime, GraphQLEmailAddress, GraphQLJSONObject, GraphQLNonNegativeInt } from 'graphql-scalars';
import { builder } from './builder';
import { BadUserInputError } from './errors';
import { MAX_EMAIL_LENGTH } from './inputRules';
import { formatNanoUsd, parseUsd, USD_AMOUNT_RULE } from './money';

const STORED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * RFC 3339 (graphql-scalars' check: a real calendar date, so 2026-02-30 is refused rather than rolled
 * into March) to the stored form, UTC with milliseconds: an offset is applied, further digits dropped.
 */
export function parseDateTime(value: unknown): string {
  try {
    return (GraphQLDateTime.parseValue(value) as Date).toISOString();
  } catch {
    throw new BadUserInputError('DateTime must be a real RFC 3339 date-time such as 2026-01-31T12:00:00.000Z (or with an offset, +01:00).');
  }
}

builder.addScalarType('DateTime', GraphQLDateTime, {
  description:
    'An instant as RFC 3339. Given with Z or an offset; always answered in UTC with milliseconds, e.g. 2026-01-31T12:00:00.000Z.',
  // Stored values are already in the answered form; anything else goes through graphql-scalars.
  serialize: (value) =>
    typeof value === 'string' && STORED_DATE_TIME.test(value) ? value : (GraphQLDateTime.serialize(value) as Date).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined),
});

function parseCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BadUserInputError('NonNegativeInt must be a whole number from 0 to 9007199254740991 (2^53 - 1).');
  }
  return value === 0 ? 0 : value; // not -0
}

// graphql-scalars' NonNegativeInt reads "12abc" as 12 and 1.5 as 1 on input: stricter here. Its output check stays.
builder.addScalarType('NonNegativeInt', GraphQLNonNegativeInt, {
  description: 'A whole number from 0 to 2^53 - 1 (exact in JSON and JavaScript; beyond the 32 bits of Int).',
  parseValue: parseCount,
  parseLiteral: (node) => parseCount(node.kind === Kind.INT ? Number(node.value) : undefined),
});

function parseEmail(value: unknown): string {
  try {
    if (typeof value === 'string' && value.length <= MAX_EMAIL_LENGTH) return GraphQLEmailAddress.parseValue(value) as string;
  } catch {}
  throw new BadUserInputError(`EmailAddress must be an email address such as ada@example.com, at most ${MAX_EMAIL_LENGTH} characters.`);
}

builder.addScalarType('EmailAddress', GraphQLEmailAddress, {
  parseValue: parseEmail,
  parseLiteral: (node) => parseEmail(node.kind === Kind.STRING ? node.value : undefined),
});

function parseJsonObject(value: unknown, node?: ValueNode): Record<string, unknown> {
  try {
    return (node ? GraphQLJSONObject.parseLiteral(node) : GraphQLJSONObject.parseValue(value)) as Record<string, unknown>;
  } catch {
    throw new BadUserInputError('JSONObject must be a JSON object ({ … }).');
  }
}

builder.addScalarType('JSONObject', GraphQLJSONObject, {
  description: 'A JSON object. As input: at most 20 levels of nesting and 64 KiB of JSON, and no malformed Unicode (see the README).',
  parseValue: (value) => parseJsonObject(value),
  parseLiteral: (node) => parseJsonObject(undefined, node),
});

builder.scalarType('UsdAmount', {
  description: `An exact amount of US dollars as a decimal string with up to 9 decimals (nano-dollars), e.g. "0.001234500". As input: ${USD_AMOUNT_RULE}.`,
  serialize: (value) => formatNanoUsd(value as bigint | number | string),
  parseValue: parseUsd,
  parseLiteral: (node) => parseUsd(node.kind === Kind.STRING ? node.value : undefined),
});
