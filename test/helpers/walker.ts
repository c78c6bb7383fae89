// Builds queries from the schema itself (by introspection) that reach every
// object type by every path from Query, for tests that must cover the whole
// graph rather than examples of it.
import type { TestServer } from './server';

type TypeRef = { kind: string; name: string | null; ofType: TypeRef | null };
type Arg = { name: string; type: TypeRef };
type Field = { name: string; args: Arg[]; type: TypeRef };
type SchemaType = { kind: string; name: string; fields: Field[] | null; possibleTypes: { name: string }[] | null };

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';

export type Schema = Map<string, SchemaType>;

export async function introspect(server: TestServer): Promise<Schema> {
  const response = await server.gql<{ __schema: { types: SchemaType[] } }>(
    `{ __schema { types { kind name possibleTypes { name } fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } } } }`,
  );
  return new Map((response.data?.__schema.types ?? []).map((type) => [type.name, type]));
}

function unwrap(type: TypeRef): { name: string; kind: string; required: boolean; list: boolean } {
  let current = type;
  let required = false;
  let list = false;
  if (current.kind === 'NON_NULL' && current.ofType) {
    required = true;
    current = current.ofType;
  }
  while (current.ofType) {
    if (current.kind === 'LIST') list = true;
    current = current.ofType;
  }
  return { name: current.name as string, kind: current.kind, required, list };
}

/** Values for arguments, by name and type: enough to run every field. */
export type ArgValues = { slug: string; dateFrom: string; dateTo: string; pageSize: number };

function argument(arg: Arg, values: ArgValues, schema: Schema): string | null {
  const type = unwrap(arg.type);
  if (['first', 'last'].includes(arg.name)) return arg.name === 'first' ? `first: ${values.pageSize}` : null;
  if (arg.name === 'from' && type.name === 'DateTime') return `from: "${values.dateFrom}"`;
  if (arg.name === 'to' && type.name === 'DateTime') return `to: "${values.dateTo}"`;
  if (arg.name === 'groupBy') {
    const enumValues = ['DAY', 'MODEL', 'PROVIDER', 'AGENT', 'USER'].filter(() => schema.has(type.name));
    return `groupBy: [${enumValues.join(', ')}]`;
  }
  if (arg.name === 'slug' || arg.name === 'organizationSlug') return `${arg.name}: "${values.slug}"`;
  if (arg.name === 'permission') return 'permission: "agent:read:org"';
  if (type.required) throw new Error(`no value for required argument ${arg.name}: ${type.name}`);
  return null;
}

const SKIPPED_ROOT_FIELDS = new Set(['node', 'nodes']);

/** A field with its scalar subfields and its object subfields. */
type Selection = { call: string; scalars: string[]; children: Selection[] };

function render(selection: Selection): string {
  const inner = ['__typename', ...selection.scalars, ...selection.children.map(render)].join(' ');
  return `${selection.call} { ${inner} }`;
}

/** Lexical tokens as the server counts them (names, punctuation, strings, numbers). */
function tokens(text: string): number {
  return text.match(/[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|[{}():,[\]!$]|\d+/g)?.length ?? 0;
}

/** Splits a selection into several that each stay under the token limit, together covering every path. */
function split(selection: Selection, limit: number): Selection[] {
  if (tokens(render(selection)) <= limit || selection.children.length === 0) return [selection];
  return selection.children.flatMap((child) => split(child, limit).map((part) => ({ ...selection, children: [part] })));
}

/**
 * Queries from every root field of Query that together select every field
 * reachable from it. Object types may repeat along a path at most `repeat`
 * times; connections count as one step (edges and node are free). Queries
 * are split so that each stays under `maxTokens`.
 */
export function battery(
  schema: Schema,
  values: ArgValues,
  options = { maxSteps: 3, repeat: 2, maxTokens: 8000 },
): { queries: string[]; reachable: Set<string> } {
  const reachable = new Set<string>();

  function argumentsOf(field: Field): string | null {
    try {
      const args = field.args.map((arg) => argument(arg, values, schema)).filter((value): value is string => value !== null);
      return args.length ? `${field.name}(${args.join(', ')})` : field.name;
    } catch {
      return null;
    }
  }

  function select(call: string, typeName: string, steps: number, path: string[]): Selection | null {
    const type = schema.get(typeName);
    if (!type?.fields) return null;
    reachable.add(typeName);
    const selection: Selection = { call, scalars: [], children: [] };
    for (const field of type.fields) {
      const target = unwrap(field.type);
      const fieldCall = argumentsOf(field);
      if (fieldCall === null) continue;
      if (target.kind === 'SCALAR' || target.kind === 'ENUM') {
        selection.scalars.push(fieldCall);
        continue;
      }
      const isConnectionPart = typeName.endsWith('Connection') || typeName.endsWith('Edge');
      const nextSteps = isConnectionPart ? steps : steps + 1;
      const repeats = path.filter((name) => name === target.name).length;
      if (nextSteps > options.maxSteps || repeats >= options.repeat) continue;
      const child = select(fieldCall, target.name, nextSteps, [...path, target.name]);
      if (child) selection.children.push(child);
    }
    return selection;
  }

  const queries: string[] = [];
  for (const field of schema.get('Query')?.fields ?? []) {
    if (SKIPPED_ROOT_FIELDS.has(field.name)) continue;
    const call = argumentsOf(field);
    const root = call === null ? null : select(call, unwrap(field.type).name, 0, [unwrap(field.type).name]);
    if (root) for (const part of split(root, options.maxTokens)) queries.push(`{ ${render(part)} }`);
  }
  return { queries, reachable };
}

/** Every object type that a read can return (not roots, connections, edges, page info, payloads or introspection). */
export function readableObjectTypes(schema: Schema): string[] {
  return [...schema.values()]
    .filter((type) => type.kind === 'OBJECT')
    .map((type) => type.name)
    .filter(
      (name) =>
        !name.startsWith('__') &&
        !['Query', 'Mutation', 'Subscription', 'PageInfo'].includes(name) &&
        !name.endsWith('Connection') &&
        !name.endsWith('Edge') &&
        !name.endsWith('Payload'),
    )
    .sort();
}

/** Every value of key `id` and `__typename` in a response, walked recursively. */
export function collect(value: unknown, into: { ids: Set<string>; typenames: Set<string> } = { ids: new Set(), typenames: new Set() }) {
  if (Array.isArray(value)) for (const item of value) collect(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'id' && typeof inner === 'string') into.ids.add(inner);
      else if (key === '__typename' && typeof inner === 'string') into.typenames.add(inner);
      else collect(inner, into);
    }
  }
  return into;
}
