// Pages read the columns their query selects: a list's projection names every
// column of its table, a page of usage records selects only the columns of
// the fields asked for (and what the access check needs), and the answer is
// the same as with every column.
import { type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENTS } from '../src/modules/agents/repo';
import { SESSIONS } from '../src/modules/sessions/repo';
import { USAGE } from '../src/modules/usage/repo';
import type { ListSpec } from '../src/schema/lists';
import { selectedNodeFields } from '../src/schema/projection';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const TABLES: [string, ListSpec][] = [
  ['agents', AGENTS],
  ['sessions', SESSIONS],
  ['llm_usage', USAGE],
];

describe('a list projection', () => {
  for (const [table, spec] of TABLES) {
    it(`names every column of ${table}, each once`, async () => {
      const db = server.services.db;
      // Stored columns, generated ones included; on PostgreSQL but the tsvector search index of agents, which SQLite
      // keeps in a table of its own (agents_fts).
      const columns = (
        await db.all<{ name: string }>(
          db.engine === 'postgres'
            ? `SELECT column_name AS name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = :table AND data_type <> 'tsvector'`
            : `SELECT name FROM pragma_table_xinfo(:table) WHERE hidden <> 1`,
          { table },
        )
      ).map((row) => row.name);
      const named = [...(spec.projection?.keep ?? []), ...Object.keys(spec.projection?.optional ?? {})];
      expect(new Set(named).size).toBe(named.length);
      expect([...named].sort()).toEqual([...columns].sort());
    });
  }
});

/** The connection field of a parsed document, with its fragments, as a resolver's info would carry them. */
function infoOf(document: string) {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const fragments = Object.fromEntries(
    parsed.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
  );
  const field = operation?.selectionSet.selections[0] as FieldNode;
  return { fieldNodes: [field], fragments };
}

describe('the node fields a connection selects', () => {
  it('are found through edges, inline fragments and fragment spreads', () => {
    const info =
      infoOf(`{ usage(first: 5) { totalCount pageInfo { hasNextPage } edges { cursor node { id ... on LlmUsageRecord { model } ...Money } } } }
      fragment Money on LlmUsageRecord { costUsd agent { name } }`);
    expect(selectedNodeFields(info)).toEqual(new Set(['id', 'model', 'costUsd', 'agent']));
  });

  it('are unknown when a fragment is missing, and the page then reads every column', () => {
    expect(selectedNodeFields(infoOf('{ usage(first: 5) { edges { node { ...Gone } } } }'))).toBeNull();
  });
});

describe('a page of usage records', () => {
  const QUERY = (fields: string) => `{ organization(slug: "quant") { usage(first: 20) { edges { node { ${fields} } } } } }`;

  function statementsOf(query: string): Promise<{ sql: string[]; data: unknown }> {
    const seen: string[] = [];
    server.services.db.observer = (sql) => seen.push(sql);
    return server.gql(query).then((response) => {
      server.services.db.observer = null;
      expect(response.errors).toBeUndefined();
      return { sql: seen.filter((text) => text.includes('FROM llm_usage lu')), data: response.data };
    });
  }

  it('selects the columns of the fields asked for, and those the access check reads', async () => {
    const { sql } = await statementsOf(QUERY('id model createdAt'));
    expect(sql.length).toBeGreaterThan(0);
    for (const text of sql) {
      expect(text).not.toContain('lu.*');
      for (const column of ['lu.id', 'lu.model', 'lu.created_at', 'lu.organization_id', 'lu.user_id', 'lu.api_key_id'])
        expect(text).toContain(column);
      for (const column of ['lu.cost_nano_usd', 'lu.prompt_tokens', 'lu.latency_ms']) expect(text).not.toContain(column);
    }
  });

  it('answers as it does with every column', async () => {
    const fields =
      'id model provider promptTokens completionTokens totalTokens costUsd latencyMs createdAt agent { id } session { id } user { id } organization { id }';
    const all = await statementsOf(QUERY(fields));
    const some = await statementsOf(QUERY('id costUsd createdAt'));
    type Nodes = { organization: { usage: { edges: { node: Record<string, unknown> }[] } } };
    const picked = (all.data as Nodes).organization.usage.edges.map(({ node }) => ({
      id: node.id,
      costUsd: node.costUsd,
      createdAt: node.createdAt,
    }));
    expect((some.data as Nodes).organization.usage.edges.map(({ node }) => node)).toEqual(picked);
    expect(picked.length).toBeGreaterThan(0);
  });
});
