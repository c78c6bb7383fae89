// Seeds a database: the catalogue always, the sample tenants when asked. Idempotent.
import type { Store } from '../src/db/store';
import type { SecretBox } from '../src/secrets/box';
import { seedCatalogue } from './catalogue';
import { seedSampleActivity } from './sample-activity';
import { seedSampleData } from './sample-data';

export async function seed(db: Store, options: { sampleData: boolean; secretBox: SecretBox }): Promise<void> {
  await seedCatalogue(db);
  if (options.sampleData) {
    await seedSampleData(db);
    await seedSampleActivity(db, options.secretBox);
  }
}
