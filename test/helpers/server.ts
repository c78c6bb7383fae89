// Starts the real gateway on a temp SQLite file and speaks GraphQL over HTTP to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '../../src/bootstrap';
import { loadConfig } from '../../src/config';
import { SqliteStore } from '../../src/db/connection';
import { answerClientError } from '../../src/plugins/use-http-refusals';
import type { AppServices } from '../../src/schema/context';
import { createGraphQLHandler } from '../../src/server';
import { createGatewayDatabase, onPostgres } from './postgres';

export type GraphQLResponse<T = Record<string, unknown>> = {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
  extensions?: { sql?: { statements: number; ms: number } };
};

export type TestServer = {
  url: string;
  dir: string;
  databasePath: string;
  /** The environment the server's configuration was read from (loadConfig(env) opens the same database again). */
  env: Record<string, string>;
  /** On the postgres project, the gateway's DATABASE_URL (its own schema and role); null on SQLite. */
  databaseUrl: string | null;
  services: AppServices;
  firstApiKey: string;
  gql: <T = any>(query: string, variables?: Record<string, unknown>, token?: string | null) => Promise<GraphQLResponse<T>>;
  close: () => Promise<void>;
};

export type ServerOptions = {
  /** A schema of its own instead of the file (the key file stays in the directory); by default on the postgres project. */
  postgres?: boolean;
  /** The key to speak with, for a database made before (given by env's DATABASE_URL) that prints none. */
  apiKey?: string;
};

export async function startServer(env: Record<string, string> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'foundry-test-'));
  const databasePath = join(dir, 'foundry.db');
  const postgres = (options.postgres ?? onPostgres) ? await createGatewayDatabase() : null;
  const engineEnv: Record<string, string> = postgres ? { DATABASE_URL: postgres.databaseUrl } : {};
  const serverEnv = { DATABASE_PATH: databasePath, LOG_LEVEL: 'silent', FOUNDRY_SQL_STATS: '1', ...engineEnv, ...env };
  const config = loadConfig(serverEnv);
  const { services, firstApiKey: newKey } = await bootstrap(config);
  const firstApiKey: string | null = newKey ?? options.apiKey ?? null;
  if (!firstApiKey) throw new Error('a new database should print its first API key');
  services.webhooks.start();
  const handle = createGraphQLHandler(services);
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function gql<T>(query: string, variables: Record<string, unknown> = {}, token: string | null = firstApiKey) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: response.status, ...body };
  }

  return {
    url,
    dir,
    databasePath,
    env: serverEnv,
    databaseUrl: postgres?.databaseUrl ?? null,
    services,
    firstApiKey: firstApiKey as string,
    gql,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.webhooks.stop();
      await services.db.close();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The codes of a response's errors, in order. */
export function errorCodes(response: GraphQLResponse<unknown>): (string | undefined)[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

/** The server's store as SQLite, for the tests of what only SQLite has (pragmas, plans, checkpoints). */
export function sqliteOf(server: TestServer): SqliteStore {
  const db = server.services.db;
  if (!(db instanceof SqliteStore)) throw new Error('this test needs the SQLite engine');
  return db;
}
