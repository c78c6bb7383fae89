// The shapes of valid input, shared by every mutation (zod schemas with messages a person can act on).
// Each input field states its rule once, where it is declared: `t.string({ validate: slug })`; the
// validation plugin runs the rules before the resolver and schema/errors.ts turns the first failure
// into BAD_USER_INPUT naming the field. Rules run only on values that are given: a field left out or
// null is not checked (GraphQL checks required ones). What every string and JSON input obeys whatever
// its field (well-formed Unicode, a maximum length, bounded JSON) is in schema/inputRules.ts, which
// reads a string rule's `.max(n)` as the field's maximum length; the scalars check their own kind.
import type { InputObjectRef, SchemaTypes } from '@pothos/core';
import { z } from 'zod';

export const slug = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2 to 63 characters: lower-case letters, digits and dashes, starting with a letter or digit');

export const resourceName = z
  .string()
  .max(100, 'must be at most 100 characters')
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be 1 to 100 characters: lower-case letters, digits, dots, dashes and underscores');

export const displayName = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const description = z.string().max(4000, 'must be at most 4000 characters');

export const semver = z
  .string()
  .max(100, 'must be at most 100 characters')
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.2.3');

export const tag = z
  .string()
  .max(50, 'tags are at most 50 characters')
  .regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'tags are 1 to 50 lower-case letters, digits and dashes');

/** An EmailAddress (the scalar checks its form and length), kept in lower case. */
export const email = z.string().transform((value) => value.toLowerCase());

export const password = z.string().min(12, 'must be at least 12 characters').max(200, 'must be at most 200 characters');

/** Tokens of one call (a NonNegativeInt): up to ten billion, so that a batch's sums stay far inside 2^53. */
export const MAX_TOKENS_PER_CALL = 10_000_000_000;
export const TOKENS_PAST_MAXIMUM = `must be at most ${MAX_TOKENS_PER_CALL} (ten billion)`;

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
