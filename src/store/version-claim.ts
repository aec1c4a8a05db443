import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { PersistedResource } from './persisted-form';
import type { HistoryEntry, StoredResource } from './stored-resource';

/**
 * The next version of a resource is claimed before the current document is written: its history
 * entry `Type/id/n` is inserted first, and a unique `_id` is the one write MongoDB and FerretDB
 * both make atomic (FerretDB's conditional replace is a read then a write). Of several writers
 * starting from the same version exactly one inserts it; the others get a VersionConflictError.
 */

/** A claim whose current document never followed (the writer died) is taken over after this. */
export const ABANDONED_CLAIM_MS = 60_000;

/** Raised when a conditional write finds another version than expected. */
export class VersionConflictError extends Error {
  constructor(
    readonly type: string,
    readonly id: string
  ) {
    super(`Version conflict on ${type}/${id}`);
  }
}

export interface VersionClaim {
  entry: HistoryEntry;
}

/** Proof that one writer took over an abandoned claim (or guard): its `_id` names what it took. */
export interface TakeoverMarker {
  _id: string;
  claimedAt?: Date;
}

interface Collections {
  history: Collection<HistoryEntry>;
  /** Where take-over markers go (see write-guards.ts): never in History, which readers list. */
  guards: Collection<TakeoverMarker>;
  current: (type: string) => Collection<PersistedResource>;
}

/** Claims the version `doc.v` of `type/doc._id`. Throws VersionConflictError if another writer holds it. */
export async function claimVersion(collections: Collections, type: string, doc: StoredResource, now = new Date()): Promise<VersionClaim> {
  const entry: HistoryEntry = {
    _id: `${type}/${doc._id}/${doc.v}`,
    t: type,
    id: doc._id,
    v: doc.v,
    ts: doc.ts,
    del: doc.del,
    r: doc.r,
    a: doc.a,
    claim: randomUUID(),
    claimedAt: now,
  };
  if (await inserted(collections.history, entry)) return { entry };
  const held = await collections.history.findOne({ _id: entry._id });
  if (!held) {
    // Released between our insert and our read: one more try, then give up as a conflict.
    if (await inserted(collections.history, entry)) return { entry };
    throw new VersionConflictError(type, doc._id);
  }
  if (!(await abandoned(collections, type, held, now))) throw new VersionConflictError(type, doc._id);
  // Taking over is itself a unique insert, so of several writers finding the same dead claim one wins.
  const takeover = { _id: `takeover|${held._id}|${held.claim ?? held.ts.toISOString()}`, claimedAt: now };
  if (!(await inserted(collections.guards, takeover))) throw new VersionConflictError(type, doc._id);
  await collections.history.replaceOne({ _id: entry._id }, entry);
  return { entry };
}

/** Gives a claim back after the write failed (only our own: the token guards a taken-over claim). */
export async function releaseVersion(collections: Collections, claim: VersionClaim): Promise<void> {
  await collections.history.deleteOne({ _id: claim.entry._id, claim: claim.entry.claim });
}

/** A claim above the current version, older than ABANDONED_CLAIM_MS: its writer never finished. */
async function abandoned(collections: Collections, type: string, held: HistoryEntry, now: Date): Promise<boolean> {
  const current = await collections.current(type).findOne({ _id: held.id }, { projection: { v: 1 } });
  if (current && current.v >= held.v) return false;
  const claimedAt = held.claimedAt ?? held.ts;
  return now.getTime() - claimedAt.getTime() > ABANDONED_CLAIM_MS;
}

async function inserted<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await collection.insertOne(doc as never);
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return false;
    throw err;
  }
}

export { inserted as insertedUnique };
