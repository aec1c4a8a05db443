import { randomUUID } from 'node:crypto';
import type { Collection, Db, Document, Filter } from 'mongodb';
import type { Condition } from './condition';
import { afterFilter, mongoSort, withTieBreaker, type KeyValue, type SortKey } from './keyset';
import { matchesCondition } from './condition-eval';
import { allOf, toMongoFilter } from './mongo-filter';
import { accessField, accessUpdate, fromPersisted, toPersisted, type PersistedResource } from './persisted-form';
import { historyEntryOf, type AccessFields, type HistoryEntry, type PlannedWrite, type StoredResource } from './stored-resource';
import { CommitInDoubtError, CommitPendingError } from './commit-errors';
import { InteractionReads } from './interaction-reads';
import { documentKey, eachBounded, withDocumentLock } from './document-locks';
import { SharedReads } from './shared-reads';
import { applyPlannedWrites, recoverOpenJournals, JOURNAL_COLLECTION } from './transaction-journal';
import { claimVersion, insertedUnique, releaseVersion, VersionConflictError, type TakeoverMarker, type VersionClaim } from './version-claim';
import {
  claimGuard,
  exclusively,
  GUARD_COLLECTION,
  releaseClaimedGuard,
  releaseGuard,
  type GuardClaim,
  type HolderCheck,
  type WriteGuard,
} from './write-guards';

export { VersionConflictError } from './version-claim';

/** The guards a commit enters and leaves (write-guards.ts), with the business check of a holder. */
export interface GuardPlan {
  claims: GuardClaim[];
  releases: { key: string; holder: string }[];
  check: HolderCheck;
}

const NO_GUARDS: GuardPlan = { claims: [], releases: [], check: async () => 'holds' };

export const HISTORY_COLLECTION = 'History';

/** A resync's per-document updates in flight at once: one fact change does not take every connection. */
const RESYNC_WRITES_AT_ONCE = 8;

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

/** Test hook: lets a test make the database fail at a chosen write of a batch commit. */
export interface StoreFaults {
  /** May return a promise that never settles: the commit then stands still there, as in a crash. */
  beforeBatchWrite?(index: number, write: PlannedWrite): void | Promise<void>;
  beforeCommitPoint?(): void | Promise<void>;
  /** Lets a test hold a single write just before it reaches the database (to interleave another request there). */
  beforeWrite?(type: string, doc: StoredResource): void | Promise<void>;
  /** Lets a test make the database fail when one resource's access fields are set after its write. */
  beforeAccessFieldsSetById?(type: string, id: string): void;
  /** Lets a test make the database fail when the facts of an access decision are read (by resource type). */
  beforeFactsRead?(type: string): void;
  /** Lets a test make the database fail when the audit trail is written. */
  beforeAuditWrite?(): void;
  /** Lets a test make the database fail when an audit chain's head hint is moved. */
  beforeHeadWrite?(): void;
}

/**
 * The only door to the database. Every read for a caller takes its access condition and folds it
 * into the same MongoDB filter as the search criteria. The unscoped reads (`readFacts`,
 * `readFactById`) exist for the policy's facts and the write rules, never for a response.
 */
export class ResourceStore {
  constructor(
    readonly db: Db,
    readonly faults: StoreFaults = {},
    private readonly shared?: SharedReads
  ) {}

  /**
   * This store as one request uses it: a document it reads twice by `_id` (to learn a read's
   * patient before its facts, then to answer) is read from the database once (shared-reads.ts).
   */
  forRequest(): ResourceStore {
    return new ResourceStore(this.db, this.faults, new SharedReads());
  }

  /** A lone `{_id}` read of a current document (deleted or not), shared within a request. */
  private findById(type: string, id: string): Promise<PersistedResource | null> {
    const load = () => this.current(type).findOne({ _id: id });
    return this.shared ? this.shared.read(`${type}/${id}`, load) : load();
  }

  /** A write of the request: what it read before may have changed. */
  private writing(): void {
    this.shared?.forget();
  }

  /** A type's current documents, in the persisted form (persisted-form.ts): every read converts back. */
  private current(type: string): Collection<PersistedResource> {
    return this.db.collection<PersistedResource>(type);
  }

  private get guards(): Collection<WriteGuard> {
    return this.db.collection<WriteGuard>(GUARD_COLLECTION);
  }

  private get history(): Collection<HistoryEntry> {
    return this.db.collection<HistoryEntry>(HISTORY_COLLECTION);
  }

  /**
   * The current document, deleted or not, if it satisfies `scope`. Fetched by a lone `{_id}` (an
   * index hit everywhere, and the only filter FerretDB's SQLite backend does not scan for), then
   * held to the same condition a search would apply.
   */
  async readCurrent(type: string, id: string, scope: Condition): Promise<StoredResource | undefined> {
    if ('never' in scope) return undefined;
    const found = await this.findById(type, id);
    const doc = found ? fromPersisted(found) : undefined;
    return doc && matchesCondition(scope, doc) ? doc : undefined;
  }

  async readMany(type: string, ids: string[], scope: Condition): Promise<StoredResource[]> {
    if (!ids.length || 'never' in scope) return [];
    const filter = allOf(ids.length === 1 ? { _id: ids[0] } : { _id: { $in: ids } }, toMongoFilter(scope), { del: false }) as Filter<PersistedResource>;
    return (await this.current(type).find(filter).toArray()).map(fromPersisted);
  }

  /**
   * Reads the facts an access decision rests on (links, consents, the caller's registry entry).
   * For the policy layer only: it is how a scope is computed, so it cannot itself be scoped.
   */
  async readFacts(type: string, where: Condition, limit = 10_000): Promise<StoredResource[]> {
    this.faults.beforeFactsRead?.(type);
    const found = await this.current(type)
      .find(allOf(toMongoFilter(where), { del: false }) as Filter<PersistedResource>)
      .limit(limit)
      .toArray();
    return found.map(fromPersisted);
  }

  /** Reads by id for one interaction, each document fetched once (interaction-reads.ts). */
  interactionReads(): InteractionReads {
    return new InteractionReads((type, id) => this.findById(type, id));
  }

  /**
   * One current, not deleted document by id, for facts and registry look-ups (a lone `{_id}` read);
   * `withDeleted` also answers a deleted one, whose sidecar still names its patient.
   */
  async readFactById(type: string, id: string, withDeleted = false): Promise<StoredResource | undefined> {
    const found = await this.findById(type, id);
    return found && (withDeleted || !found.del) ? fromPersisted(found) : undefined;
  }

  /**
   * Sets access-sidecar fields on every resource whose sidecar field `key` equals `value` (fact
   * changes); `onlyIf` adds sidecar equalities that must still hold (a compare-and-set). Answers
   * how many resources matched.
   */
  async setAccessFields(type: string, key: keyof AccessFields, value: string, fields: AccessFields, onlyIf: AccessFields = {}): Promise<number> {
    this.writing();
    // Not one updateMany: its blind writes could put back a document another writer just replaced
    // (document-locks.ts). The matching ids are found first, then each is updated under its lock
    // with the same filter (the indexed field leading) plus its `_id`, so one that stopped matching
    // in between is left alone.
    const filter = { [accessField(key)]: value, ...accessEqualities(onlyIf) };
    const found = await this.current(type)
      .find(filter as Filter<PersistedResource>, { projection: { _id: 1 } })
      .toArray();
    const update = { $set: accessUpdate(fields) };
    const matched = await eachBounded(found, RESYNC_WRITES_AT_ONCE, ({ _id }) =>
      this.locked(type, _id, () => this.current(type).updateOne({ ...filter, _id } as Filter<PersistedResource>, update))
    );
    return matched.reduce((sum, result) => sum + result.matchedCount, 0);
  }

  /**
   * Sets access-sidecar fields of one resource by id (a lone `{_id}` update, or a compare-and-set
   * with `onlyIf`). Answers whether it matched.
   */
  async setAccessFieldsById(type: string, id: string, fields: AccessFields, onlyIf: AccessFields = {}): Promise<boolean> {
    this.writing();
    this.faults.beforeAccessFieldsSetById?.(type, id);
    const result = await this.locked(type, id, () =>
      this.current(type).updateOne({ _id: id, ...accessEqualities(onlyIf) } as Filter<PersistedResource>, { $set: accessUpdate(fields) })
    );
    return result.matchedCount === 1;
  }

  /**
   * Sets access fields of one version's history entry: a write that stored its fact windows closed
   * gives its version the windows it opened (history keeps the fields a version was written with).
   */
  async setHistoryAccessFields(type: string, id: string, version: number, fields: AccessFields): Promise<void> {
    this.writing();
    const set = Object.fromEntries(Object.entries(fields).map(([name, value]) => [`a.${name}`, value]));
    await this.history.updateOne({ _id: `${type}/${id}/${version}` }, { $set: set });
  }

  async search(type: string, query: PageQuery): Promise<Page> {
    const keys = withTieBreaker(query.sort);
    // Nothing can match: FerretDB would still scan the collection for `{_id: {$in: []}}`.
    if ('never' in query.where) return { docs: [], more: false, keys };
    const reverse = !!query.before;
    // Criteria first: their equalities become the top-level keys an engine can push down.
    const parts: Filter<Document>[] = [toMongoFilter(query.where), { del: false }];
    if (query.after) parts.push(afterFilter(keys, query.after));
    if (query.before) parts.push(afterFilter(keys, query.before, true));
    const docs = await this.current(type)
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
    return this.current(type).countDocuments(allOf(toMongoFilter(where), { del: false }) as Filter<PersistedResource>);
  }

  /** One version from history; the caller has already checked the current document is visible. */
  async readVersion(type: string, id: string, version: number, current: StoredResource): Promise<HistoryEntry | undefined> {
    if (version === current.v) return historyEntryOf(type, current);
    if (version > current.v) return undefined;
    return (await this.history.findOne({ _id: `${type}/${id}/${version}` })) ?? undefined;
  }

  /** All versions of one visible resource, newest first. Versions above the current one are never shown. */
  async instanceHistory(type: string, current: StoredResource, limit: number, offset: number): Promise<{ entries: HistoryEntry[]; total: number }> {
    const filter = { t: type, id: current._id, v: { $lte: current.v } };
    const stored = await this.history.find(filter).sort({ v: -1 }).toArray();
    // The current write is made before its history entry; if a crash fell in between, show it anyway.
    if (!stored.some((e) => e.v === current.v)) stored.unshift(historyEntryOf(type, current));
    return { entries: stored.slice(offset, offset + limit), total: stored.length };
  }

  /** Versions of the type's resources that satisfy `scope` now, newest first. */
  async typeHistory(type: string, scope: Condition, limit: number, since?: Date): Promise<HistoryEntry[]> {
    const filter: Filter<HistoryEntry> = { t: type };
    if (since) filter.ts = { $gte: since };
    if (!('always' in scope)) {
      const visible = await this.current(type)
        .find(toMongoFilter(scope) as Filter<PersistedResource>, { projection: { _id: 1 } })
        .limit(1000)
        .toArray();
      filter.id = { $in: visible.map((d) => d._id) };
    }
    const entries = await this.history.find(filter).sort({ ts: -1 }).limit(limit).toArray();
    return this.withoutUnwritten(type, entries);
  }

  /** Drops claimed versions whose current document is not (or never was) written: in flight or abandoned. */
  private async withoutUnwritten(type: string, entries: HistoryEntry[]): Promise<HistoryEntry[]> {
    const claimed = [...new Set(entries.filter((e) => e.claim).map((e) => e.id))];
    if (!claimed.length) return entries;
    const current = await this.current(type)
      .find({ _id: { $in: claimed } }, { projection: { v: 1 } })
      .toArray();
    const written = new Map(current.map((d) => [d._id, d.v]));
    return entries.filter((e) => !e.claim || e.v <= (written.get(e.id) ?? 0));
  }

  /**
   * Writes a new current document: claims its version (its history entry) and the guards it
   * enters, writes it, then releases the guards it leaves. Throws VersionConflictError or
   * GuardTakenError, having given back whatever it claimed.
   */
  async write(type: string, doc: StoredResource, expectedVersion: number | null, guards: GuardPlan = NO_GUARDS): Promise<void> {
    this.writing();
    await this.faults.beforeWrite?.(type, doc);
    await this.claimAndApply([{ type, doc, expectedVersion }], guards, () => this.putCurrent(type, doc, expectedVersion));
  }

  /** Puts a new version in place (a create, or a replace conditional on the version it follows), under the document's lock. */
  async putCurrent(type: string, doc: StoredResource, expectedVersion: number | null): Promise<void> {
    this.writing();
    if (expectedVersion === null) {
      try {
        await this.locked(type, doc._id, () => this.current(type).insertOne(toPersisted(doc)));
      } catch (err) {
        if ((err as { code?: number }).code === 11000) throw new VersionConflictError(type, doc._id);
        throw err;
      }
      return;
    }
    const result = await this.locked(type, doc._id, () => this.current(type).replaceOne({ _id: doc._id, v: expectedVersion }, toPersisted(doc)));
    if (result.matchedCount !== 1) throw new VersionConflictError(type, doc._id);
  }

  /**
   * Runs one write of the current document `type/id` as its only writer in this process
   * (document-locks.ts says why, and what it does not cover). Every write of a current document goes through here.
   */
  locked<T>(type: string, id: string, write: () => Promise<T>): Promise<T> {
    return withDocumentLock(documentKey(this.db.databaseName, type, id), write);
  }

  /** Applies a whole bundle's writes all or nothing (see transaction-journal.ts), claims first as in `write`. */
  async commitBatch(writes: PlannedWrite[], guards: GuardPlan = NO_GUARDS): Promise<void> {
    this.writing();
    await this.claimAndApply(writes, guards, () => applyPlannedWrites(this, writes));
  }

  private async claimAndApply(writes: PlannedWrite[], guards: GuardPlan, apply: () => Promise<void>): Promise<void> {
    const collections = { history: this.history, guards: this.db.collection<TakeoverMarker>(GUARD_COLLECTION), current: (t: string) => this.current(t) };
    const versions: VersionClaim[] = [];
    const entered: WriteGuard[] = [];
    try {
      for (const w of writes) versions.push(await claimVersion(collections, w.type, w.doc));
      for (const claim of guards.claims) {
        const guard = await claimGuard(this.guards, claim, guards.check);
        if (guard) entered.push(guard);
      }
      await apply();
    } catch (err) {
      // A bundle that reached its commit record (or may have) is finished by recovery: its claims stay.
      if (err instanceof CommitPendingError || err instanceof CommitInDoubtError) throw err;
      // Best effort: a claim left behind by a failure here is taken over once abandoned.
      for (const guard of entered) await releaseClaimedGuard(this.guards, guard).catch(() => undefined);
      for (const claim of versions) await releaseVersion(collections, claim).catch(() => undefined);
      throw err;
    }
    // The write is stored: a release that fails leaves a guard whose holder is out of the state,
    // which the next claimer takes over at once (write-guards.ts), so it must not fail the answer.
    for (const left of guards.releases) await releaseGuard(this.guards, left.key, left.holder).catch(() => undefined);
  }

  /** Every current, not deleted document satisfying `where`, one at a time (start-up maintenance). */
  async *scan(type: string, where: Condition): AsyncIterable<StoredResource> {
    for await (const found of this.current(type).find(allOf(toMongoFilter(where), { del: false }) as Filter<PersistedResource>)) yield fromPersisted(found);
  }

  /** Inserts a guard unless one exists already (start-up maintenance); whether it was inserted. */
  async enterGuard(claim: GuardClaim): Promise<boolean> {
    this.writing();
    return insertedUnique(this.guards, { _id: claim.key, holder: claim.holder, version: claim.version, token: randomUUID(), claimedAt: new Date() });
  }

  async hasGuard(key: string): Promise<boolean> {
    return !!(await this.guards.findOne({ _id: key }, { projection: { _id: 1 } }));
  }

  /** Runs `work` as the only holder of `key` (write-guards.ts `exclusively`). */
  async exclusively<T>(key: string, work: () => Promise<T>): Promise<T> {
    this.writing();
    return exclusively(this.guards, key, work);
  }

  /** Decides batch commits left open by a crash: completes committed ones, drops the others. */
  async recover(): Promise<{ aborted: number; completed: number }> {
    return recoverOpenJournals(this);
  }

  /** The raw collections, for the transaction journal: current documents are in the persisted form. */
  collections(): { history: Collection<HistoryEntry>; journal: Collection<Document>; current: (type: string) => Collection<PersistedResource> } {
    this.writing();
    return { history: this.history, journal: this.db.collection(JOURNAL_COLLECTION), current: (t) => this.current(t) };
  }
}

function accessEqualities(onlyIf: AccessFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(onlyIf).map(([name, value]) => [accessField(name), value]));
}
