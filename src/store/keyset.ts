import type { Document, Filter, Sort } from 'mongodb';
import { storedPath, valueOfField } from './mongo-filter';
import type { StoredResource } from './stored-resource';

/** A sort key on a logical field (`id`, `lastUpdated`, `sort.<code>`). */
export interface SortKey {
  field: string;
  descending: boolean;
}

export type KeyValue = string | number | Date | null;

/** The sort keys with `id` appended as the final tie-breaker, so every row has a unique position. */
export function withTieBreaker(sort: SortKey[]): SortKey[] {
  return sort.some((k) => k.field === 'id') ? sort : [...sort, { field: 'id', descending: false }];
}

export function mongoSort(keys: SortKey[], reverse = false): Sort {
  const sort: Record<string, 1 | -1> = {};
  for (const k of keys) {
    sort[storedPath(k.field)] = k.descending !== reverse ? -1 : 1;
  }
  return sort;
}

/** The key values of one row, as carried in a paging cursor. */
export function keyValuesOf(doc: StoredResource, keys: SortKey[]): KeyValue[] {
  return keys.map((k) => (valueOfField(doc, k.field) ?? null) as KeyValue);
}

/**
 * Rows strictly after `values` in the order `keys` (keyset paging): stable under concurrent inserts
 * and deletes, unlike offsets. Missing values sort first ascending and last descending, as in MongoDB.
 */
export function afterFilter(keys: SortKey[], values: KeyValue[], reverse = false): Filter<Document> {
  const branches: Filter<Document>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const equalPrefix = keys.slice(0, i).map((k, j) => ({ [storedPath(k.field)]: values[j] }));
    const after = afterOne(storedPath(keys[i].field), values[i], keys[i].descending !== reverse);
    if (after) {
      branches.push({ $and: [...equalPrefix, after] });
    }
  }
  return branches.length ? { $or: branches } : { _id: { $in: [] } };
}

function afterOne(path: string, value: KeyValue, descending: boolean): Filter<Document> | undefined {
  if (!descending) {
    return value === null ? { [path]: { $ne: null } } : { [path]: { $gt: value } };
  }
  return value === null ? undefined : { $or: [{ [path]: { $lt: value } }, { [path]: null }] };
}
