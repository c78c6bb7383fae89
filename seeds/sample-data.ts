// The sample tenants of the domain facts (quant and cibc), so that GraphiQL
// has something to show on a fresh database. Rows that exist are left as they
// are: re-seeding never overwrites what a person changed.
import type { Store } from '../src/db/store';

const T0 = '2026-01-05T09:00:00.000Z';

const organizations = [
  { id: 'quant', slug: 'quant', name: 'Quant', tier: 'enterprise' },
  { id: 'cibc', slug: 'cibc', name: 'CIBC', tier: 'enterprise' },
];

const domains = [
  { id: 'demo', organizationId: 'quant', name: 'demo', displayName: 'Demo', version: '1.0.0' },
  { id: 'card-services', organizationId: 'cibc', name: 'card-services', displayName: 'Card Services', version: '1.0.0' },
];

const instances = [
  { id: 'quant-demo-dev', organizationId: 'quant', domainId: 'demo', environment: 'dev', name: 'dev' },
  { id: 'cibc-card-services-dev', organizationId: 'cibc', domainId: 'card-services', environment: 'dev', name: 'dev' },
];

const users = [
  { id: 'nwalker85', email: 'nwalker85@quant.example', name: 'N. Walker' },
  { id: 'sarah.chen', email: 'sarah.chen@quant.example', name: 'Sarah Chen' },
  { id: 'mike.rodriguez', email: 'mike.rodriguez@quant.example', name: 'Mike Rodriguez' },
  { id: 'jessica.lee', email: 'jessica.lee@quant.example', name: 'Jessica Lee' },
  { id: 'tom.mitchell', email: 'tom.mitchell@quant.example', name: 'Tom Mitchell' },
];

const agents = [
  {
    id: 'agt-001',
    name: 'customer-support-agent',
    displayName: 'Customer Support Agent',
    version: '2.1.0',
    environment: 'prod',
    createdBy: 'nwalker85',
    tags: ['customer-service', 'support', 'chat'],
    description: 'Handles customer inquiries, order status and basic troubleshooting.',
  },
  {
    id: 'agt-002',
    name: 'sales-qualifying-agent',
    displayName: 'Sales Qualifying Agent',
    version: '1.8.3',
    environment: 'prod',
    createdBy: 'sarah.chen',
    tags: ['sales', 'lead-qualification', 'crm'],
    description: 'Qualifies leads, schedules demos and routes prospects to sales.',
  },
  {
    id: 'agt-003',
    name: 'data-analyst-agent',
    displayName: 'Data Analysis Agent',
    version: '3.0.1',
    environment: 'staging',
    createdBy: 'mike.rodriguez',
    tags: ['analytics', 'sql', 'reporting'],
    description: 'Runs SQL queries, builds reports and surfaces data insights.',
  },
  {
    id: 'agt-004',
    name: 'hr-onboarding-agent',
    displayName: 'HR Onboarding Agent',
    version: '1.4.2',
    environment: 'prod',
    createdBy: 'jessica.lee',
    tags: ['hr', 'onboarding', 'automation'],
    description: 'Guides employee onboarding, collects documents and schedules orientation.',
  },
  {
    id: 'agt-005',
    name: 'it-helpdesk-agent',
    displayName: 'IT Helpdesk Agent',
    version: '2.3.1',
    environment: 'prod',
    createdBy: 'tom.mitchell',
    tags: ['it', 'helpdesk', 'troubleshooting'],
    description: 'Resolves common IT issues, resets passwords and escalates the rest.',
  },
];

/**
 * Prices in nano-USD per 1,000 tokens (e.g. $2.50 per million tokens = 2,500,000), in effect since before any
 * usage; reasoning tokens at the completion rate.
 */
export const SAMPLE_MODEL_PRICES = [
  { provider: 'openai', model: 'gpt-4o', prompt: 2_500_000, cachedPrompt: 1_250_000, completion: 10_000_000 },
  { provider: 'openai', model: 'gpt-4o-mini', prompt: 150_000, cachedPrompt: 75_000, completion: 600_000 },
  { provider: 'anthropic', model: 'claude-sonnet-4', prompt: 3_000_000, cachedPrompt: 300_000, completion: 15_000_000 },
  { provider: 'anthropic', model: 'claude-haiku-3.5', prompt: 800_000, cachedPrompt: 80_000, completion: 4_000_000 },
  { provider: 'google', model: 'gemini-1.5-flash', prompt: 75_000, cachedPrompt: 18_750, completion: 300_000 },
];
const PRICES_FROM = '1970-01-01T00:00:00.000Z';

/** Seconds after T0, so that list orders are deterministic. */
function at(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString();
}

/** `prices: false` leaves the model prices out (a database of an older schema, which a test fills itself). */
export async function seedSampleData(db: Store, options: { prices?: boolean } = {}): Promise<void> {
  await db.transaction(async (tx) => {
    for (const [i, o] of organizations.entries()) {
      await tx.run(
        `INSERT INTO organizations (id, slug, name, tier, created_at, updated_at)
         VALUES (:id, :slug, :name, :tier, :at, :at) ON CONFLICT DO NOTHING`,
        { ...o, at: at(i) },
      );
    }
    for (const [i, d] of domains.entries()) {
      await tx.run(
        `INSERT INTO domains (id, organization_id, name, display_name, version, created_at, updated_at)
         VALUES (:id, :organizationId, :name, :displayName, :version, :at, :at) ON CONFLICT DO NOTHING`,
        { ...d, at: at(60 + i) },
      );
    }
    for (const [i, x] of instances.entries()) {
      await tx.run(
        `INSERT INTO instances (id, organization_id, domain_id, environment, name, status, created_at, updated_at)
         VALUES (:id, :organizationId, :domainId, :environment, :name, 'running', :at, :at) ON CONFLICT DO NOTHING`,
        { ...x, at: at(120 + i) },
      );
    }
    for (const [i, u] of users.entries()) {
      await tx.run(
        `INSERT INTO users (id, email, name, created_at, updated_at)
         VALUES (:id, :email, :name, :at, :at) ON CONFLICT DO NOTHING`,
        { ...u, at: at(180 + i) },
      );
      await tx.run(
        `INSERT INTO user_roles (id, user_id, role_id, organization_id, created_at)
         VALUES (:id, :userId, 'org_developer', 'quant', :at) ON CONFLICT DO NOTHING`,
        { id: `seed-${u.id}-quant-developer`, userId: u.id, at: at(180 + i) },
      );
    }
    for (const [i, a] of agents.entries()) {
      await tx.run(
        `INSERT INTO agents (id, organization_id, domain_id, name, display_name, description, version, status,
           environment, tags, published_at, created_by_user_id, created_at, updated_at)
         VALUES (:id, 'quant', 'demo', :name, :displayName, :description, :version, 'active',
           :environment, :tags, :at, :createdBy, :at, :at) ON CONFLICT DO NOTHING`,
        {
          id: a.id,
          name: a.name,
          displayName: a.displayName,
          description: a.description,
          version: a.version,
          environment: a.environment,
          tags: JSON.stringify(a.tags),
          createdBy: a.createdBy,
          at: at(300 + i * 60),
        },
      );
    }
    for (const p of options.prices === false ? [] : SAMPLE_MODEL_PRICES) {
      await tx.run(
        `INSERT INTO model_price_periods (provider, model, effective_from, prompt_nano_usd_per_1k_tokens,
           cached_prompt_nano_usd_per_1k_tokens, completion_nano_usd_per_1k_tokens, reasoning_nano_usd_per_1k_tokens, updated_at)
         VALUES (:provider, :model, :from, :prompt, :cachedPrompt, :completion, :completion, :at) ON CONFLICT DO NOTHING`,
        { ...p, from: PRICES_FROM, at: T0 },
      );
    }
  });
}
