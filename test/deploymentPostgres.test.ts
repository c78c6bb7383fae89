// docker-compose.yml's postgres profile (docker-compose.postgres.yml, included), checked by parsing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');
const read = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8'));

type Service = { profiles?: string[]; image?: string; volumes?: string[]; healthcheck?: { test?: string[] | string } };

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
    expect(mount).toBe('/var/lib/postgresql/data');
    const test = postgres.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain('pg_isready');
  });
});
