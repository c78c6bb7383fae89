// The four fixed queries of the load benchmark (issue 8) and the heavier mix of its "no freeze" phase.
export const Q1 =
  'query Q1 { agents(first: 20) { edges { node { id name displayName status domain { id name } organization { id slug name } } } } }';

export const Q2 =
  'query Q2 { agents(first: 20) { edges { node { id name sessions(first: 5) { edges { node { id status startedAt usage(first: 5) { edges { node { id model totalTokens costUsd createdAt } } } } } } } } } }';

export const Q3 =
  'query Q3 { organization(slug: "quant") { usageSummary(from: "2026-09-01T00:00:00.000Z", to: "2026-10-01T00:00:00.000Z", groupBy: [MODEL]) { edges { node { model requests promptTokens completionTokens totalTokens costUsd } } } } }';

export const Q4 = 'query Q4($id: ID!) { node(id: $id) { id ... on Agent { name displayName status } } }';

export type QueryName = 'Q1' | 'Q2' | 'Q3' | 'Q4';

export type Request = { operationName: string; query: string; variables?: Record<string, unknown> };

/** The request bodies of Q1–Q4; Q4 asks for the agent whose global id is given. */
export function loadQueries(agentGlobalId: string): Record<QueryName, Request> {
  return {
    Q1: { operationName: 'Q1', query: Q1 },
    Q2: { operationName: 'Q2', query: Q2 },
    Q3: { operationName: 'Q3', query: Q3 },
    Q4: { operationName: 'Q4', query: Q4, variables: { id: agentGlobalId } },
  };
}

/**
 * Heavy queries the gateway accepts (each within the page budget of 50,000 rows): they scan or group large
 * parts of the 1,000,000 usage rows, and must not stall the light requests served beside them.
 */
export const HEAVY: Request[] = [
  {
    operationName: 'HeavyUsageCount',
    query: 'query HeavyUsageCount { organization(slug: "quant") { usage(first: 100) { totalCount edges { node { id costUsd } } } } }',
  },
  {
    operationName: 'HeavyUsageByModel',
    query:
      'query HeavyUsageByModel { organization(slug: "quant") { usage(first: 100, filter: { model: "gpt-4o-mini" }) { totalCount edges { node { id model costUsd createdAt } } } } }',
  },
  {
    operationName: 'HeavySummary',
    query:
      'query HeavySummary { organization(slug: "quant") { usageSummary(from: "2026-08-03T00:00:00.000Z", to: "2026-11-01T00:00:00.000Z", groupBy: [DAY, MODEL, AGENT, USER], first: 100) { totalCount total { costUsd } edges { node { day model requests costUsd } } } } }',
  },
  {
    operationName: 'HeavySessions',
    query: 'query HeavySessions { agents(first: 100) { edges { node { id sessions(first: 100) { totalCount } } } } }',
  },
  {
    operationName: 'HeavyAudit',
    query: 'query HeavyAudit { auditLog(first: 100) { totalCount edges { node { id action createdAt } } } }',
  },
];
