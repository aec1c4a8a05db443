import type { Collection, Db, Document } from 'mongodb';
import type { Condition } from './condition';
import { AccessFieldUpdates } from './access-field-updates';
import { CurrentReads } from './current-reads';
import { HeldGuards } from './held-guards';
import type { InteractionReads } from './interaction-reads';
import { PageSearch, type Page, type PageQuery } from './page-search';
import type { PersistedResource } from './persisted-form';
import { SharedReads } from './shared-reads';
import { StoreCollections } from './store-collections';
import type { StoreFaults } from './store-faults';
import type { AccessFields, HistoryEntry, PlannedWrite, StoredResource } from './stored-resource';
import { applyPlannedWrites, recoverOpenJournals, JOURNAL_COLLECTION } from './transaction-journal';
import { VersionHistory } from './version-history';
import { NO_GUARDS, VersionWrites, type GuardPlan } from './version-writes';
import type { GuardClaim } from './write-guards';

// The store's public names stay importable from its door, wherever they are defined.
export { VersionConflictError } from './version-claim';
export { HISTORY_COLLECTION } from './store-collections';
export type { StoreFaults } from './store-faults';
export type { GuardPlan } from './version-writes';
export type { Page, PageQuery } from './page-search';

/**
 * The only door to the database. Every read for a caller takes its access condition and folds it
 * into the same MongoDB filter as the search criteria. The unscoped reads (`readFacts`,
 * `readFactById`) exist for the policy's facts and the write rules, never for a response.
 *
 * One face over the modules that do the work, one concern each: current-reads.ts,
 * page-search.ts, version-history.ts, access-field-updates.ts, version-writes.ts, held-guards.ts,
 * and transaction-journal.ts for bundles. They share one StoreCollections (store-collections.ts).
 */
export class ResourceStore {
  /** `#`: the name `collections` is the transaction journal's method below. */
  readonly #collections: StoreCollections;
  private readonly reads: CurrentReads;
  private readonly pages: PageSearch;
  private readonly versions: VersionHistory;
  private readonly accessFields: AccessFieldUpdates;
  private readonly writes: VersionWrites;
  private readonly heldGuards: HeldGuards;

  constructor(
    readonly db: Db,
    readonly faults: StoreFaults = {},
    shared?: SharedReads
  ) {
    this.#collections = new StoreCollections(db, faults, shared);
    this.reads = new CurrentReads(this.#collections);
    this.pages = new PageSearch(this.#collections);
    this.versions = new VersionHistory(this.#collections);
    this.accessFields = new AccessFieldUpdates(this.#collections);
    this.writes = new VersionWrites(this.#collections, (writes) => applyPlannedWrites(this, writes));
    this.heldGuards = new HeldGuards(this.#collections);
  }

  /**
   * This store as one request uses it: a document it reads twice by `_id` (to learn a read's
   * patient before its facts, then to answer) is read from the database once (shared-reads.ts).
   */
  forRequest(): ResourceStore {
    return new ResourceStore(this.db, this.faults, new SharedReads());
  }

  // Current documents (current-reads.ts).

  readCurrent(type: string, id: string, scope: Condition): Promise<StoredResource | undefined> {
    return this.reads.readCurrent(type, id, scope);
  }

  readMany(type: string, ids: string[], scope: Condition): Promise<StoredResource[]> {
    return this.reads.readMany(type, ids, scope);
  }

  readFacts(type: string, where: Condition, limit?: number): Promise<StoredResource[]> {
    return this.reads.readFacts(type, where, limit);
  }

  interactionReads(): InteractionReads {
    return this.reads.interactionReads();
  }

  readFactById(type: string, id: string, withDeleted?: boolean): Promise<StoredResource | undefined> {
    return this.reads.readFactById(type, id, withDeleted);
  }

  scan(type: string, where: Condition): AsyncIterable<StoredResource> {
    return this.reads.scan(type, where);
  }

  // Access sidecar updates (access-field-updates.ts).

  setAccessFields(type: string, key: keyof AccessFields, value: string, fields: AccessFields, onlyIf?: AccessFields): Promise<number> {
    return this.accessFields.setAccessFields(type, key, value, fields, onlyIf);
  }

  setAccessFieldsById(type: string, id: string, fields: AccessFields, onlyIf?: AccessFields): Promise<boolean> {
    return this.accessFields.setAccessFieldsById(type, id, fields, onlyIf);
  }

  setHistoryAccessFields(type: string, id: string, version: number, fields: AccessFields): Promise<void> {
    return this.accessFields.setHistoryAccessFields(type, id, version, fields);
  }

  // Searches (page-search.ts).

  search(type: string, query: PageQuery): Promise<Page> {
    return this.pages.search(type, query);
  }

  count(type: string, where: Condition): Promise<number> {
    return this.pages.count(type, where);
  }

  // Past versions (version-history.ts).

  readVersion(type: string, id: string, version: number, current: StoredResource): Promise<HistoryEntry | undefined> {
    return this.versions.readVersion(type, id, version, current);
  }

  instanceHistory(type: string, current: StoredResource, limit: number, offset: number): Promise<{ entries: HistoryEntry[]; total: number }> {
    return this.versions.instanceHistory(type, current, limit, offset);
  }

  typeHistory(type: string, scope: Condition, limit: number, since?: Date): Promise<HistoryEntry[]> {
    return this.versions.typeHistory(type, scope, limit, since);
  }

  // Writes of new versions (version-writes.ts, transaction-journal.ts).

  write(type: string, doc: StoredResource, expectedVersion: number | null, guards: GuardPlan = NO_GUARDS): Promise<void> {
    return this.writes.write(type, doc, expectedVersion, guards);
  }

  putCurrent(type: string, doc: StoredResource, expectedVersion: number | null): Promise<void> {
    return this.writes.putCurrent(type, doc, expectedVersion);
  }

  commitBatch(writes: PlannedWrite[], guards: GuardPlan = NO_GUARDS): Promise<void> {
    return this.writes.commitBatch(writes, guards);
  }

  /** One write of a current document at a time in this process (store-collections.ts, document-locks.ts). */
  locked<T>(type: string, id: string, write: () => Promise<T>): Promise<T> {
    return this.#collections.locked(type, id, write);
  }

  /** Decides batch commits left open by a crash: completes committed ones, drops the others. */
  recover(): Promise<{ aborted: number; completed: number }> {
    return recoverOpenJournals(this);
  }

  /** The raw collections, for the transaction journal: current documents are in the persisted form. */
  collections(): { history: Collection<HistoryEntry>; journal: Collection<Document>; current: (type: string) => Collection<PersistedResource> } {
    this.#collections.writing();
    return { history: this.#collections.history, journal: this.db.collection(JOURNAL_COLLECTION), current: (t) => this.#collections.current(t) };
  }

  // Guards held outside a version write (held-guards.ts).

  enterGuard(claim: GuardClaim): Promise<boolean> {
    return this.heldGuards.enterGuard(claim);
  }

  hasGuard(key: string): Promise<boolean> {
    return this.heldGuards.hasGuard(key);
  }

  exclusively<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.heldGuards.exclusively(key, work);
  }
}
