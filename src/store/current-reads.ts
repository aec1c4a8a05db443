import type { Filter } from 'mongodb';
import type { Condition } from './condition';
import { matchesCondition } from './condition-eval';
import { InteractionReads } from './interaction-reads';
import { allOf, toMongoFilter } from './mongo-filter';
import { fromPersisted, type PersistedResource } from './persisted-form';
import type { StoreCollections } from './store-collections';
import type { StoredResource } from './stored-resource';

/**
 * Reads of current documents: by id for a caller (held to its access condition), and the unscoped
 * reads of facts (`readFacts`, `readFactById`) that the policy and the write rules rest on, never a response.
 */
export class CurrentReads {
  constructor(private readonly collections: StoreCollections) {}

  /**
   * The current document, deleted or not, if it satisfies `scope`. Fetched by a lone `{_id}` (an
   * index hit everywhere, and the only filter FerretDB's SQLite backend does not scan for), then
   * held to the same condition a search would apply.
   */
  async readCurrent(type: string, id: string, scope: Condition): Promise<StoredResource | undefined> {
    if ('never' in scope) return undefined;
    const found = await this.collections.findById(type, id);
    const doc = found ? fromPersisted(found) : undefined;
    return doc && matchesCondition(scope, doc) ? doc : undefined;
  }

  async readMany(type: string, ids: string[], scope: Condition): Promise<StoredResource[]> {
    if (!ids.length || 'never' in scope) return [];
    const filter = allOf(ids.length === 1 ? { _id: ids[0] } : { _id: { $in: ids } }, toMongoFilter(scope), { del: false }) as Filter<PersistedResource>;
    return (await this.collections.current(type).find(filter).toArray()).map(fromPersisted);
  }

  /**
   * Reads the facts an access decision rests on (links, consents, the caller's registry entry).
   * For the policy layer only: it is how a scope is computed, so it cannot itself be scoped.
   */
  async readFacts(type: string, where: Condition, limit = 10_000): Promise<StoredResource[]> {
    this.collections.faults.beforeFactsRead?.(type);
    const found = await this.collections
      .current(type)
      .find(allOf(toMongoFilter(where), { del: false }) as Filter<PersistedResource>)
      .limit(limit)
      .toArray();
    return found.map(fromPersisted);
  }

  /** Reads by id for one interaction, each document fetched once (interaction-reads.ts). */
  interactionReads(): InteractionReads {
    return new InteractionReads((type, id) => this.collections.findById(type, id));
  }

  /**
   * One current, not deleted document by id, for facts and registry look-ups (a lone `{_id}` read);
   * `withDeleted` also answers a deleted one, whose sidecar still names its patient.
   */
  async readFactById(type: string, id: string, withDeleted = false): Promise<StoredResource | undefined> {
    const found = await this.collections.findById(type, id);
    return found && (withDeleted || !found.del) ? fromPersisted(found) : undefined;
  }

  /** Every current, not deleted document satisfying `where`, one at a time (start-up maintenance). */
  async *scan(type: string, where: Condition): AsyncIterable<StoredResource> {
    for await (const found of this.collections.current(type).find(allOf(toMongoFilter(where), { del: false }) as Filter<PersistedResource>))
      yield fromPersisted(found);
  }
}
