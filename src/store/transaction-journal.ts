import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { CommitInDoubtError, CommitPendingError } from './commit-errors';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './unavailable';
import { VersionConflictError, type ResourceStore } from './resource-store';
import { fromPersisted, toPersisted } from './persisted-form';
import { historyEntryOf, type PlannedWrite, type StoredResource } from './stored-resource';

export const JOURNAL_COLLECTION = 'TransactionJournal';

/** Documents in the journal are in the in-memory form (never queried); they are converted where they are put in place. */
interface JournalEntry {
  type: string;
  doc: StoredResource;
  /** null: a create. */
  expectedVersion: number | null;
  /** The document replaced, restored if the commit has to be undone. */
  previous?: StoredResource;
}

/** `prepared`: written, not yet decided; `committed`: the commit point, completed whatever happens. */
interface JournalRecord {
  _id: string;
  state: 'prepared' | 'committed';
  at: Date;
  entries: JournalEntry[];
}

/**
 * All-or-nothing commit of a bundle without multi-document transactions (FerretDB has none).
 * Everything that can fail for a reason of the request has failed before this point.
 *
 * 1. The journal record holds every new document, state `prepared`. Nothing is visible yet.
 * 2. Commit point: one atomic update `prepared` -> `committed`, conditional, so a recovery that
 *    aborted the record first wins and the commit fails cleanly.
 * 3. Roll forward: each current document is replaced conditionally on its expected version, then
 *    the history entries are written and the record deleted.
 *
 * A crash before 2 leaves a prepared record: recovery deletes it (nothing was written). A crash
 * after 2 leaves a committed record: recovery completes it. Recovery decides by the record, never
 * by age, and never undoes a committed write, so nothing ever answered 2xx is deleted. Between 2
 * and the end of 3, readers may see some of the bundle's documents before others (no snapshot
 * reads on FerretDB); before 2 they see none of it.
 */
export async function applyPlannedWrites(store: ResourceStore, writes: PlannedWrite[]): Promise<void> {
  const journal = journalOf(store);
  const id = randomUUID();
  const entries: JournalEntry[] = writes.map((w) => ({ type: w.type, doc: w.doc, expectedVersion: w.expectedVersion, previous: w.previous }));
  const references = writes.map((w) => `${w.type}/${w.doc._id}/_history/${w.doc.v}`);
  await journal.insertOne({ _id: id, state: 'prepared', at: new Date(), entries });

  await store.faults.beforeCommitPoint?.();
  try {
    const decided = await journal.updateOne({ _id: id, state: 'prepared' }, { $set: { state: 'committed' } });
    // Aborted by a recovery first: nothing was written; the client may retry.
    if (decided.matchedCount !== 1) throw new DatabaseUnavailableError('transaction aborted by recovery');
  } catch (err) {
    if (!isDatabaseUnavailable(err)) {
      await journal.deleteOne({ _id: id, state: 'prepared' });
      throw err;
    }
    scheduleRecovery(store);
    throw new CommitInDoubtError(references);
  }

  let applied = 0;
  try {
    for (; applied < entries.length; applied++) {
      await store.faults.beforeBatchWrite?.(applied, writes[applied]);
      await applyEntry(store, entries[applied]);
    }
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      scheduleRecovery(store);
      // Decided: completed by recovery once the database is back (here, or at the next start).
      throw new CommitPendingError(references);
    }
    // Refused for a reason of its own (a concurrent writer, a unique index): the whole bundle is
    // undone while nothing has been answered yet.
    try {
      await undo(store, entries.slice(0, applied));
      await journal.deleteOne({ _id: id });
    } catch {
      scheduleRecovery(store);
      // The database went away while undoing: recovery decides (it completes the bundle if it can,
      // else undoes it), so the answer cannot say which.
      throw new CommitInDoubtError(references);
    }
    throw err;
  }
  try {
    await finish(store, id, entries);
  } catch (err) {
    // Every document is in place; only the history and the record's removal are left to recovery.
    if (!isDatabaseUnavailable(err)) throw err;
    scheduleRecovery(store);
  }
}

function journalOf(store: ResourceStore): Collection<JournalRecord> {
  return store.collections().journal as unknown as Collection<JournalRecord>;
}

/**
 * Puts one entry's document in place. Idempotent: finding its own version already there (a
 * recovery ran concurrently, or this is a recovery re-run) counts as done.
 */
async function applyEntry(store: ResourceStore, entry: JournalEntry): Promise<void> {
  try {
    await store.putCurrent(entry.type, entry.doc, entry.expectedVersion);
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    const now = await store.collections().current(entry.type).findOne({ _id: entry.doc._id });
    if (!now || !sameVersion(fromPersisted(now), entry.doc)) throw err;
  }
}

/** The very same version (not another writer's version with the same number). */
function sameVersion(a: StoredResource, b: StoredResource): boolean {
  return a.v === b.v && new Date(a.ts).getTime() === new Date(b.ts).getTime() && JSON.stringify(a.r) === JSON.stringify(b.r);
}

async function finish(store: ResourceStore, id: string, entries: JournalEntry[]): Promise<void> {
  const { history } = store.collections();
  // Upserts: a re-run after a crash writes the same entries again.
  await history.bulkWrite(
    entries.map((e) => {
      const entry = historyEntryOf(e.type, e.doc);
      return { replaceOne: { filter: { _id: entry._id }, replacement: entry, upsert: true } };
    })
  );
  await journalOf(store).deleteOne({ _id: id });
}

async function undo(store: ResourceStore, entries: JournalEntry[]): Promise<void> {
  for (const entry of [...entries].reverse()) {
    const collection = store.collections().current(entry.type);
    const previous = entry.previous;
    // Only undo our own write: the condition on the version leaves any later writer's alone (and
    // the document's lock keeps another write of it from interleaving with this read-then-write).
    await store.locked(entry.type, entry.doc._id, async () => {
      if (previous) await collection.replaceOne({ _id: entry.doc._id, v: entry.doc.v }, toPersisted(previous));
      else await collection.deleteOne({ _id: entry.doc._id, v: entry.doc.v });
    });
  }
}

/**
 * Decides open records: prepared ones are aborted (nothing of them was written), committed
 * ones are completed. Safe while other hub instances commit: aborting is conditional on the record
 * still being `prepared` (its owner's commit point then fails cleanly), and completing is
 * idempotent. Returns how many records were decided.
 */
export async function recoverOpenJournals(store: ResourceStore, options: { abortPreparedBefore?: Date } = {}): Promise<{ aborted: number; completed: number }> {
  const journal = journalOf(store);
  const open = await journal.find({}).toArray();
  let aborted = 0;
  let completed = 0;
  for (const record of open) {
    if (record.state === 'prepared') {
      // While this process runs, a young prepared record is a commit of its own in flight.
      if (options.abortPreparedBefore && new Date(record.at) >= options.abortPreparedBefore) continue;
      aborted += (await journal.deleteOne({ _id: record._id, state: 'prepared' })).deletedCount;
      continue;
    }
    try {
      for (const entry of record.entries) {
        const current = await store.collections().current(entry.type).findOne({ _id: entry.doc._id });
        // Already in place, or replaced since by a later write: nothing to do for this entry.
        if (current && current.v >= entry.doc.v) continue;
        await applyEntry(store, entry);
      }
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      // An entry the database refuses (a concurrent writer took its version, a unique index): the
      // bundle was never answered 2xx (that happens only once every entry is in place), so it is
      // undone whole. Only its own versions are touched.
      await undo(store, record.entries);
      await journal.deleteOne({ _id: record._id });
      aborted += 1;
      continue;
    }
    await finish(store, record._id, record.entries);
    completed += 1;
  }
  return { aborted, completed };
}

// ---- completing decided commits once the database is back, without waiting for a restart ----

const RECOVERY_RETRY_MS = 1000;
/** A live commit reaches its commit point in milliseconds; older prepared records are abandoned. */
const LIVE_COMMIT_MS = 30_000;
const scheduled = new WeakSet<ResourceStore>();

function scheduleRecovery(store: ResourceStore): void {
  if (scheduled.has(store)) return;
  scheduled.add(store);
  const attempt = (): void => {
    const timer = setTimeout(() => {
      recoverOpenJournals(store, { abortPreparedBefore: new Date(Date.now() - LIVE_COMMIT_MS) })
        .then(() => scheduled.delete(store))
        .catch(attempt);
    }, RECOVERY_RETRY_MS);
    timer.unref();
  };
  attempt();
}
