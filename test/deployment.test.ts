// docker-compose.yml and the Dockerfile, checked by parsing (no Docker engine here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');

type Service = {
  build?: { context?: string; dockerfile?: string } | string;
  environment?: Record<string, string> | string[];
  volumes?: string[];
  healthcheck?: { test?: string[] | string };
};

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };

  it('has one gateway service built from the Dockerfile, ./data mounted, DATABASE_PATH set and a /health check', () => {
    expect(Object.keys(compose.services)).toEqual(['gateway']);
    const gateway = compose.services.gateway as Service;
    const build = typeof gateway.build === 'string' ? { context: gateway.build } : gateway.build;
    expect(build?.context).toBe('.');
    expect(build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');

    const environment = Array.isArray(gateway.environment)
      ? Object.fromEntries(gateway.environment.map((entry) => entry.split('=', 2)))
      : (gateway.environment ?? {});
    const databasePath = environment.DATABASE_PATH as string;
    expect(databasePath).toMatch(/\.db$/);

    const mount = (gateway.volumes ?? []).map((volume) => volume.split(':')).find(([source]) => source === './data');
    expect(mount).toBeDefined();
    expect(databasePath.startsWith(`${mount?.[1]}/`)).toBe(true);

    const test = gateway.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain('/health');
  });

  it('builds from a Dockerfile that serves the same paths', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    // A maintained LTS line in both stages (Node 20 reached its end of life in April 2026).
    expect(dockerfile).not.toMatch(/^FROM node:(?!24-)/m);
    expect(dockerfile.match(/^FROM node:24-bookworm-slim\b/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^EXPOSE 4000$/m);
    // The built server on plain node, no TypeScript loader.
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(dockerfile).not.toMatch(/^CMD .*tsx/m);
    for (const path of ['schema.sql', 'rbac.sql', 'seeds', 'migrations', 'dist']) expect(dockerfile).toContain(path);
  });
});
