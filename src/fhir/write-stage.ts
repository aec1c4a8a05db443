import type { AccessLookups } from '../policy/access-fields';
import type { ResourceStore } from '../store/resource-store';
import type { PlannedWrite, StoredResource } from '../store/stored-resource';
import type { HubRepository } from './hub-repository';
import { assertReferencesVisible, keptByOperation, referencesByExistence } from './reference-check';
import { assertSafeContentPublishedTogether } from './safe-content';
import { storeWrites } from './write-commit';

/**
 * Where a request's checked writes go: a single write is committed at once; a transaction's
 * entries are staged here and committed together when its bundle is done, their references
 * checked again then (an entry may point at one staged after it). The commit itself is
 * write-commit.ts.
 */
export class WriteStage {
  /** Writes of the bundle being processed, committed together (see run). */
  private staged?: Map<string, PlannedWrite>;
  /** A write of this interaction (or of the transaction being staged) named its version with If-Match. */
  ifMatch = false;
  /** Staged writes an operation authorised (see keptByOperation). */
  private readonly operationWrites = new Set<string>();
  readonly #store: ResourceStore;

  constructor(
    private readonly repo: HubRepository,
    store: ResourceStore,
    private readonly lookups: AccessLookups,
    /** Nothing read before a commit is reused after it: the repository starts its reads anew. */
    private readonly renewReads: () => void
  ) {
    this.#store = store;
  }

  /** Whether a transaction's entries are being staged. */
  get open(): boolean {
    return !!this.staged;
  }

  doc(type: string, id: string): StoredResource | undefined {
    return this.staged?.get(`${type}/${id}`)?.doc;
  }

  docs(): StoredResource[] {
    return [...(this.staged?.values() ?? [])].map((w) => w.doc);
  }

  /** A new interaction: a batch entry is its own write; a transaction's entries are committed (and conflict) together. */
  beginInteraction(): void {
    if (!this.staged) this.ifMatch = false;
  }

  /** An operation authorised this staged write: its commit-time reference check keeps what the caller could see. */
  authorisedByOperation(type: string, id: string): void {
    if (this.staged) this.operationWrites.add(`${type}/${id}`);
  }

  /**
   * Runs a bundle's entries with their writes staged in memory, then commits them all at once
   * (store.commitBatch). A failure in any entry throws before anything is written.
   */
  async run<TResult>(callback: () => Promise<TResult>): Promise<TResult> {
    if (this.staged) return callback();
    this.staged = new Map();
    try {
      const result = await callback();
      const writes = [...this.staged.values()];
      this.staged = undefined;
      if (writes.length) await this.commit(writes);
      return result;
    } finally {
      this.staged = undefined;
    }
  }

  /** Stages the write in an open transaction, or commits it at once. */
  async put(write: PlannedWrite): Promise<void> {
    if (this.staged) {
      const key = `${write.type}/${write.doc._id}`;
      const earlier = this.staged.get(key);
      // A later entry on the same resource replaces the staged one but keeps the version it started from.
      this.staged.set(key, earlier ? { ...earlier, doc: write.doc } : write);
      return;
    }
    // A single write had its references checked before the policy-independent look-ups ran.
    await this.commit([write], true);
  }

  private async commit(writes: PlannedWrite[], referencesChecked = false): Promise<void> {
    // What the bundle's entries read is checked again at its commit, and nothing read before a commit is reused after it.
    if (!referencesChecked) this.renewReads();
    try {
      await this.checkAndStore(writes, referencesChecked);
    } finally {
      this.renewReads();
    }
  }

  private async checkAndStore(writes: PlannedWrite[], referencesChecked: boolean): Promise<void> {
    const { ctx } = this.repo;
    const staged = new Set(writes.map((w) => `${w.type}/${w.doc._id}`));
    for (const write of referencesChecked ? [] : writes) {
      const kept = keptByOperation(write.previous, this.operationWrites.has(`${write.type}/${write.doc._id}`), ctx.baseUrl);
      if (!write.doc.del)
        await assertReferencesVisible(
          this.repo,
          write.doc.r,
          new Set([...staged, ...kept]),
          referencesByExistence(ctx.policy.facts, write.doc.r, write.previous)
        );
    }
    // The in-process loaders seed the safe piece by piece; every request's commit keeps it whole.
    if (!ctx.policy.system) assertSafeContentPublishedTogether(writes, this.lookups.relative);
    await storeWrites(this.#store, ctx, this.lookups.relative, writes, this.ifMatch);
    await ctx.onCommitted?.(writes);
  }
}
