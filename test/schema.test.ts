// The committed schema.graphql is the schema the server serves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaSDL } from '../src/schema/print';

describe('schema.graphql', () => {
  it('equals the printed schema (run npm run schema:print after changing the graph)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(schemaSDL());
  });
});
