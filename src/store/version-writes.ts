import type { StoreCollections } from './store-collections';
import { toPersisted } from './persisted-form';
import type { PlannedWrite, StoredResource } from './stored-resource';
import { CommitInDoubtError, CommitPendingError } from './commit-errors';
import { claimVersion, releaseVersion, VersionConflictError, type TakeoverMarker, type VersionClaim } from './version-claim';
import { claimGuard, GUARD_COLLECTION, releaseClaimedGuard, releaseGuard, type GuardClaim, type HolderCheck, type WriteGuard } from './write-guards';

/** The guards a commit enters and leaves (write-guards.ts), with the business check of a holder. */
export interface GuardPlan {
  claims: GuardClaim[];
  releases: { key: string; holder: string }[];
  check: HolderCheck;
}

export const NO_GUARDS: GuardPlan = { claims: [], releases: [], check: async () => 'holds' };

/**
 * Writes of new versions, one or a bundle's all at once: the versions and guards are claimed
 * first (a unique `_id` insert, so a second writer loses), then the current documents are put in
 * place, each under its document lock.
 */
export class VersionWrites {
  constructor(
    private readonly collections: StoreCollections,
    /** Applies a bundle's writes all or nothing (transaction-journal.ts). */
    private readonly applyBatch: (writes: PlannedWrite[]) => Promise<void>
  ) {}

  /**
   * Writes a new current document: claims its version (its history entry) and the guards it
   * enters, writes it, then releases the guards it leaves. Throws VersionConflictError or
   * GuardTakenError, having given back whatever it claimed.
   */
  async write(type: string, doc: StoredResource, expectedVersion: number | null, guards: GuardPlan = NO_GUARDS): Promise<void> {
    this.collections.writing();
    await this.collections.faults.beforeWrite?.(type, doc);
    await this.claimAndApply([{ type, doc, expectedVersion }], guards, () => this.putCurrent(type, doc, expectedVersion));
  }

  /** Puts a new version in place (a create, or a replace conditional on the version it follows), under the document's lock. */
  async putCurrent(type: string, doc: StoredResource, expectedVersion: number | null): Promise<void> {
    this.collections.writing();
    if (expectedVersion === null) {
      try {
        await this.collections.locked(type, doc._id, () => this.collections.current(type).insertOne(toPersisted(doc)));
      } catch (err) {
        if ((err as { code?: number }).code === 11000) throw new VersionConflictError(type, doc._id);
        throw err;
      }
      return;
    }
    const result = await this.collections.locked(type, doc._id, () =>
      this.collections.current(type).replaceOne({ _id: doc._id, v: expectedVersion }, toPersisted(doc))
    );
    if (result.matchedCount !== 1) throw new VersionConflictError(type, doc._id);
  }

  /** Applies a whole bundle's writes all or nothing (see transaction-journal.ts), claims first as in `write`. */
  async commitBatch(writes: PlannedWrite[], guards: GuardPlan = NO_GUARDS): Promise<void> {
    this.collections.writing();
    await this.claimAndApply(writes, guards, () => this.applyBatch(writes));
  }

  private async claimAndApply(writes: PlannedWrite[], guards: GuardPlan, apply: () => Promise<void>): Promise<void> {
    const claimCollections = {
      history: this.collections.history,
      guards: this.collections.db.collection<TakeoverMarker>(GUARD_COLLECTION),
      current: (t: string) => this.collections.current(t),
    };
    const versions: VersionClaim[] = [];
    const entered: WriteGuard[] = [];
    try {
      for (const w of writes) versions.push(await claimVersion(claimCollections, w.type, w.doc));
      for (const claim of guards.claims) {
        const guard = await claimGuard(this.collections.guards, claim, guards.check);
        if (guard) entered.push(guard);
      }
      await apply();
    } catch (err) {
      // A bundle that reached its commit record (or may have) is finished by recovery: its claims stay.
      if (err instanceof CommitPendingError || err instanceof CommitInDoubtError) throw err;
      // Best effort: a claim left behind by a failure here is taken over once abandoned.
      for (const guard of entered) await releaseClaimedGuard(this.collections.guards, guard).catch(() => undefined);
      for (const claim of versions) await releaseVersion(claimCollections, claim).catch(() => undefined);
      throw err;
    }
    // The write is stored: a release that fails leaves a guard whose holder is out of the state,
    // which the next claimer takes over at once (write-guards.ts), so it must not fail the answer.
    for (const left of guards.releases) await releaseGuard(this.collections.guards, left.key, left.holder).catch(() => undefined);
  }
}
