// `foundry init`: create or migrate the database and seed it.
import { databaseLabel } from '../config';
import { openForCli } from './shared';

export async function init(): Promise<void> {
  const { services, migration } = await openForCli();
  const applied = migration.applied.map((m) => `${m.version}_${m.name}`).join(', ');
  process.stdout.write(
    migration.created
      ? `created ${databaseLabel(services.config)} (schema ${applied}) and seeded it\n`
      : applied
        ? `migrated ${databaseLabel(services.config)}: ${applied}\n`
        : `${databaseLabel(services.config)} is up to date\n`,
  );
  await services.db.close();
}
