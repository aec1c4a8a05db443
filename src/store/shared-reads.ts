import type { PersistedResource } from './persisted-form';

/**
 * The lone `_id` reads of current documents made for one request (ResourceStore.forRequest): a
 * document is read from the database once, and later reads of it in the request get that answer. A
 * read by id reads its document before its facts, to learn whose it is, answers with that same read,
 * and a refusal records the patient from it too. Forgotten as soon as the request writes, so no read
 * after one of its writes sees what was there before.
 */
export class SharedReads {
  private readonly answers = new Map<string, Promise<PersistedResource | null>>();

  read(key: string, load: () => Promise<PersistedResource | null>): Promise<PersistedResource | null> {
    const shared = this.answers.get(key);
    // Every reader, the first included, gets its own copy of the answer kept here: none can change what another one reads.
    if (shared) return shared.then((doc) => doc && copyOf(doc));
    const read = load();
    this.answers.set(key, read);
    // A failed read is not kept: the next reader asks the database again.
    read.catch(() => this.answers.get(key) === read && this.answers.delete(key));
    return read.then((doc) => doc && copyOf(doc));
  }

  forget(): void {
    this.answers.clear();
  }
}

/**
 * A deep copy of a stored document's plain values (objects, arrays, dates); anything else is kept as
 * is. Not structuredClone: its copies are built in the main realm, where `instanceof Date` of another
 * realm (a test runner's) does not hold, and the access sidecar's dates are compared that way.
 */
function copyOf<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, copyOf(v)])) as T;
  }
  return value;
}
