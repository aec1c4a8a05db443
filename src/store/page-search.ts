import type { Document, Filter } from 'mongodb';
import type { Condition } from './condition';
import { afterFilter, mongoSort, withTieBreaker, type KeyValue, type SortKey } from './keyset';
import { allOf, toMongoFilter } from './mongo-filter';
import { fromPersisted, type PersistedResource } from './persisted-form';
import type { StoreCollections } from './store-collections';
import type { StoredResource } from './stored-resource';

export interface PageQuery {
  where: Condition;
  sort: SortKey[];
  limit: number;
  /** Key values of the row the page starts after (next) or ends before (previous). */
  after?: KeyValue[];
  before?: KeyValue[];
}

export interface Page {
  docs: StoredResource[];
  /** Whether more rows exist past the page in the direction read. */
  more: boolean;
  keys: SortKey[];
}

/**
 * Searches and counts of current documents. The caller's access condition arrives folded into
 * `where`, so one MongoDB filter decides the page, the count and the paging keys alike.
 */
export class PageSearch {
  constructor(private readonly collections: StoreCollections) {}

  async search(type: string, query: PageQuery): Promise<Page> {
    const keys = withTieBreaker(query.sort);
    // Nothing can match: FerretDB would still scan the collection for `{_id: {$in: []}}`.
    if ('never' in query.where) return { docs: [], more: false, keys };
    const reverse = !!query.before;
    // Criteria first: their equalities become the top-level keys an engine can push down.
    const parts: Filter<Document>[] = [toMongoFilter(query.where), { del: false }];
    if (query.after) parts.push(afterFilter(keys, query.after));
    if (query.before) parts.push(afterFilter(keys, query.before, true));
    const docs = await this.collections
      .current(type)
      .find(allOf(...parts) as Filter<PersistedResource>)
      .sort(mongoSort(keys, reverse))
      .limit(query.limit + 1)
      .toArray()
      .then((found) => found.map(fromPersisted));
    const more = docs.length > query.limit;
    const page = docs.slice(0, query.limit);
    return { docs: reverse ? page.reverse() : page, more, keys };
  }

  async count(type: string, where: Condition): Promise<number> {
    if ('never' in where) return 0;
    return this.collections.current(type).countDocuments(allOf(toMongoFilter(where), { del: false }) as Filter<PersistedResource>);
  }
}
