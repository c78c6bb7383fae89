// auditLogEntryAdded: an organization's new audit entries, each as the subscriber may read it.
import { canSee } from '../../auth/policy';
import { delivered, deliveries } from '../../events/delivery';
import { builder } from '../../schema/builder';
import { organizationForWrite } from '../../schema/write';
import { AuditLogEntry } from './types';

builder.subscriptionFields((t) => ({
  auditLogEntryAdded: t.withAuth({ authenticated: true }).field({
    type: AuditLogEntry,
    description:
      'Each audit entry of the organization (SUCCESS and DENIED) once its write has committed, that the subscriber may read: audit:read:org, or audit:read:self for its own actions.',
    args: { organizationId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, context) =>
      deliveries(
        context,
        'auditLogEntryAdded',
        await organizationForWrite(context, args.organizationId, 'organizationId'),
        (principal, { entry }) => canSee(principal, 'auditLogEntry', entry),
      ),
    resolve: (delivery, _args, context) => delivered(context, delivery).entry,
  }),
}));
