// The `sql` fragments: text and values built together, nested, joined,
// identifiers from the fixed list only, compiled per engine.
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/db/connection';
import { COLUMNS, type Identifier, identifier, TABLES } from '../src/db/identifiers';
import { fetchPage, type Sort } from '../src/db/keyset';
import { migrate } from '../src/db/migrate';
import { toPositional } from '../src/db/postgres/store';
import { compile, POSTGRES, sql } from '../src/db/sql';

describe('a fragment', () => {
  it('keeps its values out of the text, in order', () => {
    expect(compile(sql`SELECT * FROM agents a WHERE a.name = ${"x' OR 1"} AND a.status = ${'active'}`)).toEqual({
      text: 'SELECT * FROM agents a WHERE a.name = ? AND a.status = ?',
      values: ["x' OR 1", 'active'],
    });
  });

  it('inlines a nested fragment with its values where it stands', () => {
    const inner = sql`a.organization_id = ${'quant'} OR a.created_by_user_id = ${'u-1'}`;
    const outer = sql`SELECT ${7} AS n WHERE (${inner}) AND a.status = ${null} LIMIT ${10n}`;
    expect(compile(outer)).toEqual({
      text: 'SELECT ? AS n WHERE (a.organization_id = ? OR a.created_by_user_id = ?) AND a.status = ? LIMIT ?',
      values: [7, 'quant', 'u-1', null, 10n],
    });
  });

  it('has the same text for the same shape whatever its values', () => {
    const page = (org: string, limit: number) => sql`SELECT * FROM agents a WHERE a.organization_id = ${org} LIMIT ${limit}`;
    expect(compile(page('quant', 3)).text).toBe(compile(page('cibc', 50)).text);
  });

  it('compiles to numbered placeholders for PostgreSQL', () => {
    const fragment = sql`SELECT * FROM agents a WHERE a.id IN (${sql.join(['a', 'b', 'c'])}) AND ${sql`a.status = ${'active'}`}`;
    expect(compile(fragment, POSTGRES)).toEqual({
      text: 'SELECT * FROM agents a WHERE a.id IN ($1, $2, $3) AND a.status = $4',
      values: ['a', 'b', 'c', 'active'],
    });
  });

  it('refuses undefined, and placeholders written in its own text', () => {
    expect(() => sql`a.id = ${undefined as unknown as string}`).toThrow(/undefined/);
    expect(() => sql`a.id = ?`).toThrow(/placeholder/);
    expect(() => sql`a.id = :id`).toThrow(/placeholder/);
    expect(() => sql`a.id = $1`).toThrow(/placeholder/);
    expect(() => sql`CAST(a.day AS TEXT) || 'T00:00:00'`).not.toThrow();
  });
});

describe("each engine's words", () => {
  it('renders SQLite and PostgreSQL spellings of the same fragment', () => {
    const fragment = sql`SELECT ${sql.word('integerTextOpen')}sum(cost)${sql.word('integerTextClose')} FROM t
      WHERE id IN (SELECT value FROM ${sql.word('jsonValues')}(${'["a"]'})) AND org ${sql.word('isSame')} ${null} AND kind ${sql.word('isDifferent')} ${'x'} AND note IS NULL`;
    expect(compile(fragment).text).toBe(`SELECT printf('%d', sum(cost)) FROM t
      WHERE id IN (SELECT value FROM json_each(?)) AND org IS ? AND kind IS NOT ? AND note IS NULL`);
    expect(compile(fragment, POSTGRES).text).toBe(`SELECT (sum(cost))::text FROM t
      WHERE id IN (SELECT value FROM json_array_elements_text($1)) AND org IS NOT DISTINCT FROM $2 AND kind IS DISTINCT FROM $3 AND note IS NULL`);
  });

  it('gives hand-written text numbered placeholders, named ones by name', () => {
    expect(toPositional("SELECT ':no', a::text FROM t WHERE id = :id AND b = :b AND c = :id -- :comment")).toEqual({
      text: "SELECT ':no', a::text FROM t WHERE id = $1 AND b = $2 AND c = $1 -- :comment",
      names: ['id', 'b'],
    });
    expect(toPositional('INSERT INTO t VALUES (?, ?)')).toEqual({ text: 'INSERT INTO t VALUES ($1, $2)', names: null });
  });
});

describe('sql.join', () => {
  it('joins fragments and values with a separator, and nothing into an empty fragment', () => {
    const conditions = [sql`a.status = ${'active'}`, sql`a.environment = ${'dev'}`, sql`a.is_system_agent = 0`];
    expect(compile(sql`WHERE ${sql.join(conditions, sql` AND `)}`)).toEqual({
      text: 'WHERE a.status = ? AND a.environment = ? AND a.is_system_agent = 0',
      values: ['active', 'dev'],
    });
    expect(compile(sql.join([1, 2, sql`3`]))).toEqual({ text: '?, ?, 3', values: [1, 2] });
    expect(compile(sql.join([], sql` OR `))).toEqual({ text: '', values: [] });
  });
});

describe('sql.ident', () => {
  it('interpolates known tables, columns and aliases, dotted', () => {
    expect(compile(sql`SELECT ${sql.ident('a', 'id')} FROM ${sql.ident('agents')} ${sql.ident('a')}`).text).toBe(
      'SELECT a.id FROM agents a',
    );
    expect(sql.ident('a', 'id')).toBe(sql.ident('a', 'id'));
  });

  it('refuses any other name', () => {
    expect(() => identifier('agents; DROP TABLE agents')).toThrow(/not a known SQL identifier/);
    expect(() => identifier('password_hash')).toThrow(/not a known SQL identifier/);
    // A cast gets past the type, not past the list.
    expect(() => sql.ident('a', 'password_hash' as Identifier)).toThrow(/not a known identifier/);
  });

  it('lists only tables and columns the schema has', async () => {
    const db = new SqliteStore(':memory:');
    await migrate(db);
    const tables = new Set((await db.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'")).map((row) => row.name));
    expect(TABLES.filter((table) => !tables.has(table))).toEqual([]);
    const columns = new Set(['rowid']);
    for (const table of tables)
      for (const row of await db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table])) columns.add(row.name);
    expect(COLUMNS.filter((column) => !columns.has(column))).toEqual([]);
    await db.close();
  });
});

describe('a Database', () => {
  it('runs a fragment as a prepared statement with its values bound', async () => {
    const db = new SqliteStore(':memory:');
    const twice = async (n: number) => (await db.get<{ n: number }>(sql`SELECT ${n} * 2 AS n`))?.n;
    expect([await twice(2), await twice(21)]).toEqual([4, 42]);
    await db.close();
  });

  it('prepares one statement for every page of the same shape, whatever its values', async () => {
    const db = new SqliteStore(':memory:');
    await migrate(db);
    const texts = new Set<string>();
    db.observer = (text) => texts.add(text);
    const sort: Sort = { key: 'slug:ASC', expression: sql`o.slug`, idExpression: sql`o.id`, direction: 'ASC' };
    const query = (organizations: string[]) => ({
      columns: sql`o.*`,
      from: sql`organizations o`,
      where: [sql`o.tier = ${'pro'}`],
      arms: organizations.map((id) => sql`o.id = ${id}`),
    });
    await fetchPage(db, query(['quant', 'cibc']), sort, { limit: 5, backward: false, from: { value: 'a', id: 'b' } });
    await fetchPage(db, query(['x', 'y']), sort, { limit: 50, backward: false, from: { value: 'c', id: 'd' } });
    expect(texts.size).toBe(1);
    await fetchPage(db, query(['x', 'y', 'z']), sort, { limit: 50, backward: false, from: null });
    expect(texts.size).toBe(2);
    await db.close();
  });
});
