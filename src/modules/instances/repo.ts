// SQL for instances: the list spec and the filter the access policy's rows are narrowed by.
import { FilterBuilder } from '../../schema/filters';
import type { ListSpec, Narrowing } from '../../schema/lists';

export type InstanceRow = {
  id: string;
  organization_id: string;
  domain_id: string;
  environment: 'dev' | 'staging' | 'prod';
  name: string;
  status: 'provisioning' | 'running' | 'stopped' | 'failed';
  config: string;
  created_at: string;
  updated_at: string;
};

export const INSTANCES: ListSpec = {
  resource: 'instance',
  columns: 'i.*',
  orderFields: { NAME: 'i.name', CREATED_AT: 'i.created_at', UPDATED_AT: 'i.updated_at' },
  defaultOrder: { field: 'CREATED_AT', direction: 'ASC' },
};

export type InstanceFilter = { environment?: string | null; status?: string | null };

export function instanceFilter(filter: InstanceFilter | null | undefined): Narrowing {
  return new FilterBuilder('i')
    .add(filter?.environment, 'i.environment = :value')
    .add(filter?.status, 'i.status = :value')
    .build();
}
