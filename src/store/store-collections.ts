import type { Collection, Db } from 'mongodb';
import { documentKey, withDocumentLock } from './document-locks';
import type { PersistedResource } from './persisted-form';
import type { SharedReads } from './shared-reads';
import type { StoreFaults } from './store-faults';
import type { HistoryEntry } from './stored-resource';
import { GUARD_COLLECTION, type WriteGuard } from './write-guards';

export const HISTORY_COLLECTION = 'History';

/**
 * The collections behind one view of the store (ResourceStore), and the two rules every part of the
 * store keeps with them: a lone `{_id}` read is shared within a request (shared-reads.ts), and any
 * write forgets what the request read before it. The reads, searches, history and writes of the
 * store are separate modules; this is the one thing they have in common.
 */
export class StoreCollections {
  constructor(
    readonly db: Db,
    readonly faults: StoreFaults,
    private readonly shared?: SharedReads
  ) {}

  /** A lone `{_id}` read of a current document (deleted or not), shared within a request. */
  findById(type: string, id: string): Promise<PersistedResource | null> {
    const load = () => this.current(type).findOne({ _id: id });
    return this.shared ? this.shared.read(`${type}/${id}`, load) : load();
  }

  /** A write of the request: what it read before may have changed. */
  writing(): void {
    this.shared?.forget();
  }

  /** A type's current documents, in the persisted form (persisted-form.ts): every read converts back. */
  current(type: string): Collection<PersistedResource> {
    return this.db.collection<PersistedResource>(type);
  }

  get guards(): Collection<WriteGuard> {
    return this.db.collection<WriteGuard>(GUARD_COLLECTION);
  }

  get history(): Collection<HistoryEntry> {
    return this.db.collection<HistoryEntry>(HISTORY_COLLECTION);
  }

  /**
   * Runs one write of the current document `type/id` as its only writer in this process
   * (document-locks.ts says why, and what it does not cover). Every write of a current document goes through here.
   */
  locked<T>(type: string, id: string, write: () => Promise<T>): Promise<T> {
    return withDocumentLock(documentKey(this.db.databaseName, type, id), write);
  }
}
