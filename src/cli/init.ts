// `foundry init`: create or migrate the database and seed it.
import { openForCli } from './shared';

export async function init(): Promise<void> {
  const { services, migration } = await openForCli();
  const applied = migration.applied.map((m) => `${m.version}_${m.name}`).join(', ');
  process.stdout.write(
    migration.created
      ? `created ${services.config.databasePath} (schema ${applied}) and seeded it\n`
      : applied
        ? `migrated ${services.config.databasePath}: ${applied}\n`
        : `${services.config.databasePath} is up to date\n`,
  );
  await services.db.close();
}
