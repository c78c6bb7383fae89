// Writes the schema as SDL to schema.graphql (`npm run schema:print`), so
// that a change to the graph shows up in review; a test keeps the two equal.
import { writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { projectFile } from '../db/paths';
import { schema } from './index';

export function schemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  writeFileSync(projectFile('schema.graphql'), schemaSDL());
  process.stdout.write('wrote schema.graphql\n');
}
