// Every environment variable the gateway reads, parsed and validated once.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parse } from 'graphql';
import { z } from 'zod';

const flag = z.enum(['0', '1', 'true', 'false']).transform((value) => value === '1' || value === 'true');

/** More processes than this would only fight over SQLite's one write lock. */
const MAX_WORKERS = 64;

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('data/foundry.db'),
  // Set: PostgreSQL instead of the SQLite file. Credentials may be in it: it never reaches a log or an error.
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  // Connections per process to PostgreSQL: reads take one per statement, a transaction holds one until it ends.
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(10),
  API_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  LOGIN_TOKEN_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  FOUNDRY_SQL_STATS: flag.default(false),
  FOUNDRY_SEED_SAMPLE_DATA: flag.default(true),
  FOUNDRY_WORKERS: z.coerce.number().int().min(1).max(MAX_WORKERS).optional(),
  FOUNDRY_DIAGNOSTICS: flag.default(false),
  FOUNDRY_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(300).default(50),
  MAX_REQUEST_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  // A guessable token would publish the metrics to anyone: at least 16 characters.
  METRICS_TOKEN: z.string().min(16).optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SUBSCRIPTION_RECHECK_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  FOUNDRY_TRUSTED_DOCUMENTS: z.string().min(1).optional(),
  CORS_ORIGINS: z.string().default('').transform(parseOrigins),
  LOGIN_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),
  LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  LOGIN_LOCK_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(3600),
  RATE_LIMITS: z.string().default(''),
  RATE_LIMIT_UNAUTHENTICATED: z.string().default('120/m'),
  FOUNDRY_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  WEBHOOK_PRIVATE_ADDRESSES: z.enum(['allow', 'deny']).optional(),
  // 32 bytes, as 64 hex digits or base64; parsed by parseSecretKey so that a bad value never appears in the error.
  FOUNDRY_SECRET_KEY: z.string().min(1).optional(),
});

/** `https://app.example, http://localhost:5173` → the origins, each exactly as a browser sends it; no wildcard. */
function parseOrigins(list: string, context: z.RefinementCtx): string[] {
  const origins = list
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      context.addIssue({
        code: 'custom',
        message: `"${origin}" is not an origin such as https://app.example (scheme, host, port; no path)`,
      });
    }
  }
  return origins;
}

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** The SQLite file; beside it the secret key file and the lock file (with PostgreSQL too: the key file). */
  databasePath: string;
  /** DATABASE_URL: the gateway runs on this PostgreSQL database instead of the SQLite file; null for SQLite. */
  databaseUrl: string | null;
  /** DATABASE_POOL_SIZE: PostgreSQL connections per process. */
  databasePoolSize: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bcryptCost: number;
  apiKeyCacheTtlMs: number;
  loginTokenTtlMs: number;
  shutdownTimeoutMs: number;
  sqlStats: boolean;
  seedSampleData: boolean;
  /** Processes serving HTTP; 1 means no cluster at all. */
  workers: number;
  diagnostics: boolean;
  /**
   * How far V8 lets the old generation grow past what the last full collection kept, in percent (V8's
   * --heap-growing-percent); 0 leaves it to V8, which lets it grow up to fourfold when collections are cheap.
   */
  heapGrowingPercent: number;
  /** Larger request bodies are refused with 413 before they are read. */
  maxRequestBodyBytes: number;
  /** GET /metrics: on the public port with this bearer token, and/or on its own port; null when neither is set. */
  metrics: { token: string | null; port: number | null } | null;
  /** How often an open subscription checks, without an event, that its token still holds (security epoch, expiry). */
  subscriptionRecheckMs: number;
  /** FOUNDRY_TRUSTED_DOCUMENTS read: hash → document; null when any document may be sent. */
  trustedDocuments: ReadonlyMap<string, string> | null;
  /** CORS_ORIGINS: the browser origins answered with CORS headers; empty (the default) answers none. */
  corsOrigins: readonly string[];
  /** Failed logins (src/modules/loginTokens/throttle.ts): counted in the database, shared by every process. */
  loginThrottle: LoginThrottleConfig;
  /** Requests per API key by its role (`*`: any other role); no entry, no limit. In memory, per process. */
  rateLimits: ReadonlyMap<string, Rate>;
  /** Requests without a valid token, per client address; null when off. In memory, per process. */
  unauthenticatedRateLimit: Rate | null;
  /**
   * SQLite's `synchronous` in WAL mode: FULL (the default) fsyncs the WAL at every commit, so an acknowledged write
   * survives power loss; NORMAL fsyncs only at checkpoints, so the last commits may be lost on power loss (never on
   * a killed process) in exchange for cheaper commits.
   */
  synchronous: 'FULL' | 'NORMAL';
  /** FOUNDRY_SECRET_KEY decoded (32 bytes); null when the key file beside the database is used instead. */
  secretKey: Buffer | null;
  webhooks: WebhookConfig;
};

/** Webhook deliveries (src/modules/webhooks/dispatcher.ts). */
export type WebhookConfig = {
  /** The wait before the second attempt; each later one waits twice as long as the one before, up to an hour. */
  retryBaseMs: number;
  /** Attempts in all: after the last one fails, the delivery is FAILED. */
  maxAttempts: number;
  /** One attempt's time to answer. */
  timeoutMs: number;
  /** How often each process looks for deliveries that are due. */
  pollMs: number;
  /**
   * Whether an endpoint may resolve to a loopback, private, link-local or otherwise internal address. Denied in
   * production (WEBHOOK_PRIVATE_ADDRESSES=deny by default there), so that a tenant cannot make the gateway call
   * into its own network; allowed elsewhere, for receivers on 127.0.0.1.
   */
  allowPrivateAddresses: boolean;
};

export type LoginThrottleConfig = {
  /** Failures allowed before the first lock, per email and per client address. */
  failuresPerEmail: number;
  failuresPerAddress: number;
  /** The first lock; each further failure doubles it, up to maxLockMs. */
  lockMs: number;
  maxLockMs: number;
  /** Failures are forgotten this long after the last one (and a successful login forgets its email's). */
  windowMs: number;
};

/** A token bucket: `capacity` requests at once, refilled at `perMs` requests a millisecond. */
export type Rate = { capacity: number; perMs: number };

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  const c = parsed.data;
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    databasePath: c.DATABASE_PATH,
    databaseUrl: c.DATABASE_URL ?? null,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    logLevel: c.LOG_LEVEL,
    bcryptCost: c.BCRYPT_COST,
    apiKeyCacheTtlMs: c.API_KEY_CACHE_TTL_MS,
    loginTokenTtlMs: c.LOGIN_TOKEN_TTL_HOURS * 3_600_000,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    sqlStats: c.FOUNDRY_SQL_STATS,
    seedSampleData: c.FOUNDRY_SEED_SAMPLE_DATA,
    workers: c.FOUNDRY_WORKERS ?? defaultWorkers(c.NODE_ENV),
    diagnostics: c.FOUNDRY_DIAGNOSTICS,
    heapGrowingPercent: c.FOUNDRY_HEAP_GROWING_PERCENT,
    maxRequestBodyBytes: c.MAX_REQUEST_BODY_BYTES,
    metrics:
      c.METRICS_TOKEN === undefined && c.METRICS_PORT === undefined
        ? null
        : { token: c.METRICS_TOKEN ?? null, port: c.METRICS_PORT ?? null },
    subscriptionRecheckMs: c.SUBSCRIPTION_RECHECK_MS,
    trustedDocuments: c.FOUNDRY_TRUSTED_DOCUMENTS === undefined ? null : readTrustedDocuments(c.FOUNDRY_TRUSTED_DOCUMENTS),
    corsOrigins: c.CORS_ORIGINS,
    loginThrottle: {
      failuresPerEmail: c.LOGIN_FAILURES_PER_EMAIL,
      failuresPerAddress: c.LOGIN_FAILURES_PER_ADDRESS,
      lockMs: c.LOGIN_LOCK_SECONDS * 1000,
      maxLockMs: Math.max(c.LOGIN_LOCK_SECONDS, c.LOGIN_LOCK_MAX_SECONDS) * 1000,
      windowMs: c.LOGIN_FAILURE_WINDOW_SECONDS * 1000,
    },
    rateLimits: parseRoleRates(c.RATE_LIMITS),
    unauthenticatedRateLimit:
      c.RATE_LIMIT_UNAUTHENTICATED.trim() === 'off' ? null : parseRate('RATE_LIMIT_UNAUTHENTICATED', c.RATE_LIMIT_UNAUTHENTICATED),
    synchronous: c.FOUNDRY_SYNCHRONOUS,
    secretKey: c.FOUNDRY_SECRET_KEY === undefined ? null : secretKeyFromEnv(c.FOUNDRY_SECRET_KEY),
    webhooks: {
      retryBaseMs: c.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: c.WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: c.WEBHOOK_TIMEOUT_MS,
      pollMs: c.WEBHOOK_POLL_MS,
      allowPrivateAddresses: (c.WEBHOOK_PRIVATE_ADDRESSES ?? (c.NODE_ENV === 'production' ? 'deny' : 'allow')) === 'allow',
    },
  };
}

/** FOUNDRY_SECRET_KEY: 32 bytes as 64 hex digits or as base64; the message never repeats the value. */
function secretKeyFromEnv(text: string): Buffer {
  const key = parseSecretKey(text);
  if (!key) throw new ConfigError('invalid configuration: FOUNDRY_SECRET_KEY: must be 32 bytes, as 64 hex digits or base64');
  return key;
}

/** 32 bytes written as 64 hex digits or as base64 (with or without padding); null for anything else. */
export function parseSecretKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}

const PERIOD_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
const RATE = /^(\d{1,9})\/(\d{0,6})(s|m|h)$/;

/** `N/s`, `N/m`, `N/h` or `N/<k><unit>` (`100/10s`): N requests at once, refilled evenly over the period. */
function parseRate(variable: string, text: string): Rate {
  const match = RATE.exec(text.trim());
  const count = Number(match?.[1]);
  const periods = match?.[2] ? Number(match[2]) : 1;
  if (!match || count < 1 || periods < 1) {
    throw new ConfigError(`invalid configuration: ${variable}: a rate is N/s, N/m, N/h or N/<k>s (like 100/10s), N at least 1`);
  }
  return { capacity: count, perMs: count / (periods * PERIOD_MS[match[3] as keyof typeof PERIOD_MS]) };
}

/** `role=rate,role=rate` (`org_admin=50/s,*=100/s`); empty: no limit on any API key. */
function parseRoleRates(text: string): ReadonlyMap<string, Rate> {
  const rates = new Map<string, Rate>();
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const [role, rate, extra] = entry.split('=').map((part) => part.trim());
    if (!role || !/^([a-z0-9_]{1,64}|\*)$/.test(role) || rate === undefined || extra !== undefined) {
      throw new ConfigError('invalid configuration: RATE_LIMITS: a comma-separated list of role=rate (org_admin=50/s,*=200/s)');
    }
    if (rates.has(role)) throw new ConfigError(`invalid configuration: RATE_LIMITS: ${role} is named twice`);
    rates.set(role, parseRate(`RATE_LIMITS (${role})`, rate));
  }
  return rates;
}

/** A document's hash as the manifest keys it: a `sha256:` prefix (GraphQL over HTTP's persisted documents) is dropped. */
export function documentHash(id: string): string {
  return id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
}

/** A manifest maps each document's hash to its text (graphql-codegen's persisted-documents.json and the like). */
const manifestSchema = z.record(z.string().min(1), z.string().min(1));

/** Reads and checks the manifest once, at start: a bad file stops the gateway (and a cluster's primary) with one line. */
function readTrustedDocuments(path: string): ReadonlyMap<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not JSON';
    throw new ConfigError(`invalid configuration: FOUNDRY_TRUSTED_DOCUMENTS: cannot read the manifest (${reason})`);
  }
  const manifest = manifestSchema.safeParse(json);
  if (!manifest.success) {
    throw new ConfigError('invalid configuration: FOUNDRY_TRUSTED_DOCUMENTS: the manifest must be a JSON object of hash → document');
  }
  const documents = new Map<string, string>();
  for (const [id, document] of Object.entries(manifest.data)) {
    try {
      parse(document);
    } catch {
      throw new ConfigError(`invalid configuration: FOUNDRY_TRUSTED_DOCUMENTS: the document ${id} does not parse`);
    }
    documents.set(documentHash(id), document);
  }
  return documents;
}

/** Every core in production; one process in development and tests, where a cluster only gets in the way. */
function defaultWorkers(env: Config['env']): number {
  return env === 'production' ? Math.min(MAX_WORKERS, availableParallelism()) : 1;
}

/**
 * The database as logs and messages name it: the SQLite file, or the PostgreSQL server and database without the
 * user, password or options of DATABASE_URL.
 */
export function databaseLabel(config: Pick<Config, 'databasePath' | 'databaseUrl'>): string {
  if (!config.databaseUrl) return config.databasePath;
  try {
    const url = new URL(config.databaseUrl);
    return `postgres://${url.host}${url.pathname}`;
  } catch {
    return 'postgres (DATABASE_URL)';
  }
}
