// Where the files that ship beside the code live (schema, migrations, seeds): the project root, found by walking up
// from this module, which sits in src/db when run from source and in dist/ when run from the build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'schema.sql'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('schema.sql not found above the gateway code');
    dir = parent;
  }
  return dir;
}

const ROOT = findRoot();

export function projectFile(relative: string): string {
  return join(ROOT, relative);
}
