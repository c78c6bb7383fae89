// A write storm against a real gateway (agents, sessions, usage batches), recording each acknowledged write, and
// the checks that every acknowledged write survived with its audit entry in a database file.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Reader } from '../../src/db/store';
import { verifyAuditChains } from '../../src/modules/auditLog/repo';
import { post } from './gateway';

/** What the gateway acknowledged: raw row ids, and each usage batch with its total of tokens (unique: it names its audit entry). */
export type Acknowledged = { agents: string[]; sessions: string[]; batches: { totalTokens: number; ids: string[] }[] };

/** Makes each batch's token total unique in the process, so that its audit entry (which holds the total) is found. */
let batches = 0;

export type Storm = {
  acknowledged: Acknowledged;
  /** Answers that came back with GraphQL errors: a storm expects none. */
  refused: string[];
  /** Stops the loops and resolves when each has seen its last answer (or lost its connection). */
  stop: () => Promise<void>;
};

const CREATE_AGENT = 'mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } } }';
const START_SESSION = 'mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }';
const RECORD_USAGE = 'mutation ($input: RecordLlmUsageInput!) { recordLlmUsage(input: $input) { records { id } } }';

const rawId = (id: string) => decodeGlobalID(id).id;

/** Removes quant's monthly limits, so that no storm batch is refused with QUOTA_EXCEEDED. */
export async function liftQuota(url: string, token: string): Promise<void> {
  const answer = await post(
    url,
    'mutation ($input: SetLlmQuotaInput!) { setLlmQuota(input: $input) { __typename } }',
    { input: { organizationId: encodeGlobalID('Organization', 'quant'), monthlyTokenLimit: null, monthlyCostLimitUsd: null } },
    token,
  );
  if (answer.errors) throw new Error(`setLlmQuota failed: ${JSON.stringify(answer.errors)}`);
}

/** `loops` clients, each writing agent → session → batch of 3 usage records, over and over, until stopped or cut off. */
export function startStorm(url: string, token: string, prefix: string, loops = 3): Storm {
  const acknowledged: Acknowledged = { agents: [], sessions: [], batches: [] };
  const refused: string[] = [];
  let stopped = false;
  const domainId = encodeGlobalID('Domain', 'demo');
  const organizationId = encodeGlobalID('Organization', 'quant');

  async function loop(client: number): Promise<void> {
    for (let n = 0; !stopped; n += 1) {
      const name = `${prefix}-${client}-${n}`;
      const agent = await post<{ createAgent: { agent: { id: string } } }>(
        url,
        CREATE_AGENT,
        { input: { domainId, name, displayName: name, status: 'ACTIVE' } },
        token,
      );
      const agentId = agent.data?.createAgent?.agent.id;
      if (!agentId) return void refused.push(JSON.stringify(agent.errors));
      acknowledged.agents.push(rawId(agentId));
      const session = await post<{ startSession: { session: { id: string } } }>(url, START_SESSION, { input: { agentId } }, token);
      const sessionId = session.data?.startSession?.session.id;
      if (!sessionId) return void refused.push(JSON.stringify(session.errors));
      acknowledged.sessions.push(rawId(sessionId));
      batches += 1;
      const promptTokens = 1_000_000 + batches;
      const records = [1, 2, 3].map(() => ({ sessionId, model: 'gpt-4o', promptTokens, completionTokens: 0 }));
      const usage = await post<{ recordLlmUsage: { records: { id: string }[] } }>(
        url,
        RECORD_USAGE,
        { input: { organizationId, records } },
        token,
      );
      const ids = usage.data?.recordLlmUsage?.records.map((record) => rawId(record.id));
      if (!ids) return void refused.push(JSON.stringify(usage.errors));
      acknowledged.batches.push({ totalTokens: 3 * promptTokens, ids });
    }
  }

  // A killed gateway cuts the connections: a loop ends at its first lost answer, which was never acknowledged.
  const running = Array.from({ length: loops }, (_, client) => loop(client).catch(() => undefined));
  return {
    acknowledged,
    refused,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** Every acknowledged write that is missing from `db`, or whose audit entry is: empty when all survived. */
export async function missingWrites(db: Reader, acknowledged: Acknowledged): Promise<string[]> {
  const missing: string[] = [];
  const has = async (sql: string, params: Record<string, string>) => (await db.get(sql, params)) !== undefined;
  for (const id of acknowledged.agents) {
    if (!(await has('SELECT 1 FROM agents WHERE id = :id', { id }))) missing.push(`agent ${id}`);
    if (!(await has("SELECT 1 FROM audit_log WHERE action = 'agent.create' AND resource_id = :id", { id })))
      missing.push(`audit of agent ${id}`);
  }
  for (const id of acknowledged.sessions) {
    if (!(await has('SELECT 1 FROM sessions WHERE id = :id', { id }))) missing.push(`session ${id}`);
    if (!(await has("SELECT 1 FROM audit_log WHERE action = 'session.start' AND resource_id = :id", { id }))) {
      missing.push(`audit of session ${id}`);
    }
  }
  for (const { totalTokens, ids } of acknowledged.batches) {
    for (const id of ids) if (!(await has('SELECT 1 FROM llm_usage WHERE id = :id', { id }))) missing.push(`usage record ${id}`);
    const audited = await db.get(
      "SELECT 1 FROM audit_log WHERE action = 'llm_usage.record' AND metadata ->> '$.totalTokens' = :totalTokens",
      {
        totalTokens,
      },
    );
    if (!audited) missing.push(`audit of the usage batch of ${totalTokens} tokens`);
  }
  return missing;
}

/** integrity_check's answer, the audit chains' verdict, and whether both rollups equal a raw scan of llm_usage. */
export async function databaseHealth(db: Reader): Promise<{ integrity: string; auditBroken: boolean; rollupsMatch: boolean }> {
  const integrity = (await db.all<{ integrity_check: string }>('PRAGMA integrity_check')).map((row) => row.integrity_check).join('; ');
  const sums = 'count(*), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), sum(cost_nano_usd)';
  const fineRaw = await db.all(
    `SELECT organization_id, substr(created_at, 1, 10), provider, model, ifnull(agent_id, ''), ifnull(user_id, ''),
       ifnull(api_key_id, ''), ${sums} FROM llm_usage GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
  );
  const fine = await db.all(
    `SELECT organization_id, day, provider, model, agent_id, user_id, api_key_id, requests, prompt_tokens, completion_tokens,
       total_tokens, cost_nano_usd FROM llm_usage_daily WHERE requests > 0 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
  );
  const coarseRaw = await db.all(
    `SELECT organization_id, substr(created_at, 1, 10), provider, model, ${sums} FROM llm_usage GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
  );
  const coarse = await db.all(
    `SELECT organization_id, day, provider, model, requests, prompt_tokens, completion_tokens, total_tokens, cost_nano_usd
       FROM llm_usage_model_daily WHERE requests > 0 ORDER BY 1, 2, 3, 4`,
  );
  const values = (rows: unknown[]) => JSON.stringify(rows.map((row) => Object.values(row as object)));
  return {
    integrity,
    auditBroken: (await verifyAuditChains(db)).broken !== null,
    rollupsMatch: values(fineRaw) === values(fine) && values(coarseRaw) === values(coarse),
  };
}
