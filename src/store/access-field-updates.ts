import type { Filter } from 'mongodb';
import { eachBounded } from './document-locks';
import { accessField, accessUpdate, type PersistedResource } from './persisted-form';
import type { StoreCollections } from './store-collections';
import type { AccessFields } from './stored-resource';

/** A resync's per-document updates in flight at once: one fact change does not take every connection. */
const RESYNC_WRITES_AT_ONCE = 8;

/**
 * Updates of the access sidecar alone, the resource left as written: fact changes (a consent, a
 * restriction, a link) resync the documents they govern, and a write settles its own fact windows.
 */
export class AccessFieldUpdates {
  constructor(private readonly collections: StoreCollections) {}

  /**
   * Sets access-sidecar fields on every resource whose sidecar field `key` equals `value` (fact
   * changes); `onlyIf` adds sidecar equalities that must still hold (a compare-and-set). Answers
   * how many resources matched.
   */
  async setAccessFields(type: string, key: keyof AccessFields, value: string, fields: AccessFields, onlyIf: AccessFields = {}): Promise<number> {
    this.collections.writing();
    // Not one updateMany: its blind writes could put back a document another writer just replaced
    // (document-locks.ts). The matching ids are found first, then each is updated under its lock
    // with the same filter (the indexed field leading) plus its `_id`, so one that stopped matching
    // in between is left alone.
    const filter = { [accessField(key)]: value, ...accessEqualities(onlyIf) };
    const found = await this.collections
      .current(type)
      .find(filter as Filter<PersistedResource>, { projection: { _id: 1 } })
      .toArray();
    const update = { $set: accessUpdate(fields) };
    const matched = await eachBounded(found, RESYNC_WRITES_AT_ONCE, ({ _id }) =>
      this.collections.locked(type, _id, () => this.collections.current(type).updateOne({ ...filter, _id } as Filter<PersistedResource>, update))
    );
    return matched.reduce((sum, result) => sum + result.matchedCount, 0);
  }

  /**
   * Sets access-sidecar fields of one resource by id (a lone `{_id}` update, or a compare-and-set
   * with `onlyIf`). Answers whether it matched.
   */
  async setAccessFieldsById(type: string, id: string, fields: AccessFields, onlyIf: AccessFields = {}): Promise<boolean> {
    this.collections.writing();
    this.collections.faults.beforeAccessFieldsSetById?.(type, id);
    const result = await this.collections.locked(type, id, () =>
      this.collections.current(type).updateOne({ _id: id, ...accessEqualities(onlyIf) } as Filter<PersistedResource>, { $set: accessUpdate(fields) })
    );
    return result.matchedCount === 1;
  }

  /**
   * Sets access fields of one version's history entry: a write that stored its fact windows closed
   * gives its version the windows it opened (history keeps the fields a version was written with).
   */
  async setHistoryAccessFields(type: string, id: string, version: number, fields: AccessFields): Promise<void> {
    this.collections.writing();
    const set = Object.fromEntries(Object.entries(fields).map(([name, value]) => [`a.${name}`, value]));
    await this.collections.history.updateOne({ _id: `${type}/${id}/${version}` }, { $set: set });
  }
}

function accessEqualities(onlyIf: AccessFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(onlyIf).map(([name, value]) => [accessField(name), value]));
}
