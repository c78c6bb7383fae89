// The gateway's Prometheus metrics (prom-client): what one process counts, read by GET /metrics
// (src/plugins/use-metrics-endpoint.ts, or METRICS_PORT in main.ts), summed over the workers by the cluster primary.
import { statSync } from 'node:fs';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PrincipalCache } from './auth/principalCache';
import type { Reader } from './db/store';
import { openSubscriptions } from './events/bus';

/** Error codes counted as refusals (the contract's codes of a request the gateway would not serve). */
export const REFUSAL_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'QUOTA_EXCEEDED', 'RATE_LIMITED'] as const;
const REFUSALS: ReadonlySet<string> = new Set(REFUSAL_CODES);

/**
 * Operation names are chosen by clients: past this many distinct names in a
 * process, further ones are counted as OTHER_OPERATIONS, so that nobody can
 * grow the registry without bound.
 */
const MAX_OPERATION_NAMES = 200;
export const OTHER_OPERATIONS = '__other';

export type MetricsSources = {
  /** The SQLite file (and its write-ahead log), or the PostgreSQL store whose schema's size is reported. */
  database: { engine: 'sqlite'; path: string } | { engine: 'postgres'; store: Reader };
  principals: PrincipalCache;
};

/** What one finished GraphQL request adds. */
export type RequestObservation = {
  operation: string;
  outcome: string;
  seconds: number;
  statements: number;
  /** The codes of the response's errors (repeats included), or null when it had none. */
  errorCodes: readonly string[] | null;
};

type RequestSeries = { requests: Counter.Internal; duration: Histogram.Internal<'operation' | 'outcome'> };

export class GatewayMetrics {
  /** An AggregatorRegistry in a cluster worker, so that prom-client answers the primary's requests for it. */
  readonly registry: Registry;
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation' | 'outcome'>;
  private readonly statements: Histogram;
  private readonly refusals: Counter<'code'>;
  private readonly series = new Map<string, RequestSeries>();
  private readonly operations = new Set<string>();

  constructor(sources: MetricsSources, { clusterWorker = false }: { clusterWorker?: boolean } = {}) {
    this.registry = clusterWorker ? new AggregatorRegistry() : new Registry();
    if (clusterWorker) AggregatorRegistry.setRegistries([this.registry]);
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: 'foundry_graphql_requests_total',
      help: 'GraphQL requests by operation name and outcome (OK, or the code of the first error).',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'foundry_graphql_request_duration_seconds',
      help: 'Time from the request arriving to its response being written, by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.statements = new Histogram({
      name: 'foundry_graphql_request_sql_statements',
      help: 'SQL statements run for one GraphQL request.',
      buckets: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.refusals = new Counter({
      name: 'foundry_graphql_refusals_total',
      help: `Errors refusing what was asked, by code (${REFUSAL_CODES.join(', ')}).`,
      labelNames: ['code'],
      registers,
    });
    for (const code of REFUSAL_CODES) this.refusals.inc({ code }, 0);

    const { principals, database } = sources;
    new Counter({
      name: 'foundry_principal_cache_hits_total',
      help: 'Tokens (API keys, login tokens) resolved to their principal from memory.',
      registers,
      collect() {
        this.reset();
        this.inc(principals.hits);
      },
    });
    new Counter({
      name: 'foundry_principal_cache_misses_total',
      help: 'Tokens whose principal had to be read from the database (and an API key verified).',
      registers,
      collect() {
        this.reset();
        this.inc(principals.misses);
      },
    });
    new Gauge({
      name: 'foundry_open_subscriptions',
      help: 'Subscriptions open now.',
      registers,
      collect() {
        this.set(openSubscriptions());
      },
    });
    // Every worker reads the same database: the cluster keeps one reading, not their sum.
    if (database.engine === 'postgres') {
      const store = database.store;
      new Gauge({
        name: 'foundry_database_size_bytes',
        help: "Size of the gateway's tables in PostgreSQL: their rows, indexes and TOAST in the gateway's schema.",
        aggregator: 'max',
        registers,
        async collect() {
          // A database that does not answer leaves the last reading (the scrape still answers).
          const size = await schemaSize(store).catch(() => null);
          if (size !== null) this.set(size);
        },
      });
      // PostgreSQL's write-ahead log belongs to the whole server (and needs pg_monitor to read): no WAL gauge here.
      return;
    }
    const path = database.path;
    new Gauge({
      name: 'foundry_database_size_bytes',
      help: 'Size of the SQLite database file.',
      aggregator: 'max',
      registers,
      collect() {
        this.set(fileSize(path));
      },
    });
    new Gauge({
      name: 'foundry_database_wal_size_bytes',
      help: 'Size of the SQLite write-ahead log file.',
      aggregator: 'max',
      registers,
      collect() {
        this.set(fileSize(`${path}-wal`));
      },
    });
  }

  observeRequest({ operation, outcome, seconds, statements, errorCodes }: RequestObservation): void {
    const series = this.seriesOf(operation, outcome);
    series.requests.inc();
    series.duration.observe(seconds);
    this.statements.observe(statements);
    if (errorCodes) for (const code of errorCodes) if (REFUSALS.has(code)) this.refusals.inc({ code });
  }

  /** This process's metrics in Prometheus text format, with their content type. */
  readonly scrape = async (): Promise<{ contentType: string; text: string }> => ({
    contentType: this.registry.contentType,
    text: await this.registry.metrics(),
  });

  /** The label children of one (operation, outcome) pair, kept so that a request does not hash its labels twice. */
  private seriesOf(operation: string, outcome: string): RequestSeries {
    let label = operation;
    if (!this.operations.has(operation)) {
      if (this.operations.size < MAX_OPERATION_NAMES) this.operations.add(operation);
      else label = OTHER_OPERATIONS;
    }
    const key = `${label}\n${outcome}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { operation: label, outcome };
      series = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      this.series.set(key, series);
    }
    return series;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Bytes of the tables (with their indexes and TOAST) of the schema the gateway's statements run in. */
async function schemaSize(store: Reader): Promise<number> {
  const row = await store.get<{ bytes: number | string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'm')`,
  );
  return Number(row?.bytes ?? 0);
}
