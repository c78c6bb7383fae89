// Mutation payloads that several modules return.
import { builder } from './builder';

export const DeletePayload = builder.objectRef<{ deletedId: string }>('DeletePayload').implement({
  description: 'What a delete removed.',
  fields: (t) => ({ deletedId: t.id({ description: 'The global id of the removed object.', resolve: (payload) => payload.deletedId }) }),
});
