// Seeds a database: the catalogue always, the sample tenants when asked. Idempotent.
import type { Database } from '../src/db/connection';
import type { SecretBox } from '../src/secrets/box';
import { seedCatalogue } from './catalogue';
import { seedSampleActivity } from './sample-activity';
import { seedSampleData } from './sample-data';

export function seed(db: Database, options: { sampleData: boolean; secretBox: SecretBox }): void {
  seedCatalogue(db);
  if (options.sampleData) {
    seedSampleData(db);
    seedSampleActivity(db, options.secretBox);
  }
}
