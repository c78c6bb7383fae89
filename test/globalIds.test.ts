// Node ids are encoded in the resolver's own call (src/schema/globalIds.ts): the same text the relay plugin makes
// (base64 of `Type:id`), without a promise per object for graphql-jit to wait on.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index';

const nodeTypes = Object.values(schema.getTypeMap()).filter(
  (type): type is GraphQLObjectType => type instanceof GraphQLObjectType && type.getInterfaces().some((i) => i.name === 'Node'),
);

describe('node ids', () => {
  it('covers the node types', () => {
    expect(nodeTypes.map((type) => type.name)).toEqual(expect.arrayContaining(['Agent', 'Session', 'LlmUsageRecord', 'Organization']));
  });

  for (const type of nodeTypes.filter((t) => ['Agent', 'Session', 'LlmUsageRecord', 'Organization', 'Domain', 'User'].includes(t.name))) {
    it(`${type.name}.id is the relay global id of its row, returned at once`, () => {
      const resolve = type.getFields().id?.resolve;
      expect(resolve).toBeTypeOf('function');
      const info = { parentType: type, fieldName: 'id' } as unknown as GraphQLResolveInfo;
      const id = resolve?.({ id: 'row-1' }, {}, {}, info);
      expect(id).toBe(encodeGlobalID(type.name, 'row-1'));
    });
  }
});
