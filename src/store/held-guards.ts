import { randomUUID } from 'node:crypto';
import type { StoreCollections } from './store-collections';
import { insertedUnique } from './version-claim';
import { exclusively, type GuardClaim } from './write-guards';

/**
 * Guards used outside a version write (write-guards.ts): entered by start-up maintenance, looked
 * up, or held around a piece of work that must not run twice at once (a conditional create).
 */
export class HeldGuards {
  constructor(private readonly collections: StoreCollections) {}

  /** Inserts a guard unless one exists already (start-up maintenance); whether it was inserted. */
  async enterGuard(claim: GuardClaim): Promise<boolean> {
    this.collections.writing();
    return insertedUnique(this.collections.guards, {
      _id: claim.key,
      holder: claim.holder,
      version: claim.version,
      token: randomUUID(),
      claimedAt: new Date(),
    });
  }

  async hasGuard(key: string): Promise<boolean> {
    return !!(await this.collections.guards.findOne({ _id: key }, { projection: { _id: 1 } }));
  }

  /** Runs `work` as the only holder of `key` (write-guards.ts `exclusively`). */
  async exclusively<T>(key: string, work: () => Promise<T>): Promise<T> {
    this.collections.writing();
    return exclusively(this.collections.guards, key, work);
  }
}
