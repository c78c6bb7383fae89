// The Agent and AgentVersion types, the root agents list, and the agents of organizations and domains.
import { canSee } from '../../auth/policy';
import { LOADER_OPTIONS } from '../../schema/batchSchedule';
import { builder } from '../../schema/builder';
import { type Context, readerOf } from '../../schema/context';
import { Environment } from '../../schema/enums';
import { type FilteredListArgs, listPage, listPagesPerParent, orderInput, type SelectionInfo, visibleByIds } from '../../schema/lists';
import { Domain } from '../domains/types';
import { Organization } from '../organizations/types';
import { User } from '../users/types';
import { AGENT_VERSIONS, AGENTS, type AgentFilter, type AgentRow, type AgentVersionRow, agentFilter } from './repo';

export const AgentStatus = builder.enumType('AgentStatus', {
  values: {
    DRAFT: { value: 'draft' },
    ACTIVE: { value: 'active' },
    INACTIVE: { value: 'inactive' },
    ARCHIVED: { value: 'archived' },
  } as const,
});

export const Agent = builder.loadableNode('Agent', {
  loaderOptions: LOADER_OPTIONS,
  description: 'An AI agent of an organization, built in one of its domains.',
  id: { resolve: (agent: AgentRow) => agent.id },
  load: async (ids: string[], context) => await visibleByIds<AgentRow>(context, readerOf(context), AGENTS, ids),
  sort: (agent) => agent.id,
  readableBy: (agent, context) => canSee(context.principal, 'agent', agent),
  fields: (t) => ({
    name: t.exposeString('name'),
    displayName: t.exposeString('display_name'),
    description: t.exposeString('description'),
    version: t.exposeString('version'),
    status: t.expose('status', { type: AgentStatus }),
    environment: t.expose('environment', { type: Environment }),
    tags: t.stringList({ resolve: (agent) => JSON.parse(agent.tags) as string[] }),
    config: t.field({ type: 'JSONObject', resolve: (agent) => JSON.parse(agent.config) as Record<string, unknown> }),
    isSystemAgent: t.boolean({ resolve: (agent) => agent.is_system_agent === 1 }),
    publishedAt: t.expose('published_at', { type: 'DateTime', nullable: true }),
    organization: t.field({ type: Organization, nullable: true, resolve: (agent) => agent.organization_id }),
    domain: t.field({ type: Domain, nullable: true, resolve: (agent) => agent.domain_id }),
    createdBy: t.field({
      type: User,
      nullable: true,
      description: 'The user who created the agent; null when created by a key without a user, or not visible.',
      resolve: (agent) => agent.created_by_user_id,
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const AgentVersion = builder.loadableNode('AgentVersion', {
  loaderOptions: LOADER_OPTIONS,
  description: 'A published snapshot of an agent.',
  id: { resolve: (version: AgentVersionRow) => version.id },
  load: async (ids: string[], context) => await visibleByIds<AgentVersionRow>(context, readerOf(context), AGENT_VERSIONS, ids),
  sort: (version) => version.id,
  readableBy: (version, context) => canSee(context.principal, 'agentVersion', version),
  fields: (t) => ({
    version: t.exposeString('version'),
    snapshot: t.field({ type: 'JSONObject', resolve: (version) => JSON.parse(version.snapshot) as Record<string, unknown> }),
    agent: t.field({ type: Agent, nullable: true, resolve: (version) => version.agent_id }),
    createdBy: t.field({ type: User, nullable: true, resolve: (version) => version.created_by_user_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

export const AgentConnection = builder.connectionObject({ type: Agent, name: 'AgentConnection' });
export const AgentVersionConnection = builder.connectionObject({ type: AgentVersion, name: 'AgentVersionConnection' });
export const AgentOrder = orderInput('Agent', AGENTS.orderFields);
export const AgentVersionOrder = orderInput('AgentVersion', AGENT_VERSIONS.orderFields);

export const AgentFilterInput = builder.inputType('AgentFilter', {
  fields: (t) => ({
    status: t.field({ type: AgentStatus }),
    environment: t.field({ type: Environment }),
    tag: t.string({ description: 'Agents carrying this tag.' }),
    domainId: t.id({ description: 'Agents of this domain (its global id).' }),
    createdById: t.id({ description: 'Agents created by this user (its global id).' }),
    search: t.string({ description: 'Words to find in the name, display name or description (each word as a prefix).' }),
  }),
});

const agentsOf = (parentColumn: 'organization_id' | 'domain_id') => ({
  type: AgentConnection,
  byPath: true as const,
  description: 'The agents the principal may see.',
  load: async (ids: string[], context: Context, args: FilteredListArgs<AgentFilter>, info: SelectionInfo) =>
    listPagesPerParent<AgentRow>(
      context,
      readerOf(context),
      AGENTS,
      parentColumn,
      ids,
      args,
      agentFilter(args.filter, context.db.engine),
      info,
    ),
});

builder.objectFields(Organization, (t) => ({
  agents: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...agentsOf('organization_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: AgentOrder }), filter: t.arg({ type: AgentFilterInput }) },
    resolve: (organization) => organization.id,
  }),
}));

builder.objectFields(Domain, (t) => ({
  agents: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    ...agentsOf('domain_id'),
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: AgentOrder }), filter: t.arg({ type: AgentFilterInput }) },
    resolve: (domain) => domain.id,
  }),
}));

builder.objectFields(Agent, (t) => ({
  versions: t.loadable({
    loaderOptions: LOADER_OPTIONS,
    type: AgentVersionConnection,
    byPath: true,
    description: 'The published versions of the agent, newest first.',
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: AgentVersionOrder }) },
    resolve: (agent) => agent.id,
    load: async (ids: string[], context, args) =>
      listPagesPerParent<AgentVersionRow>(context, readerOf(context), AGENT_VERSIONS, 'agent_id', ids, args),
  }),
}));

builder.queryFields((t) => ({
  agents: t.authField({
    type: AgentConnection,
    description: 'The agents the principal may see, across its organizations.',
    authScopes: { authenticated: true },
    args: { ...t.arg.connectionArgs(), orderBy: t.arg({ type: AgentOrder }), filter: t.arg({ type: AgentFilterInput }) },
    resolve: async (_root, args, context, info) =>
      await listPage<AgentRow>(context, context.principal, AGENTS, args, agentFilter(args.filter, context.db.engine), info),
  }),
}));
