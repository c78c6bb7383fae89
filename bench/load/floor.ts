// The floor of the load benchmark: a hand-written node:http server that answers Q1–Q4 with the best SQL we
// can write and JSON.stringify, byte-identical to the gateway. It measures how fast this machine answers at all.
// Run as its own process: FLOOR_DATABASE_PATH, FLOOR_PORT, FLOOR_TOKENS ({"<bearer token>": "<organization id>"}).
//
// With FLOOR_SERVER=yoga the same answers are served through graphql-yoga with graphql-jit (as the gateway
// executes) and nothing else: a schema in SDL whose root fields return the floor's answers, no plugin of the
// gateway's, no access policy, no Pothos. It measures what the stack itself costs per request on this machine.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createSchema, createYoga } from 'graphql-yoga';
import { Sqlite } from '../../src/db/driver';
import { formatNanoUsd } from '../../src/schema/money';

const path = process.env.FLOOR_DATABASE_PATH;
if (!path) throw new Error('FLOOR_DATABASE_PATH is required');
const tokens = new Map(Object.entries(JSON.parse(process.env.FLOOR_TOKENS ?? '{}') as Record<string, string>));

const db = new Sqlite(path, { readonly: true });
db.pragma('busy_timeout = 5000');

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

type AgentRow = { id: string; name: string; display_name: string; status: string };

const q1Agents = db.prepare<[string]>(
  `SELECT a.id, a.name, a.display_name, a.status, d.id AS domain_id, d.name AS domain_name, o.id AS org_id, o.slug, o.name AS org_name
     FROM agents a JOIN domains d ON d.id = a.domain_id JOIN organizations o ON o.id = a.organization_id
    WHERE a.organization_id = ? ORDER BY a.created_at, a.id LIMIT 20`,
);
const q2Agents = db.prepare<[string]>('SELECT id, name FROM agents WHERE organization_id = ? ORDER BY created_at, id LIMIT 20');
// One statement per level: each parent's page is a correlated LIMIT over its (parent, sort) index.
const q2Sessions = db.prepare<[string]>(
  `SELECT p.value AS parent, s.id, s.status, s.started_at FROM json_each(?) p
     JOIN sessions s ON s.rowid IN (SELECT rowid FROM sessions WHERE agent_id = p.value ORDER BY started_at DESC, id DESC LIMIT 5)
    ORDER BY p.key, s.started_at DESC, s.id DESC`,
);
const q2Usage = db.prepare<[string]>(
  `SELECT p.value AS parent, u.id, u.model, u.total_tokens, u.cost_nano_usd, u.created_at FROM json_each(?) p
     JOIN llm_usage u ON u.rowid IN (SELECT rowid FROM llm_usage WHERE session_id = p.value ORDER BY created_at DESC, id DESC LIMIT 5)
    ORDER BY p.key, u.created_at DESC, u.id DESC`,
);
const q3Summary = db.prepare<[string]>(
  `SELECT model, sum(requests) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
          sum(total_tokens) AS total_tokens, printf('%d', sum(cost_nano_usd)) AS cost
     FROM llm_usage_model_daily WHERE organization_id = ? AND day >= '2026-09-01' AND day < '2026-10-01'
    GROUP BY model ORDER BY model LIMIT 20`,
);
const q4Agent = db.prepare<[string, string]>('SELECT id, name, display_name, status FROM agents WHERE id = ? AND organization_id = ?');

function q1(org: string): unknown {
  const rows = q1Agents.all(org) as (AgentRow & {
    domain_id: string;
    domain_name: string;
    org_id: string;
    slug: string;
    org_name: string;
  })[];
  return {
    agents: {
      edges: rows.map((a) => ({
        node: {
          id: globalId('Agent', a.id),
          name: a.name,
          displayName: a.display_name,
          status: a.status.toUpperCase(),
          domain: { id: globalId('Domain', a.domain_id), name: a.domain_name },
          organization: { id: globalId('Organization', a.org_id), slug: a.slug, name: a.org_name },
        },
      })),
    },
  };
}

type SessionRow = { parent: string; id: string; status: string; started_at: string };
type UsageRow = { parent: string; id: string; model: string; total_tokens: number; cost_nano_usd: number; created_at: string };

/** Rows grouped by their parent column, in the order they came. */
function byParent<Row extends { parent: string }>(rows: Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const group = groups.get(row.parent);
    if (group) group.push(row);
    else groups.set(row.parent, [row]);
  }
  return groups;
}

function q2(org: string): unknown {
  const agents = q2Agents.all(org) as { id: string; name: string }[];
  const sessionRows = q2Sessions.all(JSON.stringify(agents.map((a) => a.id))) as SessionRow[];
  const sessions = byParent(sessionRows);
  const usage = byParent(q2Usage.all(JSON.stringify(sessionRows.map((s) => s.id))) as UsageRow[]);
  return {
    agents: {
      edges: agents.map((a) => ({
        node: {
          id: globalId('Agent', a.id),
          name: a.name,
          sessions: {
            edges: (sessions.get(a.id) ?? []).map((s) => ({
              node: {
                id: globalId('Session', s.id),
                status: s.status.toUpperCase(),
                startedAt: s.started_at,
                usage: {
                  edges: (usage.get(s.id) ?? []).map((u) => ({
                    node: {
                      id: globalId('LlmUsageRecord', u.id),
                      model: u.model,
                      totalTokens: u.total_tokens,
                      costUsd: formatNanoUsd(u.cost_nano_usd),
                      createdAt: u.created_at,
                    },
                  })),
                },
              },
            })),
          },
        },
      })),
    },
  };
}

type BucketRow = { model: string; requests: number; prompt_tokens: number; completion_tokens: number; total_tokens: number; cost: string };

function q3(org: string): unknown {
  const rows = q3Summary.all(org) as BucketRow[];
  return {
    organization: {
      usageSummary: {
        edges: rows.map((b) => ({
          node: {
            model: b.model,
            requests: b.requests,
            promptTokens: b.prompt_tokens,
            completionTokens: b.completion_tokens,
            totalTokens: b.total_tokens,
            costUsd: formatNanoUsd(b.cost),
          },
        })),
      },
    },
  };
}

function q4(org: string, id: unknown): unknown {
  const decoded = typeof id === 'string' ? Buffer.from(id, 'base64').toString() : '';
  const agent = decoded.startsWith('Agent:') ? (q4Agent.get(decoded.slice(6), org) as AgentRow | undefined) : undefined;
  if (!agent) return { node: null };
  return {
    node: { id: globalId('Agent', agent.id), name: agent.name, displayName: agent.display_name, status: agent.status.toUpperCase() },
  };
}

type Body = { operationName?: string; variables?: { id?: unknown } };

function answer(org: string, body: Body): unknown {
  switch (body.operationName) {
    case 'Q1':
      return q1(org);
    case 'Q2':
      return q2(org);
    case 'Q3':
      return q3(org);
    case 'Q4':
      return q4(org, body.variables?.id);
    default:
      return undefined;
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/health') {
    send(res, 200, { status: 'ok' });
    return;
  }
  if (req.url !== '/graphql' || req.method !== 'POST') {
    send(res, 404, { errors: [{ message: 'not found' }] });
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const header = req.headers.authorization ?? '';
    const org = tokens.get(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (!org) return send(res, 401, { errors: [{ message: 'unauthenticated' }] });
    let data: unknown;
    try {
      data = answer(org, JSON.parse(Buffer.concat(chunks).toString()) as Body);
    } catch {
      return send(res, 400, { errors: [{ message: 'bad request' }] });
    }
    if (data === undefined) return send(res, 400, { errors: [{ message: 'the floor answers Q1–Q4 only' }] });
    send(res, 200, { data });
  });
}

// Only what Q1–Q4 select, with the gateway's nullability where a value could be null.
const SDL = `
  type Query {
    agents(first: Int): AgentConnection!
    organization(slug: String!): Organization
    node(id: ID!): Node
  }
  interface Node { id: ID! }
  type Agent implements Node {
    id: ID! name: String! displayName: String! status: String!
    domain: Domain organization: Organization sessions(first: Int): SessionConnection!
  }
  type Domain implements Node { id: ID! name: String! }
  type Organization implements Node { id: ID! slug: String! name: String! usageSummary(from: String!, to: String!, groupBy: [UsageGroup!]): UsageBucketConnection! }
  enum UsageGroup { MODEL }
  type Session implements Node { id: ID! status: String! startedAt: String! usage(first: Int): LlmUsageConnection! }
  type LlmUsageRecord implements Node { id: ID! model: String! totalTokens: Int! costUsd: String! createdAt: String! }
  type UsageBucket { model: String requests: Int! promptTokens: Int! completionTokens: Int! totalTokens: Int! costUsd: String! }
  type AgentConnection { edges: [AgentEdge!]! }
  type AgentEdge { node: Agent! }
  type SessionConnection { edges: [SessionEdge!]! }
  type SessionEdge { node: Session! }
  type LlmUsageConnection { edges: [LlmUsageEdge!]! }
  type LlmUsageEdge { node: LlmUsageRecord! }
  type UsageBucketConnection { edges: [UsageBucketEdge!]! }
  type UsageBucketEdge { node: UsageBucket! }
`;

type YogaContext = { org: string | undefined };
type Answer<Key extends string> = Record<Key, unknown>;

/** The floor's answers behind Yoga: each root field returns its part of the answer to the operation asked. */
function yogaServer() {
  const schema = createSchema<YogaContext>({
    typeDefs: SDL,
    resolvers: {
      Query: {
        agents: (_root, _args, { org }, info) =>
          org === undefined ? null : ((info.operation.name?.value === 'Q2' ? q2(org) : q1(org)) as Answer<'agents'>).agents,
        organization: (_root, _args, { org }) => (org === undefined ? null : (q3(org) as Answer<'organization'>).organization),
        node: (_root, args: { id: string }, { org }) => (org === undefined ? null : (q4(org, args.id) as Answer<'node'>).node),
      },
      Node: { __resolveType: () => 'Agent' },
    },
  });
  const yoga = createYoga<object, YogaContext>({
    schema,
    logging: false,
    graphiql: false,
    landingPage: false,
    plugins: [useGraphQlJit()],
    context: ({ request }) => {
      const header = request.headers.get('authorization') ?? '';
      return { org: tokens.get(header.startsWith('Bearer ') ? header.slice(7) : '') };
    },
  });
  return createServer(yoga);
}

const server = process.env.FLOOR_SERVER === 'yoga' ? yogaServer() : createServer(handle);
server.listen(Number(process.env.FLOOR_PORT ?? 0), '127.0.0.1');
const stop = () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
