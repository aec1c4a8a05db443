/**
 * One writer at a time per current document, within this hub process.
 *
 * Why: FerretDB 1.24 runs every update and replace as a read (the filter is evaluated on a SELECT)
 * followed by a blind write of the whole document (`UPDATE ... SET _jsonb = $1 WHERE _id = $2`, no
 * condition on what was read). Two writes of one document can therefore interleave, and the later
 * blind write puts back the document the earlier one replaced: a post-commit window compare-and-set
 * that read version 2 wrote version 2 back over a version 3 already answered 200. The version claim
 * (version-claim.ts) serializes version numbers, not the writes of the current document, so every
 * write of a current document in src/store (a new version put in place, a bundle's apply and undo,
 * access fields set by id or by field) runs its read-then-write under this lock, keyed by
 * database, collection and `_id`. Entries are removed as soon as no writer holds or waits for them.
 *
 * What it does NOT cover: two hub processes on one database. Their writes of one document still
 * interleave as above. What would cover it is a per-document write guard claimed in the database
 * (a unique `_id` insert, the one write FerretDB makes atomic, taken before each write of the
 * current document and released after), at the cost of two more round trips per write: not built.
 * Until then a deployment runs one hub process per database (docs/operating.md).
 */
const tails = new Map<string, Promise<void>>();

/** Runs `work` once every earlier holder of `key` is done; later callers wait for it in turn. */
export async function withDocumentLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(key);
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous ? previous.then(() => mine) : mine;
  tails.set(key, tail);
  try {
    if (previous) await previous;
    return await work();
  } finally {
    release();
    // Nobody queued behind us: the entry goes (no key outlives its writers).
    if (tails.get(key) === tail) tails.delete(key);
  }
}

/** The key of one current document. */
export function documentKey(database: string, collection: string, id: string): string {
  return `${database}/${collection}/${id}`;
}

/** How many documents have a holder or a waiter now (tests check that none is left behind). */
export function lockedDocumentCount(): number {
  return tails.size;
}

/**
 * Runs `work` on every item, at most `limit` at a time; answers the results in order. Waits for
 * all (none is left in flight behind a failure), then fails with the first error.
 */
export async function eachBounded<I, R>(items: I[], limit: number, work: (item: I) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
