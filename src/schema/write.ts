// How every mutation writes: inside one BEGIN IMMEDIATE transaction with its
// audit entry (both land or neither does); a denied attempt is audited as
// DENIED in a transaction of its own. Input was validated before the resolver ran (schema/validation.ts).
// What a write changed goes to subscriptions only once its transaction has committed.
import type { OwnableAction, Permission } from '../auth/permissions';
import { ownsRow, type PolicyRow, type Resource } from '../auth/policy';
import type { Principal } from '../auth/principal';
import { isoNow } from '../db/store';
import type { BusEvent } from '../events/bus';
import { type AuditRow, appendAuditEntry, type NewAuditEntry } from '../modules/auditLog/repo';
import { organizationById, visibleOrganizationsByIds } from '../modules/organizations/repo';
import type { AuthenticatedReadingContext, Context, InTransaction } from './context';
import { ConflictError, ForbiddenError, NotFoundError } from './errors';
import { idOf } from './ids';
import { type ListSpec, visibleByIds } from './lists';

/** A refusal for lack of permission on a row the principal may see: audited as DENIED. */
export class DeniedError extends ForbiddenError {
  constructor(
    message: string,
    readonly organizationId: string | null,
    readonly resourceId: string | null,
  ) {
    super(message);
  }
}

export type Change<T> = {
  organizationId: string | null;
  resourceId: string | null;
  /** The changed fields as they were and as they are (never secrets). */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
  /** What subscriptions hear of the change, published after the commit (the audit entry's event is added). */
  events?: BusEvent[];
  value: T;
};

function actorOf(
  principal: Principal | null,
): Pick<NewAuditEntry, 'actorKind' | 'actorId' | 'actorName' | 'actorUserId' | 'actorApiKeyId'> {
  if (!principal) return { actorKind: 'anonymous', actorId: null, actorName: null, actorUserId: null, actorApiKeyId: null };
  return {
    actorKind: principal.kind === 'USER' ? 'user' : principal.kind === 'SERVICE' ? 'service' : 'api_key',
    actorId: principal.id,
    actorName: principal.name,
    actorUserId: principal.userId,
    actorApiKeyId: principal.apiKeyId,
  };
}

type AuditFacts = {
  action: string;
  resourceType: string;
  organizationId: string | null;
  resourceId: string | null;
  result: NewAuditEntry['result'];
  metadata: Record<string, unknown>;
};

export function auditEntryFor(context: Omit<Context, 'db'>, facts: AuditFacts): NewAuditEntry {
  return {
    ...actorOf(context.principal),
    organizationId: facts.organizationId,
    action: facts.action,
    resourceType: facts.resourceType,
    resourceId: facts.resourceId,
    result: facts.result,
    requestId: context.requestId,
    clientAddress: context.clientAddress,
    metadata: facts.metadata,
    createdAt: isoNow(),
  };
}

/** An audit entry's event; entries of the platform chain (no organization) have no subscribers. */
export function entryAdded(entry: AuditRow): BusEvent[] {
  return entry.organization_id === null ? [] : [{ topic: 'auditLogEntryAdded', organizationId: entry.organization_id, payload: { entry } }];
}

/** Publishes what a committed transaction changed (never from inside one: `audited` calls it after the commit). */
function publishCommitted(context: Context, events: readonly BusEvent[]): void {
  for (const event of events) context.events.publish(event);
}

/** Appends a DENIED entry on its own (the attempted change was rolled back). */
export async function auditDenied(context: Context, action: string, resourceType: string, error: DeniedError): Promise<void> {
  const entry = await context.db.transaction((tx) =>
    appendAuditEntry(
      tx,
      auditEntryFor(context, {
        action,
        resourceType,
        organizationId: error.organizationId,
        resourceId: error.resourceId,
        result: 'denied',
        metadata: { reason: error.message },
      }),
    ),
  );
  publishCommitted(context, entryAdded(entry));
}

/**
 * Runs `work` and appends its audit entry in one transaction. `work` checks
 * permissions (throwing DeniedError), writes, and says what changed. It gets
 * the context again with `db` as the transaction (a Tx): every statement it
 * runs, reads included, goes through the transaction, and sees its writes.
 * Bodies name that parameter `context` too, so the request's own store (the
 * read connection, blind to the open transaction) is out of their reach.
 */
export async function audited<T, C extends Context>(
  context: C,
  action: string,
  resourceType: string,
  work: (context: InTransaction<C>) => Promise<Change<T>>,
): Promise<T> {
  try {
    const { value, events } = await context.db.transaction(async (tx) => {
      const change = await work({ ...context, db: tx });
      const metadata: Record<string, unknown> = { ...change.metadata };
      if (change.before !== undefined) metadata.before = change.before;
      if (change.after !== undefined) metadata.after = change.after;
      const entry = await appendAuditEntry(
        tx,
        auditEntryFor(context, {
          action,
          resourceType,
          organizationId: change.organizationId,
          resourceId: change.resourceId,
          result: 'success',
          metadata,
        }),
      );
      return { value: change.value, events: [...(change.events ?? []), ...entryAdded(entry)] };
    });
    publishCommitted(context, events);
    return value;
  } catch (error) {
    if (error instanceof DeniedError) await auditDenied(context, action, resourceType, error);
    // A unique clash the checks above did not see (two writers at once) is still a CONFLICT, not a fault.
    if (isUniqueViolation(error)) throw new ConflictError(`${resourceType.replace('_', ' ')}: such a row exists already.`);
    throw error;
  }
}

/** A unique or primary key clash: SQLite's extended result codes, PostgreSQL's SQLSTATE unique_violation. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Throws DeniedError unless the principal holds one of the permissions in the organization. */
export function requirePermission(
  context: AuthenticatedReadingContext,
  permissions: Permission | readonly Permission[],
  organizationId: string | null,
  resourceId: string | null,
): void {
  const list = typeof permissions === 'string' ? [permissions] : permissions;
  const principal = context.principal;
  const held = list.some((permission) =>
    organizationId === null ? principal.grants.platform.has(permission) : principal.grants.holds(permission, organizationId),
  );
  if (!held) throw new DeniedError(`Not allowed: needs ${list.join(' or ')}.`, organizationId, resourceId);
}

/**
 * Throws DeniedError unless the principal holds `<action>:org` in the row's
 * organization, or `<action>:self` on a row the policy says is its own.
 */
export function requireOnRow(
  context: AuthenticatedReadingContext,
  resource: Exclude<Resource, 'user'>,
  row: PolicyRow & { id: string; organization_id: string | null },
  action: OwnableAction,
): void {
  const own = ownsRow(context.principal, resource, row);
  const orgWide = `${action}:org` as const;
  requirePermission(context, own ? [orgWide, `${action}:self`] : [orgWide], row.organization_id, row.id);
}

/** The visible row a global id names; NOT_FOUND when it is missing or invisible (the same thing to the caller). */
export async function visibleRowForWrite<Row>(
  context: AuthenticatedReadingContext,
  spec: ListSpec,
  typename: string,
  globalId: string,
  argument: string,
): Promise<Row> {
  const id = idOf(globalId, typename, argument);
  const [row] = await visibleByIds<Row>(context, context.principal, spec, [id]);
  if (!row) throw new NotFoundError(typename);
  return row;
}

/**
 * The organization a create names. It must exist and be one the principal
 * sees or holds some permission in; anything else is NOT_FOUND.
 */
export async function organizationForWrite(context: AuthenticatedReadingContext, globalId: string, argument: string): Promise<string> {
  const id = idOf(globalId, 'Organization', argument);
  const principal = context.principal;
  const known =
    principal.grants.platform.size > 0 ||
    principal.grants.byOrganization.has(id) ||
    (await visibleOrganizationsByIds(context.db, principal, [id])).length > 0;
  if (!known || !(await organizationById(context.db, id))) throw new NotFoundError('Organization');
  return id;
}

/** The fields whose values differ, as { before, after } (only those fields). */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>, fields: readonly string[]) {
  const changed = fields.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
  return {
    before: Object.fromEntries(changed.map((field) => [field, before[field]])),
    after: Object.fromEntries(changed.map((field) => [field, after[field]])),
  };
}
