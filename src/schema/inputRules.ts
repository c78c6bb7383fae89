// The rules every input value obeys whatever field it comes in, given to each field by a small Pothos
// plugin so that no field can forget them: strings and ids are well-formed UTF-16 (no lone surrogate),
// free of NUL and bounded in length, JSON objects are bounded in nesting depth and size. They run with the field's
// own rule (schema/validation.ts), first, so that a failure is BAD_USER_INPUT naming the field.
import SchemaBuilder, {
  BasePlugin,
  type InputFieldMap,
  type PothosInputFieldConfig,
  type PothosOutputFieldConfig,
  type SchemaTypes,
  unwrapInputFieldType,
} from '@pothos/core';
import type { StandardSchemaV1 } from '@pothos/plugin-validation';

/** Longest String input, in UTF-16 code units, unless the field's own rule states its maximum (`z.string().max(n)`). */
export const MAX_STRING_LENGTH = 1000;
/** Longest ID input (global ids and cursors are far shorter). */
export const MAX_ID_LENGTH = 256;
/** Longest EmailAddress (RFC 5321's path limit); the scalar checks it too. */
export const MAX_EMAIL_LENGTH = 254;
/** Deepest nesting of objects and arrays in a JSON input; the object itself is level 1. */
export const MAX_JSON_DEPTH = 20;
/** Largest JSON input, in bytes of its UTF-8 JSON text. */
export const MAX_JSON_BYTES = 64 * 1024;

/** With the u flag a surrogate pair is one code point, so this matches only a surrogate standing alone. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const MALFORMED = 'must not contain unpaired UTF-16 surrogates (malformed Unicode)';
/** U+0000, which no PostgreSQL text or jsonb value can hold: refused on every engine, so that both answer alike. */
const NUL = '\u0000';
const HAS_NUL = 'must not contain the NUL character (U+0000)';

type Issue = { message: string };
type Result = { value: unknown } | { issues: Issue[] };

function rule(validate: (value: unknown) => string | null): StandardSchemaV1 {
  return {
    '~standard': {
      version: 1,
      vendor: 'foundry',
      validate: (value: unknown): Result => {
        const problem = validate(value);
        return problem === null ? { value } : { issues: [{ message: problem }] };
      },
    },
  } as StandardSchemaV1;
}

/** Why a string is refused, or null. Lists (of lists) of strings are checked item by item. */
export function stringProblem(value: unknown, max: number): string | null {
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = item === null ? null : stringProblem(item, max);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (typeof value !== 'string') return null; // GraphQL has checked the kind already
  if (value.length > max) return `must be at most ${max} characters`;
  if (LONE_SURROGATE.test(value)) return MALFORMED;
  if (value.includes(NUL)) return HAS_NUL;
  return null;
}

/**
 * Why a JSON value is refused, or null: deeper than MAX_JSON_DEPTH, larger than MAX_JSON_BYTES, or a
 * key or string with a lone surrogate. An iterative walk, so that no depth can overflow the stack;
 * it stops as soon as the text seen passes the limit, and only then is the value serialized to be measured.
 */
export function jsonProblem(value: unknown): string | null {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 1 }];
  let seen = 0;
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node === 'string') {
      seen += node.length + 3;
      if (LONE_SURROGATE.test(node)) return MALFORMED;
      if (node.includes(NUL)) return HAS_NUL;
    } else if (node !== null && typeof node === 'object') {
      if (depth > MAX_JSON_DEPTH) return `must not nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels`;
      seen += 2;
      if (Array.isArray(node)) {
        for (const item of node) stack.push({ node: item, depth: depth + 1 });
      } else {
        for (const [key, item] of Object.entries(node)) {
          seen += key.length + 4;
          if (LONE_SURROGATE.test(key)) return MALFORMED;
          if (key.includes(NUL)) return HAS_NUL;
          stack.push({ node: item, depth: depth + 1 });
        }
      }
    } else {
      seen += 8;
    }
    if (seen > MAX_JSON_BYTES) return `must be at most ${MAX_JSON_BYTES} bytes of JSON`;
  }
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_JSON_BYTES) return `must be at most ${MAX_JSON_BYTES} bytes of JSON`;
  return null;
}

const jsonRule = rule(jsonProblem);

/** The maximum a field's own rule states: a zod string's `.max(n)`, or for a list its items'. */
function declaredMaximum(schema: unknown, isList: boolean): number | null {
  const rule = isList ? (schema as { element?: unknown } | undefined)?.element : schema;
  const max = (rule as { maxLength?: unknown } | undefined)?.maxLength;
  return typeof max === 'number' ? max : null;
}

const DEFAULT_MAXIMUM: Record<string, number> = { String: MAX_STRING_LENGTH, ID: MAX_ID_LENGTH, EmailAddress: MAX_EMAIL_LENGTH };

/** The rule for a field's type, and its maximum length where it has one (kept in the field's extensions). */
function ruleFor(typeName: string, declared: unknown, isList: boolean): { schema: StandardSchemaV1; maxLength: number | null } | null {
  const fallback = DEFAULT_MAXIMUM[typeName];
  if (fallback !== undefined) {
    const max = declaredMaximum(declared, isList) ?? fallback;
    return { schema: rule((value) => stringProblem(value, max)), maxLength: max };
  }
  if (typeName === 'JSONObject') return { schema: jsonRule, maxLength: null };
  return null;
}

/** Input field configs that already carry the rules (an argument is seen twice: with its field, then alone). */
const RULED = new WeakSet<object>();

export class InputRulesPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  /**
   * Arguments get their rules here, with their field: Pothos hands a field to the validation plugin (which
   * collects the argument rules) before it builds the field's arguments through onInputFieldConfig.
   */
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    let changed = false;
    const args = Object.fromEntries(
      Object.entries(fieldConfig.args).map(([name, arg]) => {
        const ruled = this.onInputFieldConfig(arg);
        if (ruled !== arg) changed = true;
        return [name, ruled];
      }),
    );
    return changed ? { ...fieldConfig, args } : fieldConfig;
  }

  override onInputFieldConfig(fieldConfig: PothosInputFieldConfig<Types>): PothosInputFieldConfig<Types> {
    if (RULED.has(fieldConfig)) return fieldConfig;
    const typeName = this.buildCache.getTypeConfig(unwrapInputFieldType(fieldConfig.type)).name;
    const found = ruleFor(typeName, fieldConfig.pothosOptions.validate, fieldConfig.type.kind === 'List');
    if (!found) return fieldConfig;
    const extensions = fieldConfig.extensions ?? {};
    const maxLength = typeof extensions.maxLength === 'number' ? extensions.maxLength : found.maxLength;
    if (this.checkedByList(fieldConfig)) {
      // The rule of the list holding these objects applies stringProblem itself (see checkedByList below).
      const listed = { ...fieldConfig, extensions: { ...extensions, ...(maxLength === null ? {} : { maxLength }) } };
      RULED.add(listed);
      return listed;
    }
    const validation = extensions['@pothos/plugin-validation'] ?? {};
    const ruled = {
      ...fieldConfig,
      extensions: {
        ...extensions,
        ...(maxLength === null ? {} : { maxLength }),
        // The validation plugin runs these before the field's own `validate` rule.
        '@pothos/plugin-validation': { ...validation, schemas: [...(validation.schemas ?? []), found.schema] },
      },
    };
    RULED.add(ruled);
    return ruled;
  }

  /** Whether the field belongs to an input object whose lists check every field of every item in one pass. */
  private checkedByList(fieldConfig: PothosInputFieldConfig<Types>): boolean {
    if (fieldConfig.kind !== 'InputObject') return false;
    const parent = this.buildCache.getTypeConfig(fieldConfig.parentType);
    return (parent.pothosOptions as { checkedByList?: boolean }).checkedByList === true;
  }
}

const pluginName = 'inputRules';
SchemaBuilder.registerPlugin(pluginName, InputRulesPlugin);
/** The plugin's name, for the builder's `plugins` list (as Pothos' own plugins export theirs). */
export default pluginName;

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      inputRules: InputRulesPlugin<Types>;
    }
  }
}

declare global {
  export namespace PothosSchemaTypes {
    interface InputObjectTypeOptions<Types extends SchemaTypes = SchemaTypes, Fields extends InputFieldMap = InputFieldMap> {
      /**
       * The fields of this input carry no rules of their own: the list that holds its objects checks every field of
       * every item in one pass (stringProblem on its String and ID fields, at the maxLength they state), where the
       * validation plugin would walk and copy each object (recordLlmUsage's 1,000 records a batch).
       */
      checkedByList?: true;
    }
  }
}

declare module 'graphql' {
  interface GraphQLInputFieldExtensions {
    /** The longest string this input field takes (String, ID). */
    maxLength?: number;
  }
  interface GraphQLArgumentExtensions {
    /** The longest string this argument takes (String, ID). */
    maxLength?: number;
  }
}
