// docker-compose.yml's postgres profile (docker-compose.postgres.yml, included), checked by parsing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');
const read = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8'));

type Service = {
  profiles?: string[];
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  healthcheck?: { test?: string[] | string };
};

describe('the postgres profile of docker-compose.yml', () => {
  it('is included by docker-compose.yml', () => {
    expect(read('docker-compose.yml').include).toEqual(['docker-compose.postgres.yml']);
  });

  it('runs postgres:16 under the postgres profile only, on a named volume, with a pg_isready check', () => {
    const compose = read('docker-compose.postgres.yml') as { services: Record<string, Service>; volumes: Record<string, unknown> };
    const postgres = compose.services.postgres as Service;
    expect(postgres.profiles).toEqual(['postgres']);
    expect(postgres.image).toBe('postgres:16');
    const [volume, mount] = (postgres.volumes?.[0] ?? '').split(':');
    expect(Object.keys(compose.volumes)).toEqual([volume]);
    // The gateway's role is made on the first start by the script postgres/docker/ holds.
    const init = (postgres.volumes ?? [])
      .map((entry) => entry.split(':'))
      .find(([, target]) => target?.startsWith('/docker-entrypoint-initdb.d/'));
    expect(init?.[0]).toBe('./postgres/docker/create-gateway-role.sh');
    expect(readFileSync(join(ROOT, 'postgres/docker/create-gateway-role.sh'), 'utf8')).toMatch(/NOSUPERUSER NOBYPASSRLS/);
    expect(mount).toBe('/var/lib/postgresql/data');
    const test = postgres.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain('pg_isready');
  });

  it('runs the gateway on it, as the schema owner role that is no superuser, after the database is healthy', () => {
    const compose = read('docker-compose.postgres.yml') as { services: Record<string, Service> };
    const gateway = compose.services['gateway-postgres'] as Service;
    expect(gateway.profiles).toEqual(['postgres']);
    const build = typeof gateway.build === 'string' ? { context: gateway.build } : gateway.build;
    expect(build?.context).toBe('.');
    expect(gateway.depends_on?.postgres?.condition).toBe('service_healthy');
    const databaseUrl = new URL(gateway.environment?.DATABASE_URL ?? '');
    expect(databaseUrl.protocol).toBe('postgres:');
    expect(databaseUrl.username).toBe('foundry_gateway');
    expect(databaseUrl.host).toBe('postgres:5432');
    // The Dockerfile ships the PostgreSQL schema the gateway migrates with.
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^COPY postgres \.\/postgres$/m);
  });
});
