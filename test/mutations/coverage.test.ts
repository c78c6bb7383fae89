// The mutation tables together name every mutation of the schema (login and logout are tested in test/auth.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUTATIONS_BY_MODULE } from '../helpers/mutations';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('every mutation', () => {
  it('is in the table of its module, and the tables name every mutation of the schema but login and logout', async () => {
    const response = await server.gql<{ __type: { fields: { name: string }[] } }>('{ __type(name: "Mutation") { fields { name } } }');
    const names = (response.data?.__type.fields ?? []).map((field) => field.name).filter((name) => name !== 'login' && name !== 'logout');
    expect(Object.values(MUTATIONS_BY_MODULE).flat().sort()).toEqual(names.sort());
  });
});
