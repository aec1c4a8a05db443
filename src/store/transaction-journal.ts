import { randomUUID } from 'node:crypto';
import type { ResourceStore } from './resource-store';
import { historyEntryOf, type PlannedWrite, type StoredResource } from './stored-resource';

export const JOURNAL_COLLECTION = 'TransactionJournal';

interface JournalEntry {
  type: string;
  id: string;
  newVersion: number;
  /** The document replaced (absent for a create), restored on roll-back. */
  previous?: StoredResource;
}

/**
 * All-or-nothing commit of a bundle without multi-document transactions (FerretDB has none).
 * Everything that can fail for a reason of the request (validation, references, policy, versions)
 * has failed before this point. The journal lists the writes with their pre-images; then each
 * current document is replaced conditionally on its expected version. If any step fails, the
 * writes already made are undone from the journal and the error is raised; if the process dies,
 * `rollBackOpenJournals` at the next start undoes them. History entries are added only after
 * every current write succeeded.
 */
export async function applyPlannedWrites(store: ResourceStore, writes: PlannedWrite[]): Promise<void> {
  const { journal } = store.collections();
  const journalId = randomUUID();
  const entries: JournalEntry[] = writes.map((w) => ({
    type: w.type,
    id: w.doc._id,
    newVersion: w.doc.v,
    previous: w.previous,
  }));
  await journal.insertOne({ _id: journalId as never, state: 'applying', at: new Date(), entries });
  let applied = 0;
  try {
    for (; applied < writes.length; applied++) {
      store.faults.beforeBatchWrite?.(applied, writes[applied]);
      await store.putCurrent(writes[applied].type, writes[applied].doc, writes[applied].expectedVersion);
    }
  } catch (err) {
    // Undo only what was applied: the write that failed never changed anything, and "undoing" a
    // create that collided with an existing resource would delete that resource.
    await rollBack(store, entries.slice(0, applied));
    await journal.deleteOne({ _id: journalId as never });
    throw err;
  }
  const { history } = store.collections();
  await history.bulkWrite(
    writes.map((w) => {
      const entry = historyEntryOf(w.type, w.doc);
      return { replaceOne: { filter: { _id: entry._id }, replacement: entry, upsert: true } };
    })
  );
  await journal.deleteOne({ _id: journalId as never });
}

async function rollBack(store: ResourceStore, entries: JournalEntry[]): Promise<void> {
  for (const entry of [...entries].reverse()) {
    const collection = store.collections().current(entry.type);
    // Only undo our own write: the condition on newVersion leaves any later writer's version alone.
    if (entry.previous) {
      await collection.replaceOne({ _id: entry.id, v: entry.newVersion }, entry.previous);
    } else {
      await collection.deleteOne({ _id: entry.id, v: entry.newVersion });
    }
    await store.collections().history.deleteOne({ _id: `${entry.type}/${entry.id}/${entry.newVersion}` });
  }
}

/** A live commit takes milliseconds; a journal older than this belongs to a process that died. */
const ABANDONED_AFTER_MS = 5 * 60_000;

/**
 * Rolls back commits abandoned by a crash. Only journals older than ABANDONED_AFTER_MS: with several
 * hub instances on one database, a younger journal may be another instance's commit in flight.
 */
export async function rollBackOpenJournals(store: ResourceStore, now = new Date()): Promise<number> {
  const { journal } = store.collections();
  const open = await journal.find({ state: 'applying', at: { $lt: new Date(now.getTime() - ABANDONED_AFTER_MS) } }).toArray();
  for (const doc of open) {
    await rollBack(store, doc.entries as JournalEntry[]);
    await journal.deleteOne({ _id: doc._id });
  }
  return open.length;
}
