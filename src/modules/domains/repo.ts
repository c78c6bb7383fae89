// SQL for domains: the list spec the access policy filters.
import type { ListSpec } from '../../schema/lists';

export type DomainRow = {
  id: string;
  organization_id: string;
  name: string;
  display_name: string;
  description: string | null;
  version: string;
  created_at: string;
  updated_at: string;
};

export const DOMAINS: ListSpec = {
  resource: 'domain',
  columns: 'd.*',
  orderFields: { NAME: 'd.name', CREATED_AT: 'd.created_at', UPDATED_AT: 'd.updated_at' },
  defaultOrder: { field: 'NAME', direction: 'ASC' },
};
