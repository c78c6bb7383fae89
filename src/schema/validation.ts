// The shapes of valid input, shared by every mutation (zod schemas with messages a person can act on).
// Each input field states its rule once, where it is declared: `t.string({ validate: slug })`; the
// validation plugin runs the rules before the resolver and schema/errors.ts turns the first failure
// into BAD_USER_INPUT naming the field. A rule that changes the value's type (a JSON object) is
// chained, `.validate(jsonObject)`, so that the resolver sees the checked type. Rules run only on
// values that are given: a field left out or null is not checked (GraphQL checks required ones).
import type { InputObjectRef, SchemaTypes } from '@pothos/core';
import { z } from 'zod';

export const MAX_JSON_BYTES = 64 * 1024;

export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2 to 63 characters: lower-case letters, digits and dashes, starting with a letter or digit');

export const resourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be 1 to 100 characters: lower-case letters, digits, dots, dashes and underscores');

export const displayName = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const description = z.string().max(4000, 'must be at most 4000 characters');

export const semver = z
  .string()
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.2.3');

export const tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'tags are 1 to 50 lower-case letters, digits and dashes');

/** A JSON object of at most 64 KiB. */
export const jsonObject = z
  .unknown()
  .refine((value) => value !== null && typeof value === 'object' && !Array.isArray(value), 'must be a JSON object')
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_JSON_BYTES, `must be at most ${MAX_JSON_BYTES} bytes of JSON`)
  .transform((value) => value as Record<string, unknown>);

/** jsonObject for an optional field: the rule never sees null, but the resolver's type keeps it. */
export const optionalJsonObject = jsonObject.nullish();

export const email = z.string().trim().toLowerCase().email('must be an email address').max(254, 'must be at most 254 characters');

export const password = z.string().min(12, 'must be at least 12 characters').max(200, 'must be at most 200 characters');

export const tokenCount = z.number().int('must be a whole number').min(0, 'must not be negative').max(100_000_000, 'is too large');

/**
 * An input type whose fields have defaults: GraphQL still lets a client send
 * such a field as an explicit null, which this refuses (`input.status: must
 * not be null`), so that the resolver sees those fields as never null.
 */
export function refuseNull<Types extends SchemaTypes, Shape extends object, Key extends keyof Shape & string>(
  ref: InputObjectRef<Types, Shape>,
  keys: readonly Key[],
): InputObjectRef<Types, Omit<Shape, Key> & { [K in Key]: NonNullable<Shape[K]> }> {
  return ref.validate(
    z.custom<Omit<Shape, Key> & { [K in Key]: NonNullable<Shape[K]> }>().superRefine((value, context) => {
      for (const key of keys) {
        if ((value as Record<string, unknown>)[key] === null)
          context.addIssue({ code: 'custom', path: [key], message: 'must not be null' });
      }
    }),
  );
}
