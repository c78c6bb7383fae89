// sessionChanged: sessions of an organization (or of one agent) started, ended or terminated, as the subscriber may read them.
import { canSee } from '../../auth/policy';
import type { Payloads } from '../../events/bus';
import { delivered, deliveries } from '../../events/delivery';
import { builder } from '../../schema/builder';
import { idOf } from '../../schema/ids';
import { organizationForWrite } from '../../schema/write';
import { Session } from './types';

const SessionChange = builder.enumType('SessionChange', {
  values: {
    STARTED: { description: 'startSession' },
    ENDED: { description: 'endSession: COMPLETED or FAILED' },
    TERMINATED: { description: 'terminateSession' },
  } as const,
});

const SessionChangedPayload = builder.objectRef<Payloads['sessionChanged']>('SessionChangedPayload').implement({
  description: 'A session as it was committed by the change.',
  fields: (t) => ({
    change: t.field({ type: SessionChange, resolve: (payload) => payload.change }),
    session: t.field({ type: Session, resolve: (payload) => payload.session }),
  }),
});

builder.subscriptionFields((t) => ({
  sessionChanged: t.withAuth({ authenticated: true }).field({
    type: SessionChangedPayload,
    description:
      'Each session of the organization (of the agent, when agentId is given) started, ended or terminated, that the subscriber may read: session:read:org, or session:read:self for the sessions it started.',
    args: { organizationId: t.arg.id({ required: true }), agentId: t.arg.id() },
    subscribe: async (_root, args, context) => {
      const organizationId = await organizationForWrite(context, args.organizationId, 'organizationId');
      const agentId = args.agentId ? idOf(args.agentId, 'Agent', 'agentId') : null;
      return deliveries(
        context,
        'sessionChanged',
        organizationId,
        (principal, { session }) => (agentId === null || session.agent_id === agentId) && canSee(principal, 'session', session),
      );
    },
    resolve: (delivery, _args, context) => delivered(context, delivery),
  }),
}));
