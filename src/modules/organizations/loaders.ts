// Per-request batched loads of organizations (only the visible ones come back).
import { type Context, readerOf } from '../../schema/context';
import { type OrganizationRow, visibleOrganizationsByIds } from './repo';

export async function loadOrganizations(ids: readonly string[], context: Context): Promise<OrganizationRow[]> {
  return await visibleOrganizationsByIds(context.db, readerOf(context), ids);
}
