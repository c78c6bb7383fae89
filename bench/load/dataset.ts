// The load benchmark's data set: 2 organizations, 500 agents, 20,000 sessions and 1,000,000 LLM usage rows,
// generated once (deterministically) into bench/.cache/load-v1.db and reused while it exists.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { bootstrap } from '../../src/bootstrap';
import { loadConfig } from '../../src/config';
import { SqliteStore } from '../../src/db/connection';
import { costOf, type ModelPrice, rebuildUsageRollups } from '../../src/modules/usage/repo';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATASET_PATH = join(ROOT, 'bench', '.cache', 'load-v1.db');

export const ORGANIZATIONS = ['quant', 'cibc'] as const;
const DOMAINS_PER_ORG = 25;
const USERS_PER_ORG = 20;
const AGENTS_PER_ORG = 250;
const SESSIONS_PER_AGENT = 40;
const USAGE_PER_SESSION = 50;
export const WINDOW_START = '2026-08-03T00:00:00.000Z';
export const WINDOW_END = '2026-11-01T00:00:00.000Z';
/** Rows of generated entities (agents, domains, users) are created before the window, a minute apart. */
const CREATED_BASE = Date.parse('2026-07-01T00:00:00.000Z');

/** mulberry32: a small seeded PRNG, so that every run builds the same rows. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const pad = (n: number, width: number) => String(n).padStart(width, '0');

type Org = { id: string; users: string[]; domains: { id: string; instance: string }[]; agents: { id: string; instance: string }[] };

/** Ensures the data set exists; returns its path and whether it was built now. */
export async function ensureDataset(log: (line: string) => void = () => undefined): Promise<{ path: string; built: boolean }> {
  if (existsSync(DATASET_PATH)) {
    await migrateCached(log);
    return { path: DATASET_PATH, built: false };
  }
  mkdirSync(dirname(DATASET_PATH), { recursive: true });
  const building = `${DATASET_PATH}.building`;
  for (const suffix of ['', '-wal', '-shm', '.key']) rmSync(building + suffix, { force: true });
  const started = performance.now();
  const config = loadConfig({ DATABASE_PATH: building, LOG_LEVEL: 'silent', FOUNDRY_SEED_SAMPLE_DATA: 'true' });
  const { services } = await bootstrap(config, pino({ level: 'silent' }));
  const db = services.db;
  if (!(db instanceof SqliteStore)) throw new Error('the load data set is generated on SQLite');
  try {
    await db.withWriter((raw) => generate(raw, log));
    const rollupStarted = performance.now();
    await rebuildUsageRollups(db);
    log(`rollups rebuilt in ${((performance.now() - rollupStarted) / 1000).toFixed(1)} s`);
    await db.withWriter((raw) => {
      raw.exec('ANALYZE');
      raw.pragma('optimize');
      raw.pragma('wal_checkpoint(TRUNCATE)');
    });
  } finally {
    await db.close();
  }
  // The key that sealed the sample integrations' secrets moves with the file it belongs to.
  if (existsSync(`${building}.key`)) renameSync(`${building}.key`, `${DATASET_PATH}.key`);
  renameSync(building, DATASET_PATH);
  log(`data set generated in ${((performance.now() - started) / 1000).toFixed(1)} s: ${DATASET_PATH}`);
  return { path: DATASET_PATH, built: true };
}

function generate(raw: BetterSqlite3.Database, log: (line: string) => void): void {
  raw.pragma('cache_size = -262144');
  const random = prng(8);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const prices = raw
    .prepare(
      `SELECT provider, model, effective_from, prompt_nano_usd_per_1k_tokens AS prompt,
         cached_prompt_nano_usd_per_1k_tokens AS cached_prompt, completion_nano_usd_per_1k_tokens AS completion,
         reasoning_nano_usd_per_1k_tokens AS reasoning, updated_at
         FROM model_price_periods ORDER BY provider, model, effective_from`,
    )
    .all() as ModelPrice[];
  if (prices.length === 0) throw new Error('the seeded model_price_periods table is empty');
  // The seeds price each model once, from before any usage: that period prices the whole window.
  if (new Set(prices.map((price) => price.model)).size !== prices.length) throw new Error('a seeded model has several price periods');

  // The sample activity is dated January 2026; the data set's activity lies in the 90-day window only.
  // Rows go in raw (the rollups are rebuilt from them once at the end, as insertUsageBatch would keep them).
  raw.exec('DELETE FROM llm_usage; DELETE FROM sessions;');

  const orgs = raw.transaction(() => ORGANIZATIONS.map((org, index) => entitiesOf(raw, org, index, random, pick)))();
  log(`entities: ${orgs.map((o) => `${o.id} ${o.domains.length} domains, ${o.agents.length} agents, ${o.users.length} users`).join('; ')}`);

  const insertSession = raw.prepare(
    `INSERT INTO sessions (id, organization_id, agent_id, instance_id, started_by_user_id, status, metadata, started_at, ended_at)
     VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)`,
  );
  const insertUsage = raw.prepare(
    `INSERT INTO llm_usage (id, organization_id, agent_id, session_id, user_id, api_key_id, provider, model, prompt_tokens,
       completion_tokens, cost_nano_usd, latency_ms, created_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const windowStart = Date.parse(WINDOW_START);
  const windowMs = Date.parse(WINDOW_END) - windowStart;
  let sessionNo = 0;
  let usageNo = 0;
  const usageStarted = performance.now();
  for (const org of orgs) {
    // One transaction per 10 agents (20,000 usage rows): large, but the WAL stays small.
    for (let first = 0; first < org.agents.length; first += 10) {
      raw.transaction(() => {
        for (const { id: agent, instance } of org.agents.slice(first, first + 10)) {
          for (let s = 0; s < SESSIONS_PER_AGENT; s++) {
            const sessionId = `ses-${pad(++sessionNo, 6)}`;
            const user = pick(org.users);
            const duration = 60_000 + Math.floor(random() * 3_540_000);
            const start = windowStart + Math.floor(random() * (windowMs - duration));
            const roll = random();
            const status = roll < 0.9 ? 'completed' : roll < 0.97 ? 'failed' : 'terminated';
            insertSession.run(sessionId, org.id, agent, instance, user, status, iso(start), iso(start + duration));
            for (let u = 0; u < USAGE_PER_SESSION; u++) {
              const price = pick(prices);
              const prompt = 50 + Math.floor(random() * 8000);
              const completion = 10 + Math.floor(random() * 2000);
              const at = start + Math.floor(random() * duration);
              insertUsage.run(
                `use-${pad(++usageNo, 7)}`,
                org.id,
                agent,
                sessionId,
                user,
                price.provider,
                price.model,
                prompt,
                completion,
                costOf(price, { prompt, cachedPrompt: 0, completion, reasoning: 0 }),
                100 + Math.floor(random() * 5000),
                iso(at),
              );
            }
          }
        }
      })();
    }
  }
  log(`${sessionNo} sessions and ${usageNo} usage rows inserted in ${((performance.now() - usageStarted) / 1000).toFixed(1)} s`);
}

/** Brings a cached data set to the current schema once, so that runs do not pay for migrations over a million rows. */
async function migrateCached(log: (line: string) => void): Promise<void> {
  const config = loadConfig({ DATABASE_PATH: DATASET_PATH, LOG_LEVEL: 'silent', FOUNDRY_SEED_SAMPLE_DATA: 'false' });
  const started = performance.now();
  const { services, migration } = await bootstrap(config, pino({ level: 'silent' }));
  try {
    if (migration.applied.length === 0) return;
    const db = services.db;
    if (!(db instanceof SqliteStore)) throw new Error('the load data set is SQLite');
    await db.withWriter((raw) => {
      raw.exec('ANALYZE');
      raw.pragma('wal_checkpoint(TRUNCATE)');
    });
    const names = migration.applied.map((m) => `${m.version}_${m.name}`).join(', ');
    log(`cached data set migrated (${names}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await services.db.close();
  }
}

/** Users, domains, instances and agents of one organization, topping the seeded ones up to the set sizes. */
function entitiesOf(
  raw: BetterSqlite3.Database,
  org: string,
  orgIndex: number,
  random: () => number,
  pick: <T>(items: readonly T[]) => T,
): Org {
  const at = (minute: number) => iso(CREATED_BASE + orgIndex * 86_400_000 + minute * 60_000);
  const developers = raw.prepare(
    "SELECT user_id AS id FROM user_roles WHERE organization_id = ? AND role_id = 'org_developer' ORDER BY user_id",
  );
  const users = (developers.all(org) as { id: string }[]).map((u) => u.id);
  const insertUser = raw.prepare('INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const insertRole = raw.prepare(
    "INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at) VALUES (?, ?, 'org_developer', ?, ?)",
  );
  for (let i = users.length; i < USERS_PER_ORG; i++) {
    const id = `${org}-user-${pad(i, 2)}`;
    insertUser.run(id, `${id}@${org}.example`, `${org} user ${i}`, at(i), at(i));
    insertRole.run(`bench-${id}-developer`, id, org, at(i));
    users.push(id);
  }
  const domainsWithInstance = raw.prepare(
    `SELECT d.id, i.id AS instance FROM domains d JOIN instances i ON i.domain_id = d.id
      WHERE d.organization_id = ? ORDER BY d.created_at, d.id`,
  );
  const domains = domainsWithInstance.all(org) as Org['domains'];
  const insertDomain = raw.prepare(
    'INSERT INTO domains (id, organization_id, name, display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertInstance = raw.prepare(
    `INSERT INTO instances (id, organization_id, domain_id, environment, name, status, created_at, updated_at)
     VALUES (?, ?, ?, 'dev', 'dev', 'running', ?, ?)`,
  );
  for (let i = domains.length; i < DOMAINS_PER_ORG; i++) {
    const id = `${org}-domain-${pad(i, 2)}`;
    insertDomain.run(id, org, `domain-${pad(i, 2)}`, `Domain ${i}`, at(100 + i), at(100 + i));
    insertInstance.run(`${id}-dev`, org, id, at(100 + i), at(100 + i));
    domains.push({ id, instance: `${id}-dev` });
  }
  const instanceOf = new Map(domains.map((d) => [d.id, d.instance]));
  const seeded = raw.prepare('SELECT id, domain_id FROM agents WHERE organization_id = ? ORDER BY created_at, id');
  const agents = (seeded.all(org) as { id: string; domain_id: string }[]).map((a) => ({
    id: a.id,
    instance: instanceOf.get(a.domain_id) as string,
  }));
  const insertAgent = raw.prepare(
    `INSERT INTO agents (id, organization_id, domain_id, name, display_name, description, status, environment, tags,
       created_by_user_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'dev', '["bench"]', ?, ?, ?)`,
  );
  for (let i = agents.length; i < AGENTS_PER_ORG; i++) {
    const id = `${org}-agent-${pad(i, 3)}`;
    const domain = domains[i % domains.length] as Org['domains'][number];
    const status = random() < 0.85 ? 'active' : pick(['draft', 'inactive', 'archived']);
    insertAgent.run(
      id,
      org,
      domain.id,
      `agent-${pad(i, 3)}`,
      `Agent ${i} of ${org}`,
      `Load benchmark agent ${i}.`,
      status,
      pick(users),
      at(200 + i),
      at(200 + i),
    );
    agents.push({ id, instance: domain.instance });
  }
  return { id: org, users, domains, agents };
}
