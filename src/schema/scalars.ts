// Custom scalars: DateTime (UTC ISO-8601 with milliseconds and Z) and JSON.
import { Kind, type ValueNode } from 'graphql';
import { builder } from './builder';
import { BadUserInputError } from './errors';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Accepts UTC ISO-8601 and returns the stored form (always with milliseconds). */
export function parseDateTime(value: unknown): string {
  // Parsed once: a usage batch brings a thousand of these.
  const ms = typeof value === 'string' && ISO_UTC.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new BadUserInputError('DateTime must be a UTC ISO-8601 string such as 2026-01-31T12:00:00.000Z.');
  }
  return new Date(ms).toISOString();
}

builder.scalarType('DateTime', {
  description: 'A UTC instant as ISO-8601 with milliseconds, e.g. 2026-01-31T12:00:00.000Z.',
  serialize: (value) => value,
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined),
});

function literalToJson(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalToJson(field.value)]));
    default:
      throw new BadUserInputError('JSON literals cannot contain variables.');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalToJson,
});
