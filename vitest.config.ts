import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Tests of what only the SQLite engine has (its file, WAL checkpoints, query plans, backup and restore of the file,
 * the file lock of several processes), and the PostgreSQL tests that pick their engine themselves: the `sqlite`
 * project runs them, the `postgres` project leaves them out.
 */
const ENGINE_SPECIFIC = [
  'test/checkpoints.test.ts',
  'test/crash.test.ts',
  'test/plans.test.ts',
  'test/restore.test.ts',
  'test/storeSchemaChange.test.ts',
  'test/writeIsolation.test.ts',
  'test/groupCommit.test.ts',
  'test/postgresSchema.test.ts',
  'test/postgresRls.test.ts',
  'test/deploymentPostgres.test.ts',
  'test/postgresGateway.test.ts',
  'test/postgresMigrations.test.ts',
  'test/migrateCommand.test.ts',
];

/**
 * The whole suite runs on SQLite, and again on PostgreSQL when a server is given (TEST_DATABASE_URL) or under CI,
 * where a missing server fails the run instead of skipping it (test/helpers/postgres.ts). TEST_ENGINES=sqlite
 * leaves PostgreSQL out (.ci/run's second Node line, which the pure-JavaScript driver gains nothing from).
 */
const withPostgres = Boolean(process.env.TEST_DATABASE_URL || process.env.CI) && process.env.TEST_ENGINES !== 'sqlite';

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM (via "module") and CommonJS (via "main"). Node, and
    // so Pothos and Yoga, load the CommonJS build; Vite would give our own
    // files the ESM one, and two graphql realms reject each other's types.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Two test files at a time even on two cores (vitest's default would be one): much of a file's time is spent
    // waiting on PostgreSQL, on gateway processes it started and on bcrypt, not on its own CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'sqlite' } },
      ...(withPostgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                env: { TEST_ENGINE: 'postgres' },
                exclude: [...configDefaults.exclude, ...ENGINE_SPECIFIC],
              },
            },
          ]
        : []),
    ],
  },
});
