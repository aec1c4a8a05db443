import type { PersistedResource } from './persisted-form';

/**
 * The lone `_id` reads of current documents made for one request (ResourceStore.forRequest): the
 * answer to one is handed to the next read of the same document instead of sending it again. A read
 * by id reads its document before its facts, to learn whose it is, and answers with that same read.
 * Forgotten as soon as the request writes, so no read after one of its writes sees what was before.
 */
export class SharedReads {
  private readonly pending = new Map<string, Promise<PersistedResource | null>>();

  read(key: string, load: () => Promise<PersistedResource | null>): Promise<PersistedResource | null> {
    const shared = this.pending.get(key);
    if (shared) {
      // Handed on once: a third read of the document asks the database again.
      this.pending.delete(key);
      return shared;
    }
    const read = load();
    this.pending.set(key, read);
    return read;
  }

  forget(): void {
    this.pending.clear();
  }
}
