// createAgent, updateAgent, deleteAgent, publishAgent.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isoNow } from '../../db/store';
import { builder } from '../../schema/builder';
import { Environment } from '../../schema/enums';
import { BadUserInputError, ConflictError } from '../../schema/errors';
import { DeletePayload } from '../../schema/payloads';
import { description, displayName, refuseNull, resourceName, semver, tag } from '../../schema/validation';
import { audited, diff, requireOnRow, requirePermission, visibleRowForWrite } from '../../schema/write';
import { DOMAINS, type DomainRow } from '../domains/repo';
import {
  AGENTS,
  type AgentRow,
  agentNameTaken,
  agentSnapshot,
  deleteAgentRow,
  insertAgent,
  publishAgentRow,
  recordAgentVersion,
  updateAgentRow,
} from './repo';
import { Agent, AgentStatus } from './types';

const FIELDS = ['name', 'displayName', 'description', 'version', 'status', 'environment', 'tags', 'config', 'publishedAt'] as const;
const view = agentSnapshot;

const tags = z
  .array(tag)
  .max(32, 'at most 32 tags')
  .refine((list) => new Set(list).size === list.length, 'tags must not repeat');

const CreateAgentInput = refuseNull(
  builder.inputType('CreateAgentInput', {
    fields: (t) => ({
      domainId: t.id({ required: true }),
      name: t.string({ required: true, description: 'Unique in the domain.', validate: resourceName }),
      displayName: t.string({ required: true, validate: displayName }),
      description: t.string({ validate: description }),
      version: t.string({ description: 'Semantic version; 0.1.0 when left out.', validate: semver }),
      status: t.field({ type: AgentStatus, defaultValue: 'draft' }),
      environment: t.field({ type: Environment, defaultValue: 'dev' }),
      tags: t.stringList({ validate: tags }),
      config: t.field({ type: 'JSONObject' }),
    }),
  }),
  ['status', 'environment'],
);

const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ validate: resourceName }),
    displayName: t.string({ validate: displayName }),
    description: t.string({ validate: description }),
    version: t.string({ description: "A new version keeps a snapshot in the agent's versions.", validate: semver }),
    status: t.field({ type: AgentStatus }),
    environment: t.field({ type: Environment }),
    tags: t.stringList({ validate: tags }),
    config: t.field({ type: 'JSONObject' }),
  }),
});

const AgentIdInput = builder.inputType('AgentIdInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const AgentPayload = builder.objectRef<{ agentId: string }>('AgentPayload').implement({
  fields: (t) => ({ agent: t.field({ type: Agent, nullable: true, resolve: (payload) => payload.agentId }) }),
});

builder.mutationFields((t) => ({
  createAgent: t.authField({
    type: AgentPayload,
    nullable: true,
    description: 'Creates an agent in a domain. Needs agent:create.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateAgentInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      const principal = context.principal;
      return await audited(context, 'agent.create', 'agent', async (context) => {
        const domain = await visibleRowForWrite<DomainRow>(context, DOMAINS, 'Domain', input.domainId, 'input.domainId');
        requirePermission(context, 'agent:create', domain.organization_id, null);
        if (await agentNameTaken(context.db, domain.id, input.name, null))
          throw new ConflictError('input.name: the domain has an agent of that name.');
        const row = await insertAgent(context.db, {
          id: randomUUID(),
          organizationId: domain.organization_id,
          domainId: domain.id,
          name: input.name,
          displayName: input.displayName,
          description: input.description ?? '',
          version: input.version ?? '0.1.0',
          status: input.status,
          environment: input.environment,
          tags: JSON.stringify(input.tags ?? []),
          config: JSON.stringify(input.config ?? {}),
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
          now: isoNow(),
        });
        return { organizationId: row.organization_id, resourceId: row.id, after: view(row), value: { agentId: row.id } };
      });
    },
  }),
  updateAgent: t.authField({
    type: AgentPayload,
    nullable: true,
    description: 'Changes an agent. Needs agent:update:org, or agent:update:self on an agent the caller created.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: UpdateAgentInput, required: true }) },
    resolve: async (_root, args, context) => {
      const { input } = args;
      return await audited(context, 'agent.update', 'agent', async (context) => {
        const before = await visibleRowForWrite<AgentRow>(context, AGENTS, 'Agent', input.id, 'input.id');
        requireOnRow(context, 'agent', before, 'agent:update');
        const name = input.name ?? before.name;
        if (await agentNameTaken(context.db, before.domain_id, name, before.id))
          throw new ConflictError('input.name: the domain has an agent of that name.');
        const now = isoNow();
        const after = await updateAgentRow(context.db, before.id, {
          name,
          displayName: input.displayName ?? before.display_name,
          description: input.description ?? before.description,
          version: input.version ?? before.version,
          status: input.status ?? before.status,
          environment: input.environment ?? before.environment,
          tags: input.tags ? JSON.stringify(input.tags) : before.tags,
          config: input.config ? JSON.stringify(input.config) : before.config,
          now,
        });
        if (after.version !== before.version) await recordAgentVersion(context.db, after, context.principal.userId, now);
        return {
          organizationId: before.organization_id,
          resourceId: before.id,
          ...diff(view(before), view(after), FIELDS),
          value: { agentId: before.id },
        };
      });
    },
  }),
  deleteAgent: t.authField({
    type: DeletePayload,
    nullable: true,
    description: 'Deletes an agent with its sessions and versions. Needs agent:delete:org, or agent:delete:self on its own.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: AgentIdInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'agent.delete', 'agent', async (context) => {
        const before = await visibleRowForWrite<AgentRow>(context, AGENTS, 'Agent', args.input.id, 'input.id');
        requireOnRow(context, 'agent', before, 'agent:delete');
        await deleteAgentRow(context.db, before.id);
        return { organizationId: before.organization_id, resourceId: before.id, before: view(before), value: { deletedId: args.input.id } };
      }),
  }),
  publishAgent: t.authField({
    type: AgentPayload,
    nullable: true,
    description: 'Publishes an agent: sets publishedAt, makes a draft ACTIVE and keeps a snapshot of its version. Needs agent:publish.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: AgentIdInput, required: true }) },
    resolve: async (_root, args, context) =>
      await audited(context, 'agent.publish', 'agent', async (context) => {
        const before = await visibleRowForWrite<AgentRow>(context, AGENTS, 'Agent', args.input.id, 'input.id');
        requirePermission(context, 'agent:publish', before.organization_id, before.id);
        if (before.status === 'archived') throw new BadUserInputError('input.id: an ARCHIVED agent cannot be published.', 'input.id');
        const now = isoNow();
        const after = await publishAgentRow(context.db, before.id, now);
        await recordAgentVersion(context.db, after, context.principal.userId, now);
        return {
          organizationId: before.organization_id,
          resourceId: before.id,
          ...diff(view(before), view(after), FIELDS),
          value: { agentId: before.id },
        };
      }),
  }),
}));
