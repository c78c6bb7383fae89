// Per-request DataLoaders that are not tied to one object type (counts per
// parent, lookups by a secondary key). Created on first use, one per key.
import DataLoader from 'dataloader';
import { LOADER_OPTIONS } from './batchSchedule';

export class RequestLoaders {
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();

  /** The request's loader for `key` (same key, same loader, so loads batch together). */
  get<V>(key: string, batch: (keys: readonly string[]) => Promise<readonly V[]> | readonly V[]): DataLoader<string, V> {
    let loader = this.loaders.get(key) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = new DataLoader<string, V>(async (keys) => batch(keys), LOADER_OPTIONS);
      this.loaders.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }
}
