// Generated requests from the introspected schema: for every field that takes arguments (on Query, on any
// object type reached from it, and on Mutation), documents that reach it by a shortest path of valid
// arguments and give each of its arguments, and each field of its input objects, a generated value
// (hostileValues.ts), as variables or as literals in the document; plus documents that are hostile whole.
import fc from 'fast-check';
import {
  hostileBoolean,
  hostileCursor,
  hostileDateTime,
  hostileFloat,
  hostileId,
  hostileInt,
  hostileJson,
  hostileString,
  materialize,
  RawJson,
  secretString,
  type Tag,
  VALID_DATES,
  wrongKind,
} from './hostileValues';
import { type Field, type InputValue, named, type Schema, type TypeRef } from './isolationQueries';

/** What the generator may use as valid values: rows that exist, cursors that were handed out, names in the catalogue. */
export type Pools = {
  /** Global ids by type name. */
  ids: Map<string, string[]>;
  /** Cursors by list (`Type.field`). */
  cursors: Map<string, string[]>;
  roles: string[];
  permissions: string[];
  slugs: string[];
  emails: string[];
  /** Ids that deleting, removing or revoking would take the run's own principals or organizations away: never given to those. */
  protectedIds: Set<string>;
};

export type Principal = { role: string; token: string | null };

export type GeneratedInput = {
  /** `Type.field` whose arguments were generated, or `document` for a hostile document. */
  target: string;
  principal: Principal;
  mutation: boolean;
  /** The field is a root field, so its arguments are always read when the request runs. */
  root: boolean;
  body: { query: string; variables?: unknown };
  tags: Set<Tag>;
  secrets: string[];
  /** Every string submitted (to tell a message that repeats the input). */
  strings: string[];
  /** The arguments (`Type.field(argument)`) and input fields (`Input.field`) this input gave a value. */
  covers: string[];
};

/** Secret-bearing fields: what is typed here must never come back in an error. */
const SECRET_FIELDS = new Set(['LoginInput.password', 'InviteUserInput.password', 'UpsertIntegrationConfigInput.secrets']);

const ID_TYPES: Record<string, string> = {
  organizationId: 'Organization',
  domainId: 'Domain',
  agentId: 'Agent',
  sessionId: 'Session',
  instanceId: 'Instance',
  userId: 'User',
  createdById: 'User',
  actorId: 'User',
  apiKeyId: 'ApiKey',
};

/** The type of row an ID argument names, from its name or its input type's name (`DeleteDomainInput.id` → Domain). */
function idType(name: string, parent: string, pools: Pools): string | null {
  if (ID_TYPES[name]) return ID_TYPES[name] as string;
  if (name !== 'id') return null;
  const type = parent
    .replace(/Input$/, '')
    .replace(/Id$/, '')
    .replace(/^(Create|Update|Delete|Upsert|End|Terminate|Revoke|Remove|Publish)/, '');
  return pools.ids.has(type) ? type : null;
}

const typeString = (ref: TypeRef): string =>
  ref.kind === 'NON_NULL'
    ? `${typeString(ref.ofType as TypeRef)}!`
    : ref.kind === 'LIST'
      ? `[${typeString(ref.ofType as TypeRef)}]`
      : (ref.name as string);

/** Valid strings by field name: the ones that find rows, plus well-formed new ones. */
function validString(name: string, pools: Pools): fc.Arbitrary<string> {
  const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/);
  switch (name) {
    case 'slug':
    case 'organizationSlug':
      return fc.oneof(fc.constantFrom(...pools.slugs), word);
    case 'role':
      return fc.constantFrom(...pools.roles);
    case 'permission':
    case 'actionPrefix':
      return fc.constantFrom(...pools.permissions);
    case 'email':
      return fc.oneof(
        fc.constantFrom(...pools.emails),
        word.map((w) => `${w}@fuzz.example`),
      );
    case 'monthlyCostLimitUsd':
      return fc.constantFrom('250.00', '0', '0.000000001', '1e3', '-1', '99999999999999999999.999999999', '1.0000000001', 'NaN');
    case 'model':
      return fc.constantFrom('gpt-4o', 'claude-3-5-sonnet', 'unknown-model');
    case 'provider':
      return fc.constantFrom('openai', 'anthropic');
    case 'integration':
      return fc.constantFrom('slack', 'github', 'jira');
    case 'version':
      return fc.constantFrom('1.2.3', '0.0.1', '10.20.30-rc.1');
    case 'resourceType':
      return fc.constantFrom('agent', 'session', 'organization');
    default:
      return word;
  }
}

export class InputGenerator {
  /** `bias` multiplies the weight of valid values: above 1, most requests are well formed but for a field or two. */
  constructor(
    private readonly schema: Schema,
    private readonly pools: Pools,
    private readonly bias = 1,
  ) {}

  private allIds(): string[] {
    return [...this.pools.ids.values()].flat();
  }

  /** A value for an argument or input field (`coordinate` is `Parent.name`). */
  value(ref: TypeRef, name: string, parent: string, depth = 0): fc.Arbitrary<unknown> {
    if (ref.kind === 'NON_NULL') {
      const inner = this.value(ref.ofType as TypeRef, name, parent, depth);
      return fc.oneof({ weight: 30, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
    }
    const nullable = (arbitrary: fc.Arbitrary<unknown>) =>
      fc.oneof({ weight: 12 * this.bias, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });
    if (ref.kind === 'LIST') {
      const item = this.value(ref.ofType as TypeRef, name, parent, depth);
      return nullable(
        fc.oneof(
          { weight: 6 * this.bias, arbitrary: fc.array(item, { maxLength: 4 }) },
          { weight: 1, arbitrary: item },
          {
            weight: 1,
            arbitrary: fc.constantFrom(0, 2, 100, 1000, 1001).chain((length) => fc.array(item, { minLength: length, maxLength: length })),
          },
          { weight: 1, arbitrary: wrongKind() },
        ),
      );
    }
    const typeName = ref.name as string;
    const type = this.schema.type(typeName);
    const coordinate = `${parent}.${name}`;
    if (SECRET_FIELDS.has(coordinate)) return nullable(typeName === 'JSONObject' ? hostileJson(true, this.bias) : secretString());
    if (type.kind === 'ENUM') {
      const values = (type.enumValues ?? []).map((value) => value.name);
      return nullable(
        fc.oneof(
          { weight: 6 * this.bias, arbitrary: fc.constantFrom(...values) },
          { weight: 1, arbitrary: fc.constantFrom(...values).map((value) => value.toLowerCase()) },
          { weight: 1, arbitrary: fc.constantFrom('NO_SUCH_VALUE', '', '__proto__') },
          { weight: 1, arbitrary: wrongKind() },
        ),
      );
    }
    if (type.kind === 'INPUT_OBJECT') return nullable(this.inputObject(typeName, depth));
    switch (typeName) {
      case 'ID': {
        const target = idType(name, parent, this.pools);
        const destructive = /^(Delete|Remove|Revoke|RoleGrant)/.test(parent);
        const usable = (ids: string[]) => (destructive ? ids.filter((id) => !this.pools.protectedIds.has(id)) : ids);
        return nullable(hostileId(usable(target ? (this.pools.ids.get(target) ?? []) : this.allIds()), usable(this.allIds()), this.bias));
      }
      case 'String':
        if (name === 'after' || name === 'before') {
          const own = this.pools.cursors.get(parent) ?? [];
          const others = [...this.pools.cursors].filter(([list]) => list !== parent).flatMap(([, cursors]) => cursors);
          return nullable(hostileCursor(own, others, this.bias));
        }
        return nullable(hostileString(validString(name, this.pools), this.bias));
      case 'Int':
        return nullable(
          hostileInt(
            name === 'first' || name === 'last' ? fc.integer({ min: 0, max: 100 }) : fc.integer({ min: 0, max: 10_000 }),
            this.bias,
          ),
        );
      case 'Float':
        return nullable(hostileFloat(fc.integer({ min: 0, max: 1_000_000_000 }), this.bias));
      case 'Boolean':
        return nullable(hostileBoolean(this.bias));
      case 'DateTime':
        return nullable(hostileDateTime(this.bias));
      case 'JSONObject':
        return nullable(hostileJson(false, this.bias));
      case 'NonNegativeInt':
        return nullable(hostileFloat(fc.integer({ min: 0, max: 1_000_000_000 }), this.bias));
      case 'UsdAmount':
        return nullable(
          hostileString(
            fc.constantFrom('0', '0.5', '12.000000001', '1000', '999999999.999999999', '-1', '1e3', '0250.00', '1.0000000001'),
            this.bias,
          ),
        );
      case 'EmailAddress':
        return nullable(hostileString(validString('email', this.pools), this.bias));
      default:
        throw new Error(`no generator for scalar ${typeName} (${coordinate})`);
    }
  }

  /** Every field of an input object: required ones (almost always there), optional ones half the time, now and then an unknown one. */
  private inputObject(typeName: string, depth: number): fc.Arbitrary<unknown> {
    const fields = this.schema.type(typeName).inputFields ?? [];
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) {
      const value = this.value(field.type, field.name, typeName, depth + 1);
      const required = field.type.kind === 'NON_NULL' && field.defaultValue === null;
      model[field.name] = required
        ? fc.oneof({ weight: 25, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) })
        : fc.option(value, { nil: undefined, freq: 2 });
    }
    return fc.oneof(
      { weight: 20 * this.bias, arbitrary: fc.record(model) },
      { weight: 1, arbitrary: fc.record(model).map((record) => ({ ...record, noSuchField: 'x' })) },
      { weight: 1, arbitrary: wrongKind() },
    );
  }

  /** The input fields (`Input.field`) that a value of type `ref` gives. */
  private inputFieldsIn(value: unknown, ref: TypeRef): string[] {
    const type = this.schema.types.get(named(ref));
    if (type?.kind !== 'INPUT_OBJECT' || value === null || typeof value !== 'object') return [];
    if (Array.isArray(value)) return value.flatMap((item) => this.inputFieldsIn(item, ref));
    const record = value as Record<string, unknown>;
    return (type.inputFields ?? [])
      .filter((field) => record[field.name] !== undefined)
      .flatMap((field) => [`${type.name}.${field.name}`, ...this.inputFieldsIn(record[field.name], field.type)]);
  }

  /** Every argument of every target and every field of every input object they take: what the inputs must cover. */
  coordinates(): Set<string> {
    const out = new Set<string>();
    const inputFields = (ref: TypeRef) => {
      const type = this.schema.type(named(ref));
      if (type.kind !== 'INPUT_OBJECT') return;
      for (const field of type.inputFields ?? []) {
        if (out.has(`${type.name}.${field.name}`)) continue;
        out.add(`${type.name}.${field.name}`);
        inputFields(field.type);
      }
    };
    for (const target of this.targets())
      for (const arg of target.field.args) {
        out.add(`${target.type}.${target.field.name}(${arg.name})`);
        inputFields(arg.type);
      }
    return out;
  }

  /** A valid value for a required argument on the way to a field (null when none is known). */
  private pathValue(arg: InputValue, parent: string): string | null {
    const typeName = named(arg.type);
    if (typeName === 'DateTime') return JSON.stringify(arg.name === 'to' ? VALID_DATES[2] : VALID_DATES[1]);
    if (typeName === 'String') {
      if (arg.name === 'slug' || arg.name === 'organizationSlug') return JSON.stringify(this.pools.slugs[0]);
      if (arg.name === 'permission') return JSON.stringify(this.pools.permissions[0]);
    }
    if (typeName === 'ID') {
      const type = idType(arg.name, parent, this.pools);
      const id = type ? this.pools.ids.get(type)?.[0] : undefined;
      return id ? JSON.stringify(id) : null;
    }
    return null;
  }

  /**
   * The shortest way from Query to every object type: the text that opens it and the text that closes it.
   * Connections are walked through to their nodes; Node types are also reached by node(id) with an existing id.
   */
  paths(): Map<string, { open: string; close: string }> {
    const paths = new Map<string, { open: string; close: string }>([[this.schema.queryType, { open: '', close: '' }]]);
    const queue = [this.schema.queryType];
    while (queue.length > 0) {
      const from = queue.shift() as string;
      const path = paths.get(from) as { open: string; close: string };
      const visit = (to: string, open: string, close: string) => {
        if (paths.has(to) || this.schema.type(to).kind !== 'OBJECT') return;
        paths.set(to, { open: `${path.open} ${open}`, close: `${close} ${path.close}` });
        queue.push(to);
      };
      for (const field of this.schema.type(from).fields ?? []) {
        const target = named(field.type);
        if (this.schema.isLeaf(target) || field.name.startsWith('__')) continue;
        if (field.name === 'node' && from === this.schema.queryType) {
          for (const [type, ids] of this.pools.ids)
            if (ids[0]) visit(type, `node(id: ${JSON.stringify(ids[0])}) { ... on ${type} {`, '} }');
          continue;
        }
        const required = field.args.filter((arg) => arg.type.kind === 'NON_NULL' && arg.defaultValue === null);
        const values = required.map((arg) => this.pathValue(arg, `${from}.${field.name}`));
        if (values.some((value) => value === null)) continue;
        const args = required.map((arg, i) => `${arg.name}: ${values[i]}`);
        if (field.args.some((arg) => arg.name === 'first')) args.push('first: 2');
        const call = `${field.name}${args.length ? `(${args.join(', ')})` : ''}`;
        const node = this.schema.connectionNode(target);
        if (node) visit(node, `${call} { edges { node {`, '} } }');
        else if (this.schema.type(target).kind === 'OBJECT') visit(target, `${call} {`, '}');
        else
          for (const possible of this.schema.type(target).possibleTypes ?? [])
            visit(possible.name, `${call} { ... on ${possible.name} {`, '} }');
      }
    }
    return paths;
  }

  /** Every field that takes arguments, on Mutation and on every object type a query reaches. */
  targets(): { type: string; field: Field; open: string; close: string; mutation: boolean }[] {
    const out: { type: string; field: Field; open: string; close: string; mutation: boolean }[] = [];
    for (const [type, path] of this.paths())
      for (const field of this.schema.type(type).fields ?? [])
        if (field.args.length > 0) out.push({ type, field, ...path, mutation: false });
    for (const field of this.schema.types.get('Mutation')?.fields ?? [])
      if (field.args.length > 0) out.push({ type: 'Mutation', field, open: '', close: '', mutation: true });
    return out;
  }

  /** A light selection of what a field returns: its scalars, one level of objects, a connection's edges. */
  selection(typeName: string, depth = 2): string {
    const type = this.schema.type(typeName);
    if (this.schema.isLeaf(typeName)) return '';
    if (type.kind !== 'OBJECT') return '{ __typename ... on Node { id } }';
    const parts = ['__typename'];
    for (const field of type.fields ?? []) {
      if (field.args.some((arg) => arg.type.kind === 'NON_NULL' && arg.defaultValue === null)) continue;
      const target = named(field.type);
      if (this.schema.isLeaf(target)) parts.push(field.name);
      else if (field.name === 'edges')
        parts.push(
          `edges { cursor node { __typename ${this.schema.field(target, 'node') ? this.leaves(named(this.schema.field(target, 'node')?.type as TypeRef)) : ''} } }`,
        );
      else if (depth > 1) parts.push(`${field.name} ${this.selection(target, depth - 1)}`);
    }
    return `{ ${parts.join(' ')} }`;
  }

  private leaves(typeName: string): string {
    const type = this.schema.type(typeName);
    if (type.kind !== 'OBJECT') return '... on Node { id }';
    return (type.fields ?? [])
      .filter((field) => field.args.length === 0 && this.schema.isLeaf(named(field.type)))
      .map((field) => field.name)
      .join(' ');
  }

  /** A query that lists the first cursors of a target that takes `after`, by its path of valid arguments. */
  cursorQuery(target: { type: string; field: Field; open: string; close: string }): string | null {
    const { field } = target;
    if (!field.args.some((arg) => arg.name === 'after')) return null;
    const required = field.args.filter((arg) => arg.type.kind === 'NON_NULL' && arg.defaultValue === null);
    const values = required.map((arg) => this.pathValue(arg, `${target.type}.${field.name}`));
    if (values.some((value) => value === null)) return null;
    const args = ['first: 3', ...required.map((arg, i) => `${arg.name}: ${values[i]}`)];
    return `{${target.open} result: ${field.name}(${args.join(', ')}) { edges { cursor } }${target.close} }`;
  }

  /** Requests for one target: every argument generated, as variables or (a quarter of the time) as literals. */
  forTarget(
    target: { type: string; field: Field; open: string; close: string; mutation: boolean },
    principals: Principal[],
  ): fc.Arbitrary<GeneratedInput> {
    const { field } = target;
    const args: Record<string, fc.Arbitrary<unknown>> = {};
    for (const arg of field.args) {
      const required = arg.type.kind === 'NON_NULL' && arg.defaultValue === null;
      const value = this.value(arg.type, arg.name, `${target.type}.${field.name}`);
      args[arg.name] = required
        ? fc.oneof({ weight: 30, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) })
        : fc.option(value, { nil: undefined, freq: 2 });
    }
    const selection = this.selection(named(field.type), target.mutation ? 3 : 2);
    return fc
      .record({ principal: fc.constantFrom(...principals), inline: fc.integer({ min: 0, max: 3 }), args: fc.record(args) })
      .map(({ principal, inline, args: tree }) => {
        const { value, tags, secrets, strings } = materialize(tree);
        const values = value as Record<string, unknown>;
        const given = field.args.filter((arg) => values[arg.name] !== undefined);
        const asLiterals = inline === 0;
        const call =
          given.length === 0
            ? field.name
            : `${field.name}(${given.map((arg) => `${arg.name}: ${asLiterals ? literal(values[arg.name]) : `$${arg.name}`}`).join(', ')})`;
        const definitions =
          asLiterals || given.length === 0 ? '' : `(${given.map((arg) => `$${arg.name}: ${typeString(arg.type)}`).join(', ')})`;
        const operation = target.mutation ? 'mutation' : 'query';
        const query = `${operation} Generated${definitions} {${target.open} result: ${call} ${selection}${target.close} }`;
        return {
          target: `${target.type}.${field.name}`,
          principal,
          mutation: target.mutation,
          root: target.type === 'Query' || target.type === 'Mutation',
          body: asLiterals ? { query } : { query, variables: values },
          tags,
          secrets,
          strings,
          covers: given.flatMap((arg) => [`${target.type}.${field.name}(${arg.name})`, ...this.inputFieldsIn(values[arg.name], arg.type)]),
        };
      });
  }

  /** Whole documents that are hostile: nested thousands deep, in selections, list literals or object literals; garbage; wrong-kind variables. */
  documents(principals: Principal[]): fc.Arbitrary<GeneratedInput> {
    const deep = fc
      .tuple(fc.constantFrom('selection', 'list', 'object', 'variables'), fc.constantFrom(100, 1_000, 5_000, 10_000))
      .map(([shape, depth]) => {
        const tags = new Set<Tag>(depth >= 1_000 ? ['document:deep'] : []);
        if (shape === 'selection') return { tags, body: { query: `{ ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }` } };
        if (shape === 'list') return { tags, body: { query: `{ nodes(ids: ${'['.repeat(depth)}"x"${']'.repeat(depth)}) { id } }` } };
        if (shape === 'object')
          return {
            tags,
            body: {
              query: `mutation { createOrganization(input: { slug: "deep", name: "Deep", settings: ${'{ a: '.repeat(depth)}1${' }'.repeat(depth)} }) { organization { id } } }`,
            },
          };
        const nestedValue = RawJson.nested(depth, 1, false);
        return {
          tags: new Set<Tag>(depth >= 1_000 ? ['json:deep'] : []),
          body: {
            query:
              'mutation ($s: JSONObject) { createOrganization(input: { slug: "deep-v", name: "Deep", settings: $s }) { organization { id } } }',
            variables: { s: nestedValue },
          },
        };
      });
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }).map((query) => ({ tags: new Set<Tag>(), body: { query } })),
      fc
        .constantFrom('{ viewer { __typename } }', 'query ($x: String) { viewer { can(permission: $x) } }')
        .chain((query) =>
          fc
            .constantFrom<unknown>('text', [], [1], 1, true, { x: { y: 1 } })
            .map((variables) => ({ tags: new Set<Tag>(), body: { query, variables } })),
        ),
      fc.constantFrom(60, 500).map((n) => ({
        tags: new Set<Tag>(),
        body: { query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { __typename }`).join(' ')} }` },
      })),
      fc
        .constantFrom(
          '{ __schema { types { name } } }',
          'subscription { auditLogEntryAdded(organizationId: "x") { id } }',
          'query A { viewer { __typename } } query B { viewer { __typename } }',
          'fragment F on Query { ...F } { ...F }',
        )
        .map((query) => ({ tags: new Set<Tag>(), body: { query } })),
    );
    return fc.record({ principal: fc.constantFrom(...principals), doc: fc.oneof(deep, garbage) }).map(({ principal, doc }) => ({
      target: 'document',
      principal,
      mutation: doc.body.query.trimStart().startsWith('mutation'),
      root: false,
      body: doc.body,
      tags: doc.tags,
      secrets: [],
      strings: [],
      covers: [],
    }));
  }
}

/** A value written as a GraphQL literal (enum-looking strings as enums, so that enums and wrong kinds both occur). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof RawJson) return value.graphql;
  if (typeof value === 'string') return /^[A-Z][A-Z0-9_]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  return `{ ${Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(key) ? key : JSON.stringify(key)}: ${literal(inner)}`)
    .join(', ')} }`;
}
