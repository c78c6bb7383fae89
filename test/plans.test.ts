// Every list reads what it returns: the page statements that a sweep over
// every connection, ordering, direction and cursor produces, for principals
// of each access shape, are planned by SQLite without a full scan of a tenant
// table and without a temporary B-tree to put the page in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlParams } from '../src/db/store';
import { addAgent, addSession, addUsage, minutesAfterBase } from './helpers/fixtures';
import { apiKeyFor, loginAs, userWith } from './helpers/principals';
import { sqliteOf, startServer, type TestServer } from './helpers/server';

let server: TestServer;
const principals: Record<string, string> = {};

/** The tables whose rows belong to tenants, by the aliases the access policy reads them under. */
const TENANT_ALIASES = ['o', 'd', 'i', 'a', 'v', 'c', 's', 'l', 'lu', 'k', 'u', 'm'];

async function populate(): Promise<void> {
  const { db } = server.services;
  await db.transaction(async (tx) => {
    for (const org of ['quant', 'cibc']) {
      const domain = org === 'quant' ? 'demo' : 'card-services';
      for (let a = 0; a < 30; a++) {
        const agentId = `${org}-plan-agent-${a}`;
        await addAgent(tx, { id: agentId, organizationId: org, domainId: domain, createdAt: minutesAfterBase(a) });
        for (let s = 0; s < 10; s++) {
          const sessionId = `${agentId}-s${s}`;
          await addSession(tx, { id: sessionId, organizationId: org, agentId, startedAt: minutesAfterBase(a * 10 + s) });
          for (let u = 0; u < 5; u++) {
            await addUsage(tx, { id: `${sessionId}-u${u}`, organizationId: org, agentId, sessionId, costNanoUsd: 1000 + u * 7 + s });
          }
        }
      }
    }
  });
}

beforeAll(async () => {
  server = await startServer({ BCRYPT_COST: '4' });
  await populate();
  const both = await userWith(server, {
    grants: [
      { org: 'quant', role: 'org_admin' },
      { org: 'cibc', role: 'org_admin' },
    ],
  });
  const developer = await userWith(server, { grants: [{ org: 'quant', role: 'org_developer' }] });
  principals['platform owner'] = server.firstApiKey;
  principals['org_admin key of one organization'] = (await apiKeyFor(server, { org: 'quant', role: 'org_admin' })).token;
  principals['org_admin of two organizations'] = await loginAs(server, both.email, both.password);
  principals['org_developer (own rows only)'] = await loginAs(server, developer.email, developer.password);
  principals['org_developer key without a user'] = (await apiKeyFor(server, { org: 'quant', role: 'org_developer' })).token;
});
afterAll(() => server.close());

type Field = { name: string; args: { name: string; type: TypeRef }[]; type: TypeRef };
type TypeRef = { kind: string; name: string | null; ofType: TypeRef | null };
type SchemaType = {
  name: string;
  kind: string;
  fields: Field[] | null;
  inputFields: { name: string; type: TypeRef }[] | null;
  enumValues: { name: string }[] | null;
};

const named = (type: TypeRef): string => type.name ?? (type.ofType ? named(type.ofType) : '');

/** Where each type with nested lists is reached from the root, three of them at a time. */
const PATHS: Record<string, (inner: string) => string> = {
  Query: (inner) => inner,
  Organization: (inner) => `organizations(first: 3) { edges { node { ${inner} } } }`,
  Domain: (inner) => `organization(slug: "quant") { domains(first: 3) { edges { node { ${inner} } } } }`,
  Instance: (inner) => `organization(slug: "quant") { instances(first: 3) { edges { node { ${inner} } } } }`,
  Agent: (inner) => `agents(first: 3) { edges { node { ${inner} } } }`,
  Session: (inner) => `sessions(first: 3) { edges { node { ${inner} } } }`,
  Role: (inner) => `roles(first: 3) { edges { node { ${inner} } } }`,
};
/**
 * Lists over derived tables (a join, GROUP BY or window function), paged by a window over a small set: not
 * index-ordered by design. modelPrices: the platform's price periods (a row per model and price change), each
 * with the start of its model's next period.
 */
const DERIVED = new Set(['Organization.members', 'Organization.usageSummary', 'Agent.usageSummary', 'Query.modelPrices']);

async function listQueries(): Promise<string[]> {
  const response = await server.gql<{ __schema: { types: SchemaType[] } }>(
    `{ __schema { types { name kind enumValues { name } inputFields { name type { ...T } }
       fields { name type { ...T } args { name type { ...T } } } } } }
     fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`,
  );
  const types = new Map((response.data?.__schema.types ?? []).map((type) => [type.name, type]));
  const queries: string[] = [];
  for (const [typeName, path] of Object.entries(PATHS)) {
    for (const field of types.get(typeName)?.fields ?? []) {
      if (!field.args.some((arg) => arg.name === 'first') || DERIVED.has(`${typeName}.${field.name}`)) continue;
      const orderArg = field.args.find((arg) => arg.name === 'orderBy');
      const orderFields = orderArg
        ? (
            types.get(named((types.get(named(orderArg.type))?.inputFields ?? []).find((f) => f.name === 'field')?.type as TypeRef))
              ?.enumValues ?? []
          ).map((v) => v.name)
        : [null];
      for (const orderField of orderFields) {
        for (const direction of ['ASC', 'DESC']) {
          const orderBy = orderField ? `, orderBy: { field: ${orderField}, direction: ${direction} }` : '';
          queries.push(`query QUERY_ARGS { ${path(`${field.name}(first: 2${orderBy}AFTER) { edges { cursor node { id } } }`)} }`);
        }
      }
    }
  }
  return queries;
}

type Captured = { sql: string; params: SqlParams };

/** Runs the queries as a principal (each without, then with a cursor taken from its first page) and keeps every page statement. */
async function capturePageStatements(queries: string[], token: string): Promise<Captured[]> {
  const captured: Captured[] = [];
  const { db } = server.services;
  db.observer = (sql, params) => {
    if (/ AS _sort_value, /.test(sql) && !/row_number\(\) OVER/.test(sql)) captured.push({ sql, params });
  };
  try {
    for (const query of queries) {
      const cursorOf = (data: unknown): string | null => {
        const match = /"cursor":"([^"]+)"/.exec(JSON.stringify(data));
        return match ? (match[1] as string) : null;
      };
      const first = await server.gql(query.replace('QUERY_ARGS', '').replace('AFTER', ''), {}, token);
      expect(first.errors).toBeUndefined();
      const after = cursorOf(first.data);
      if (after) {
        const next = await server.gql(
          query.replace('QUERY_ARGS', '($after: String)').replace('AFTER', ', after: $after'),
          { after },
          token,
        );
        expect(next.errors).toBeUndefined();
      }
    }
  } finally {
    db.observer = null;
  }
  return captured;
}

async function planOf({ sql, params }: Captured): Promise<string[]> {
  return (await server.services.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((row) => row.detail);
}

function faults(plan: string[]): string[] {
  return plan.filter(
    (line) =>
      line.includes('USE TEMP B-TREE FOR ORDER BY') ||
      TENANT_ALIASES.some((alias) => line === `SCAN ${alias}` || (line.startsWith(`SCAN ${alias} `) && !line.includes(' USING '))),
  );
}

/**
 * Statistics as a data set this many times larger would have (a million
 * usage records): ANALYZE the test's rows, then scale every row count and
 * every average run of equal keys, so the planner weighs tables at the size
 * the gateway must serve, not at the test's size (where a scan is cheaper).
 */
async function analyzeAsIfScaled(factor: number): Promise<void> {
  const { db } = server.services;
  await db.transaction((tx) => tx.exec('ANALYZE'));
  // stat4 samples would keep the small sizes; the planner falls back to stat1 without them.
  await db.transaction((tx) => tx.exec('DELETE FROM sqlite_stat4'));
  const rows = await db.all<{ tbl: string; idx: string | null; stat: string }>('SELECT tbl, idx, stat FROM sqlite_stat1');
  await db.transaction(async (tx) => {
    for (const row of rows) {
      const scaled = row.stat
        .split(' ')
        .map((value) => (/^\d+$/.test(value) && value !== '1' ? String(Number(value) * factor) : value))
        .join(' ');
      await tx.run('UPDATE sqlite_stat1 SET stat = :scaled WHERE tbl = :tbl AND idx IS :idx', { scaled, tbl: row.tbl, idx: row.idx });
    }
  });
  await sqliteOf(server).reloadStatistics();
}

describe('the plan of every list page statement', () => {
  for (const analyzed of [false, true]) {
    it(`uses an index in page order for every principal (${analyzed ? 'with the statistics of a million usage records' : 'without statistics'})`, async () => {
      if (analyzed) await analyzeAsIfScaled(1000);
      const queries = await listQueries();
      expect(queries.length).toBeGreaterThan(50);
      const shapes = new Map<string, Captured>();
      for (const token of Object.values(principals)) {
        for (const statement of await capturePageStatements(queries, token)) shapes.set(statement.sql, statement);
      }
      // Root pages, merged arms and per-parent pages of every resource.
      expect(shapes.size).toBeGreaterThan(60);
      const bad: { sql: string; faults: string[] }[] = [];
      for (const statement of shapes.values()) {
        const found = faults(await planOf(statement));
        if (found.length > 0) bad.push({ sql: statement.sql.replace(/\s+/g, ' ').slice(0, 400), faults: found });
      }
      expect(bad).toEqual([]);
    });
  }
});
