// Queries for the deep isolation test, generated from the introspected
// schema: every field reachable from Query within the budget of the server's
// limits, with orderings, filters, groupings and paired probes as variants.
import { encodeGlobalID } from '@pothos/plugin-relay';

/** Words and ids that exist nowhere, for the "nothing" side of each probe pair. */
export const NO_MATCH = 'zznomatchword';
export const MISSING_ROW = 'zz-no-such-row';
export const MISSING_SLUG = 'zz-no-such-org';

// ---------------------------------------------------------------------------
// The schema, as introspection gives it.

export type TypeRef = { kind: string; name: string | null; ofType: TypeRef | null };
export type InputValue = { name: string; type: TypeRef; defaultValue: string | null };
export type Field = { name: string; args: InputValue[]; type: TypeRef };
export type SchemaType = {
  kind: string;
  name: string;
  fields: Field[] | null;
  inputFields: InputValue[] | null;
  possibleTypes: { name: string }[] | null;
  enumValues: { name: string }[] | null;
};

export const INTROSPECTION = `{ __schema { queryType { name } types { kind name
  fields { name args { name defaultValue type { ...Ref } } type { ...Ref } }
  inputFields { name defaultValue type { ...Ref } }
  possibleTypes { name } enumValues { name } } } }
  fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;

export const named = (ref: TypeRef): string => (ref.ofType ? named(ref.ofType) : (ref.name as string));
export const isList = (ref: TypeRef): boolean => ref.kind === 'LIST' || (ref.ofType !== null && isList(ref.ofType));
export const isRequired = (arg: InputValue) => arg.type.kind === 'NON_NULL' && arg.defaultValue === null;

export class Schema {
  readonly types = new Map<string, SchemaType>();
  constructor(
    types: SchemaType[],
    readonly queryType: string,
  ) {
    for (const type of types) this.types.set(type.name, type);
  }

  type(name: string): SchemaType {
    const type = this.types.get(name);
    if (!type) throw new Error(`no type ${name} in the schema`);
    return type;
  }

  isLeaf(name: string): boolean {
    const kind = this.type(name).kind;
    return kind === 'SCALAR' || kind === 'ENUM';
  }

  field(typeName: string, fieldName: string): Field | undefined {
    return this.type(typeName).fields?.find((field) => field.name === fieldName);
  }

  /** The node type of a Relay connection type; null for any other type. */
  connectionNode(name: string): string | null {
    const edges = this.field(name, 'edges');
    if (!edges || this.type(name).kind !== 'OBJECT') return null;
    const node = this.field(named(edges.type), 'node');
    return node ? named(node.type) : null;
  }

  nodeTypes(): string[] {
    return (this.types.get('Node')?.possibleTypes ?? []).map((type) => type.name).sort();
  }

  /** Every object type a query can return: from Query through fields, interfaces and unions. */
  objectTypesReachableFromQuery(): string[] {
    const seen = new Set<string>();
    const queue = [this.queryType];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const type = this.type(name);
      for (const possible of type.possibleTypes ?? []) queue.push(possible.name);
      for (const field of type.fields ?? []) {
        const target = named(field.type);
        if (!this.isLeaf(target)) queue.push(target);
      }
    }
    return [...seen].filter((name) => this.type(name).kind === 'OBJECT' && !name.startsWith('__')).sort();
  }
}

// ---------------------------------------------------------------------------
// Selections, and documents small enough for the server's limits
// (depth 20, 50 aliases, 10,000 tokens: src/plugins/use-query-limits.ts).

export const MAX_LEVEL = 3; // object levels below a root field
export const MAX_DEPTH = 19; // field depth of a document
export const TOKEN_BUDGET = 7_000;
export const ALIAS_BUDGET = 45;
export const VARIANT_LEVEL = 1; // lists down to this level are also asked with each ordering, filter and grouping
// Lists are walked into on short pages (a count that took in another organization's rows still shows in
// totalCount) and, near the root, also read whole without going deeper.
export const NESTED_FIRST = 3;
export const FIRST = 100;
export const WINDOW = { from: '2020-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
// Starts and ends inside a day, so that summaries also read raw records beside the daily rollups.
export const PARTIAL_WINDOW = { from: '2026-01-12T09:30:00.000Z', to: '2099-12-31T12:00:00.000Z' };

/** A field selection (`alias: field(args) { … }`), or a group (no text) of aliases that must share a document. */
export type Sel = { text?: string; children?: Sel[] };

export const TOKEN = /[_A-Za-z][_0-9A-Za-z]*|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|\.\.\.|[!$&():=@[\]{|}]/g;
export const sizes = new WeakMap<Sel, { tokens: number; aliases: number }>();

export function render(sel: Sel): string {
  const inner = sel.children?.map(render).join(' ');
  if (sel.text === undefined) return inner ?? '';
  return inner === undefined ? sel.text : `${sel.text} { ${inner} }`;
}

export function sizeOf(sel: Sel): { tokens: number; aliases: number } {
  let size = sizes.get(sel);
  if (!size) {
    const own = sel.text === undefined ? 0 : (sel.text.match(TOKEN)?.length ?? 0) + (sel.children ? 2 : 0);
    const aliased = sel.text !== undefined && /^\w+:/.test(sel.text) ? 1 : 0;
    size = (sel.children ?? []).reduce(
      (sum, child) => ({ tokens: sum.tokens + sizeOf(child).tokens, aliases: sum.aliases + sizeOf(child).aliases }),
      { tokens: own, aliases: aliased },
    );
    sizes.set(sel, size);
  }
  return size;
}

export const fits = (sel: Sel, budget: number) => sizeOf(sel).tokens <= budget && sizeOf(sel).aliases <= ALIAS_BUDGET;
export const TYPENAME: Sel = { text: '__typename' };
export const isPlainLeaf = (sel: Sel) => sel.children === undefined && sel.text !== undefined && !sel.text.includes(':');

/** Splits a selection into copies that each fit, every part keeping the path to it. */
export function pack(sel: Sel, budget: number): Sel[] {
  if (fits(sel, budget) || !sel.children || sel.text === undefined) return [sel];
  const head = sizeOf({ text: sel.text, children: [] }).tokens;
  const fixed = sel.children.filter(isPlainLeaf);
  const units = sel.children.filter((child) => !isPlainLeaf(child)).flatMap((child) => pack(child, budget - head - 1));
  const copies: Sel[][] = [];
  let current = fixed;
  for (const unit of units) {
    const candidate = [...current, unit];
    if (fits({ text: sel.text, children: candidate }, budget) || current.length === 0) current = candidate;
    else {
      copies.push(current);
      current = [TYPENAME, unit];
    }
  }
  copies.push(current);
  return copies.map((children) => ({ text: sel.text, children }));
}

export const str = (value: string) => JSON.stringify(value);
export const args = (list: string[]) => (list.length === 0 ? '' : `(${list.join(' ')})`);

// ---------------------------------------------------------------------------
// The walk: from every root field, every field of every object type, with
// arguments made up from their types, down to MAX_LEVEL object levels (a type
// at most twice and a field at most once on any path). Lists near the root
// are also asked with each ordering, each filter value and each grouping. An
// argument that can name the other organization (an id, a slug, a word only
// its rows hold) is asked twice, with the other organization's name and with
// one that exists nowhere (aliases pN_o and pN_m): the answers must be equal.

export type Where = { level: number; depth: number; types: string[]; edges: string[] };

/** Filter fields whose name does not say which type of id they take. */
export const ID_FILTER_TYPES: Record<string, string[]> = { createdById: ['User'], actorId: ['User', 'ApiKey'] };

export type Names = { ownSlug: string; otherSlug: string; ownIds: Map<string, string>; otherIds: Map<string, string>; otherMarker: string };

export class Walk {
  /** Object types whose every field was selected somewhere. */
  readonly reached = new Set<string>();
  /** Fields the walk cannot ask for (an argument it cannot make up). */
  readonly unreachable = new Set<string>();
  private count = 0;

  constructor(
    private readonly schema: Schema,
    private readonly names: Names,
  ) {}

  private alias(prefix: string): string {
    this.count += 1;
    return `${prefix}${this.count}`;
  }

  private missingId(type: string): string {
    return encodeGlobalID(type, MISSING_ROW);
  }

  /** Values for the required arguments of a field, or null when one cannot be made up. */
  private required(edge: string, field: Field): string[] | null {
    const values: string[] = [];
    for (const arg of field.args.filter(isRequired)) {
      const type = named(arg.type);
      if (type === 'DateTime' && (arg.name === 'from' || arg.name === 'to')) values.push(`${arg.name}: ${str(WINDOW[arg.name])}`);
      else if (type === 'String' && /slug$/i.test(arg.name)) values.push(`${arg.name}: ${str(this.names.ownSlug)}`);
      else if (type === 'String' && arg.name === 'permission') values.push(`${arg.name}: ${str('agent:read:org')}`);
      else if (type === 'ID' && arg.name === 'id' && !isList(arg.type) && this.names.ownIds.has(named(field.type))) {
        values.push(`id: ${str(this.names.ownIds.get(named(field.type)) as string)}`);
      } else {
        this.unreachable.add(`${edge}(${arg.name})`);
        return null;
      }
    }
    return values;
  }

  /** The field again with its slug or id argument: the own one, and the other organization's paired with a missing one. */
  private identityVariants(field: Field, required: string[], body: () => Sel[] | undefined): Sel[] {
    const out: Sel[] = [];
    for (const arg of field.args) {
      const type = named(arg.type);
      const base = required.filter((value) => !value.startsWith(`${arg.name}:`));
      const call = (alias: string, value: string): Sel => ({
        text: `${alias}: ${field.name}${args([...base, `${arg.name}: ${value}`])}`,
        children: body(),
      });
      const pair = (other: string, missing: string) => {
        const n = this.alias('p');
        out.push({ children: [call(`${n}_o`, other), call(`${n}_m`, missing)] });
      };
      if (type === 'String' && /slug$/i.test(arg.name) && !isList(arg.type)) {
        if (!isRequired(arg)) out.push(call(this.alias('v'), str(this.names.ownSlug)));
        pair(str(this.names.otherSlug), str(MISSING_SLUG));
      } else if (type === 'ID' && arg.name === 'id' && !isList(arg.type)) {
        const target = named(field.type);
        const other = this.names.otherIds.get(target);
        if (other) pair(str(other), str(this.missingId(target)));
      }
    }
    return out;
  }

  selection(typeName: string, where: Where): Sel[] {
    const type = this.schema.type(typeName);
    if (type.kind === 'OBJECT') return this.object(typeName, where);
    return [TYPENAME, ...this.fragments(type, (possible) => this.object(possible, where))];
  }

  /** A fragment per possible type of an interface or union, each without fields that another selects with another type. */
  private fragments(abstract: SchemaType, select: (possible: string) => Sel[]): Sel[] {
    return (abstract.possibleTypes ?? []).map((possible) => ({
      text: `... on ${possible.name}`,
      children: this.mergeable(abstract, select(possible.name)),
    }));
  }

  private mergeable(abstract: SchemaType, selections: Sel[]): Sel[] {
    const signatures = new Map<string, Set<string>>();
    for (const possible of abstract.possibleTypes ?? []) {
      for (const field of this.schema.type(possible.name).fields ?? []) {
        signatures.set(field.name, (signatures.get(field.name) ?? new Set()).add(JSON.stringify(field.type)));
      }
    }
    return selections.filter((sel) => {
      const name = sel.text?.replace(/\(.*$/, '');
      return name === undefined || name.includes(':') || (signatures.get(name)?.size ?? 1) <= 1;
    });
  }

  /** __typename and every field without a selection of its own. */
  light(typeName: string): Sel[] {
    const type = this.schema.type(typeName);
    if (type.kind !== 'OBJECT') {
      return [TYPENAME, ...this.fragments(type, (possible) => this.light(possible))];
    }
    const leaves = (type.fields ?? []).filter((field) => this.schema.isLeaf(named(field.type)) && !field.args.some(isRequired));
    return [TYPENAME, ...leaves.map((field) => ({ text: field.name }))];
  }

  private object(typeName: string, where: Where): Sel[] {
    this.reached.add(typeName);
    const out: Sel[] = [TYPENAME];
    for (const field of this.schema.type(typeName).fields ?? []) {
      if (field.name.startsWith('__')) continue;
      out.push(...this.field(typeName, field, where));
    }
    return out;
  }

  private field(typeName: string, field: Field, where: Where): Sel[] {
    const required = this.required(`${typeName}.${field.name}`, field);
    if (required === null) return [];
    const target = named(field.type);
    if (this.schema.isLeaf(target))
      return [{ text: `${field.name}${args(required)}` }, ...this.identityVariants(field, required, () => undefined)];
    if (this.schema.connectionNode(target)) return this.connection(typeName, field, required, where);
    return this.objectField(typeName, field, required, where);
  }

  private deeper(where: Where, type: string, edge: string, depth: number): Where | null {
    const enough = where.level >= MAX_LEVEL || where.types.filter((t) => t === type).length >= 2 || where.edges.includes(edge);
    return enough ? null : { level: where.level + 1, depth, types: [...where.types, type], edges: [...where.edges, edge] };
  }

  private objectField(typeName: string, field: Field, required: string[], where: Where): Sel[] {
    const target = named(field.type);
    if (where.depth + 1 > MAX_DEPTH) return [];
    const next = this.deeper(where, target, `${typeName}.${field.name}`, where.depth + 1);
    const main: Sel = { text: `${field.name}${args(required)}`, children: next ? this.selection(target, next) : this.light(target) };
    return [main, ...this.identityVariants(field, required, () => this.light(target))];
  }

  private connection(typeName: string, field: Field, required: string[], where: Where): Sel[] {
    const connectionType = named(field.type);
    const nodeType = this.schema.connectionNode(connectionType) as string;
    if (where.depth + 3 > MAX_DEPTH) return [];
    const takes = new Set(field.args.map((arg) => arg.name));
    const first = takes.has('first') ? [`first: ${NESTED_FIRST}`] : [];
    const next = this.deeper(where, nodeType, `${typeName}.${field.name}`, where.depth + 3);
    const out: Sel[] = [
      { text: `${field.name}${args([...required, ...first])}`, children: this.connectionBody(connectionType, next, where) },
    ];
    if (where.level > VARIANT_LEVEL) return out;
    const page = takes.has('first') ? [`first: ${FIRST}`] : [];
    const light = () => this.connectionBody(connectionType, null, where);
    const variant = (list: string[]) =>
      out.push({ text: `${this.alias('v')}: ${field.name}${args([...required, ...list])}`, children: light() });
    const pair = (other: string, missing: string) => {
      const n = this.alias('p');
      out.push({
        children: [
          { text: `${n}_o: ${field.name}${args([...required, ...page, other])}`, children: light() },
          { text: `${n}_m: ${field.name}${args([...required, ...page, missing])}`, children: light() },
        ],
      });
    };
    if (page.length > 0) variant(page);
    if (takes.has('last')) variant([`last: ${FIRST}`]);
    for (const arg of field.args) {
      const type = this.schema.type(named(arg.type));
      if (arg.name === 'from' && required.some((value) => value.startsWith('from:'))) {
        const rest = required.filter((value) => !/^(from|to):/.test(value));
        out.push({
          text: `${this.alias('v')}: ${field.name}${args([...rest, ...page, `from: ${str(PARTIAL_WINDOW.from)}`, `to: ${str(PARTIAL_WINDOW.to)}`])}`,
          children: light(),
        });
      } else if (type.kind === 'ENUM' && isList(arg.type)) {
        const values = (type.enumValues ?? []).map((value) => value.name);
        for (const value of values) variant([...page, `${arg.name}: [${value}]`]);
        variant([...page, `${arg.name}: [${values.join(' ')}]`]);
      } else if (type.kind === 'INPUT_OBJECT') {
        const inputs = type.inputFields ?? [];
        if (inputs.every((input) => this.schema.type(named(input.type)).kind === 'ENUM')) {
          // An ordering: every combination of its enum fields.
          let combinations: string[][] = [[]];
          for (const input of inputs) {
            const values = this.schema.type(named(input.type)).enumValues ?? [];
            combinations = combinations.flatMap((combination) => values.map((value) => [...combination, `${input.name}: ${value.name}`]));
          }
          for (const combination of combinations) variant([...page, `${arg.name}: {${combination.join(' ')}}`]);
          continue;
        }
        const one = (name: string, value: string) => `${arg.name}: {${name}: ${value}}`;
        for (const input of inputs) {
          const inputType = this.schema.type(named(input.type));
          if (inputType.name === 'ID') {
            const types = ID_FILTER_TYPES[input.name] ?? [input.name.replace(/Id$/, '').replace(/^./, (c) => c.toUpperCase())];
            for (const target of types) {
              const other = this.names.otherIds.get(target);
              if (!other) {
                this.unreachable.add(`${type.name}.${input.name} (of which type?)`);
                continue;
              }
              const own = this.names.ownIds.get(target);
              if (own) variant([...page, one(input.name, str(own))]);
              pair(one(input.name, str(other)), one(input.name, str(this.missingId(target))));
            }
          } else if (inputType.name === 'String') {
            pair(one(input.name, str(this.names.otherMarker)), one(input.name, str(NO_MATCH)));
          } else if (inputType.name === 'DateTime') {
            variant([...page, one(input.name, str(WINDOW.from))]);
          } else if (inputType.kind === 'ENUM') {
            for (const value of inputType.enumValues ?? []) variant([...page, one(input.name, value.name)]);
          }
        }
      }
    }
    return out;
  }

  /** totalCount, pageInfo, edges with their nodes and any other field of a connection; in full when `next` is given. */
  private connectionBody(connectionType: string, next: Where | null, where: Where): Sel[] {
    if (next) this.reached.add(connectionType);
    const out: Sel[] = [TYPENAME];
    for (const field of this.schema.type(connectionType).fields ?? []) {
      const target = named(field.type);
      if (field.args.some(isRequired)) continue;
      if (this.schema.isLeaf(target)) out.push({ text: field.name });
      else if (field.name === 'edges') {
        if (next) this.reached.add(target);
        const children: Sel[] = [TYPENAME];
        for (const edgeField of this.schema.type(target).fields ?? []) {
          const edgeTarget = named(edgeField.type);
          if (this.schema.isLeaf(edgeTarget)) children.push({ text: edgeField.name });
          else children.push({ text: edgeField.name, children: next ? this.selection(edgeTarget, next) : this.light(edgeTarget) });
        }
        out.push({ text: 'edges', children });
      } else {
        const beside = next ? { ...next, depth: where.depth + 2 } : null;
        out.push({ text: field.name, children: beside ? this.selection(target, beside) : this.light(target) });
      }
    }
    return out;
  }

  /** Every root field but node and nodes (asked with ids, below). */
  roots(): Sel[] {
    this.reached.add(this.schema.queryType);
    const where: Where = { level: 0, depth: 1, types: [], edges: [] };
    return (this.schema.type(this.schema.queryType).fields ?? [])
      .filter((field) => field.name !== 'node' && field.name !== 'nodes' && !field.name.startsWith('__'))
      .flatMap((field) => this.field(this.schema.queryType, field, where));
  }

  /** node() with an id of the principal's own organization, for each type: a walk from there. */
  ownNodes(): Sel[] {
    return [...this.names.ownIds].map(([type, id]) => ({
      text: `${this.alias('n')}: node(id: ${str(id)})`,
      children: [
        TYPENAME,
        { text: `... on ${type}`, children: this.selection(type, { level: 1, depth: 2, types: [type], edges: ['Query.node'] }) },
      ],
    }));
  }

  /** node() with every id of the other organization and nodes() with all of them, paired with ids of rows that do not exist. */
  otherNodes(otherIds: Map<string, string[]>): Sel[] {
    const light = (types: string[]): Sel[] =>
      types.length === 1
        ? [TYPENAME, { text: `... on ${types[0]}`, children: this.light(types[0] as string) }]
        : [TYPENAME, { text: 'id' }];
    const out: Sel[] = [];
    const all: [string, string][] = [];
    for (const [type, ids] of otherIds) {
      for (const id of ids) {
        all.push([type, encodeGlobalID(type, id)]);
        const n = this.alias('p');
        out.push({
          children: [
            { text: `${n}_o: node(id: ${str(encodeGlobalID(type, id))})`, children: light([type]) },
            { text: `${n}_m: node(id: ${str(this.missingId(type))})`, children: light([type]) },
          ],
        });
      }
    }
    const types = [...otherIds.keys()];
    for (let start = 0; start < all.length; start += 100) {
      const chunk = all.slice(start, start + 100);
      const n = this.alias('p');
      out.push({
        children: [
          { text: `${n}_o: nodes(ids: [${chunk.map(([, id]) => str(id)).join(' ')}])`, children: light(types) },
          { text: `${n}_m: nodes(ids: [${chunk.map(([type]) => str(this.missingId(type))).join(' ')}])`, children: light(types) },
        ],
      });
    }
    return out;
  }
}

export type Document = { name: string; query: string };

export function documents(roots: Sel[]): Document[] {
  return pack({ text: 'query', children: roots }, TOKEN_BUDGET).map((doc, index) => {
    const texts = (doc.children ?? []).flatMap((child) => (child.text ? [child.text] : (child.children ?? []).map((c) => c.text ?? '')));
    const fields = [
      ...new Set(texts.filter((text) => text !== '__typename').map((text) => text.replace(/^\w+: /, '').replace(/\(.*$/, ''))),
    ];
    return { name: `document ${index + 1} (${fields.join(', ')})`, query: render(doc) };
  });
}
