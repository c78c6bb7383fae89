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
