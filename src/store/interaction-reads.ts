import type { Condition } from './condition';
import { matchesCondition } from './condition-eval';
import { fromPersisted, type PersistedResource } from './persisted-form';
import type { StoredResource } from './stored-resource';

/**
 * The reads by id of one interaction: each document is fetched once, however many of the write's
 * steps ask for it (the custodian is read for its release default, as a reference, and for its
 * registered sources). Every answer is converted anew, so no step sees another's changes. Lives
 * for one interaction only: the repository starts a new one for each, and after each commit.
 * It reads through the request's shared reads (shared-reads.ts), so a document the request's
 * policy read already (to learn its patient) is not read again to answer.
 */
export class InteractionReads {
  private readonly fetched = new Map<string, Promise<PersistedResource | null>>();

  constructor(private readonly findById: (type: string, id: string) => Promise<PersistedResource | null>) {}

  /** As ResourceStore.readCurrent: the current document, deleted or not, if it satisfies `scope`. */
  async readCurrent(type: string, id: string, scope: Condition): Promise<StoredResource | undefined> {
    if ('never' in scope) return undefined;
    const found = await this.fetch(type, id);
    const doc = found ? fromPersisted(found) : undefined;
    return doc && matchesCondition(scope, doc) ? doc : undefined;
  }

  /** As ResourceStore.readFactById: one current, not deleted document. */
  async readFactById(type: string, id: string): Promise<StoredResource | undefined> {
    const found = await this.fetch(type, id);
    return found && !found.del ? fromPersisted(found) : undefined;
  }

  private fetch(type: string, id: string): Promise<PersistedResource | null> {
    const key = `${type}/${id}`;
    let found = this.fetched.get(key);
    if (!found) {
      found = this.findById(type, id);
      this.fetched.set(key, found);
      // A failed read is not kept: the next step asks the database again.
      found.catch(() => this.fetched.delete(key));
    }
    return found;
  }
}
