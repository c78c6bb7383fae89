// Requests flow one way (HTTP → auth → schema → modules → db): the rooms that
// everything else builds on import nothing from the rooms built on them.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectFile } from '../src/db/paths';

/** The project folders a room's files import from (`../modules/…` → `modules`). */
function importedRooms(room: string): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const file of readdirSync(projectFile(`src/${room}`)).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(projectFile(`src/${room}/${file}`), 'utf8');
    const rooms = [...text.matchAll(/from '\.\.\/([^/']+)/g)].map((match) => match[1] as string);
    if (rooms.length > 0) byFile.set(file, rooms);
  }
  return byFile;
}

describe('the layers', () => {
  it('keeps src/auth on the database alone', () => {
    for (const [file, rooms] of importedRooms('auth'))
      expect(
        rooms.filter((room) => room !== 'db'),
        file,
      ).toEqual([]);
  });

  it('keeps src/db on itself', () => {
    for (const [file, rooms] of importedRooms('db')) expect(rooms, file).toEqual([]);
  });
});

/** Every .ts file under a folder of the project, by its path. */
function sources(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(projectFile(folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) for (const [inner, text] of sources(path)) files.set(inner, text);
    else if (entry.name.endsWith('.ts')) files.set(path, readFileSync(projectFile(path), 'utf8'));
  }
  return files;
}

describe('the one path that records LLM usage', () => {
  const src = sources('src');

  it('is insertUsageBatch: no other file of src writes llm_usage', () => {
    const writers = [...src].filter(([, text]) => /(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+llm_usage\b/i.test(text)).map(([path]) => path);
    expect(writers).toEqual(['src/modules/usage/repo.ts']);
  });

  it('is called by recordLlmUsage alone, once, after the quota lock and the budget check', () => {
    const callers = [...src].filter(([path, text]) => path !== 'src/modules/usage/repo.ts' && /\binsertUsageBatch\(/.test(text));
    expect(callers.map(([path]) => path)).toEqual(['src/modules/usage/mutations.ts']);
    const text = (callers[0] as [string, string])[1];
    // The recordLlmUsage field, up to the next mutation field.
    const start = text.indexOf('recordLlmUsage: t.');
    expect(start).toBeGreaterThan(0);
    const rest = text.slice(start + 1);
    const field = rest.slice(0, rest.search(/\n {2}\w+: t\./));
    expect(text.match(/\binsertUsageBatch\(/g)).toHaveLength(1);
    const calls = [...field.matchAll(/await (lockQuota|checkBudgets|insertUsageBatch)\(/g)].map((match) => match[1]);
    expect(calls).toEqual(['lockQuota', 'checkBudgets', 'insertUsageBatch']);
  });
});
