// SQL for agents and their versions: list specs and the agents filter.
import { BadUserInputError } from '../../schema/errors';
import { FilterBuilder, ftsQuery } from '../../schema/filters';
import { idOf } from '../../schema/ids';
import type { ListSpec, Narrowing } from '../../schema/lists';

export type AgentRow = {
  id: string;
  organization_id: string;
  domain_id: string;
  name: string;
  display_name: string;
  description: string;
  version: string;
  status: 'draft' | 'active' | 'inactive' | 'archived';
  environment: 'dev' | 'staging' | 'prod';
  tags: string;
  config: string;
  is_system_agent: number;
  published_at: string | null;
  created_by_user_id: string | null;
  created_by_api_key_id: string | null;
  created_at: string;
  updated_at: string;
};

export const AGENTS: ListSpec = {
  resource: 'agent',
  columns: 'a.*',
  orderFields: {
    NAME: 'a.name',
    DISPLAY_NAME: 'a.display_name',
    CREATED_AT: 'a.created_at',
    UPDATED_AT: 'a.updated_at',
    PUBLISHED_AT: "coalesce(a.published_at, '')",
  },
  defaultOrder: { field: 'CREATED_AT', direction: 'ASC' },
};

export type AgentFilter = {
  status?: string | null;
  environment?: string | null;
  tag?: string | null;
  domainId?: string | null;
  createdById?: string | null;
  search?: string | null;
};

export function agentFilter(filter: AgentFilter | null | undefined): Narrowing {
  let search: string | null | undefined;
  if (filter?.search !== undefined && filter.search !== null) {
    search = ftsQuery(filter.search);
    if (search === null) throw new BadUserInputError('filter.search: give at least one word to search for.', 'filter.search');
  }
  return new FilterBuilder('a')
    .add(filter?.status, 'a.status = :value')
    .add(filter?.environment, 'a.environment = :value')
    .add(filter?.tag, 'EXISTS (SELECT 1 FROM json_each(a.tags) t WHERE t.value = :value)')
    .add(filter?.domainId ? idOf(filter.domainId, 'Domain', 'filter.domainId') : undefined, 'a.domain_id = :value')
    .add(filter?.createdById ? idOf(filter.createdById, 'User', 'filter.createdById') : undefined, 'a.created_by_user_id = :value')
    .add(search, 'a.rowid IN (SELECT rowid FROM agents_fts WHERE agents_fts MATCH :value)')
    .build();
}

export type AgentVersionRow = {
  id: string;
  agent_id: string;
  organization_id: string;
  version: string;
  snapshot: string;
  created_by_user_id: string | null;
  created_at: string;
  /** The agent's owner columns, for the object-level check (versions follow their agent). */
  parent_organization_id: string;
  parent_created_by_user_id: string | null;
  parent_created_by_api_key_id: string | null;
};

export const AGENT_VERSIONS: ListSpec = {
  resource: 'agentVersion',
  columns: `v.*,
    (SELECT organization_id FROM agents WHERE id = v.agent_id) AS parent_organization_id,
    (SELECT created_by_user_id FROM agents WHERE id = v.agent_id) AS parent_created_by_user_id,
    (SELECT created_by_api_key_id FROM agents WHERE id = v.agent_id) AS parent_created_by_api_key_id`,
  orderFields: { CREATED_AT: 'v.created_at' },
  defaultOrder: { field: 'CREATED_AT', direction: 'DESC' },
};
