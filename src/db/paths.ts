// Where the files that ship beside the code live (schema, migrations, seeds).
import { fileURLToPath } from 'node:url';

export function projectFile(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}
