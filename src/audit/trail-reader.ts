import type { AuditStore } from '../store/audit-store';
import type { StoredResource } from '../store/stored-resource';
import { auditEventId } from './audit-chain';
import { chainEndFrom } from './chain-end';

/** Per chain, the sequence number of the next event a walk reads there (a paging cursor's content). */
export type TrailPositions = Record<string, number>;

export interface TrailPageQuery {
  chains: string[];
  newestFirst: boolean;
  /** Events wanted on the page (at least 1). */
  count: number;
  /** Where the previous page stopped (its next link); absent on the first page. */
  from?: TrailPositions;
  /** Whether the caller may see this event and it matches the search's other criteria. */
  admits: (doc: StoredResource) => boolean;
}

export interface TrailPage {
  docs: StoredResource[];
  /** Where the next page starts, when events may be left. */
  next?: TrailPositions;
}

/** Event reads of one chain in flight at once: a page costs a few round trips, not one per event. */
const IN_FLIGHT = 16;
/** Events a page may pass over (not admitted, or missing) beyond the page itself: the bound on a filtered walk. */
const PASSED_OVER_BUDGET = 1000;

/**
 * A patient's trail read page by page along its hash chain(s) (SPEC §7): events are addressed by
 * `_id` (chain + sequence number), so a page reads its own events and its chains' heads, never the
 * rest of the trail, whatever its length. Several chains (a patient and those who granted them
 * access) are merged by `recorded`; each chain is read in its sealed order. A page stops early,
 * with a next position, once it has passed over PASSED_OVER_BUDGET events it could not show.
 */
export async function readTrailPage(store: AuditStore, query: TrailPageQuery): Promise<TrailPage> {
  const walkTo = (chain: string, end: number) => {
    const from = query.from?.[chain];
    // A position past the chain's end (a forged or stale cursor) starts at the end: never a walk through absent ids.
    return query.newestFirst ? new ChainWalk(store, chain, Math.min(from ?? end, end), 1, -1) : new ChainWalk(store, chain, Math.max(from ?? 1, 1), end, 1);
  };
  const walks = await Promise.all(
    query.chains.map(async (chain) => {
      const hint = (await store.head(chain))?.seq ?? 0;
      const walk = walkTo(chain, hint);
      // The head hint is moved after the append answers, so it may be a batch or two behind (or more
      // after a writer died): the first reads of the walk go out together with the look past the hint,
      // and are redone from the real end when there is something past it.
      const [beyond] = await Promise.all([store.event(auditEventId(chain, hint + 1)), walk.front(query.count + 1)]);
      return beyond ? walkTo(chain, (await chainEndFrom(store, { _id: chain, seq: hint + 1, hash: '' })).seq) : walk;
    })
  );
  const docs: StoredResource[] = [];
  const positions = () => Object.fromEntries(walks.map((w) => [w.chain, w.position]));
  let passedOver = 0;
  for (;;) {
    if (passedOver + walks.reduce((n, w) => n + w.missing, 0) > PASSED_OVER_BUDGET) return { docs, next: positions() };
    const wanted = query.count + 1 - docs.length;
    const fronts = await Promise.all(walks.map((w) => w.front(wanted)));
    if (walks.some((w) => w.missing > PASSED_OVER_BUDGET)) return { docs, next: positions() };
    const i = nextInOrder(walks, fronts, query.newestFirst);
    if (i < 0) return { docs };
    const doc = fronts[i] as StoredResource;
    if (query.admits(doc)) {
      // One more event to show exists: the page is full and has a next page.
      if (docs.length === query.count) return { docs, next: positions() };
      docs.push(doc);
    } else {
      passedOver++;
    }
    walks[i].take();
  }
}

/** The index of the walk whose front event comes next: by `recorded`, then by chain name (a fixed order). */
function nextInOrder(walks: ChainWalk[], fronts: (StoredResource | undefined)[], newestFirst: boolean): number {
  let best = -1;
  for (let i = 0; i < walks.length; i++) {
    const doc = fronts[i];
    if (!doc) continue;
    if (best < 0) {
      best = i;
      continue;
    }
    const diff = doc.ts.getTime() - (fronts[best] as StoredResource).ts.getTime();
    if ((newestFirst ? diff > 0 : diff < 0) || (diff === 0 && walks[i].chain < walks[best].chain)) best = i;
  }
  return best;
}

/** One chain read in sequence order from a position towards `stop` (inclusive), a few events ahead at a time. */
class ChainWalk {
  /** Events read ahead and not yet taken (undefined: no event at that place). */
  private ahead: { seq: number; doc?: StoredResource }[] = [];
  private toRead: number;
  /** Places passed over because no event was there (a broken chain). */
  missing = 0;

  constructor(
    private readonly store: AuditStore,
    readonly chain: string,
    start: number,
    private readonly stop: number,
    private readonly step: 1 | -1
  ) {
    this.toRead = start;
  }

  /** The sequence number of the next event not taken yet. */
  get position(): number {
    return this.ahead[0]?.seq ?? this.toRead;
  }

  /**
   * The next event of the chain, or undefined at its end or after passing over more than
   * PASSED_OVER_BUDGET missing places (a broken chain); reads up to `wanted` (at most IN_FLIGHT) places at once.
   */
  async front(wanted: number): Promise<StoredResource | undefined> {
    while (this.missing <= PASSED_OVER_BUDGET) {
      if (!this.ahead.length) {
        const seqs: number[] = [];
        for (let seq = this.toRead; seqs.length < Math.min(Math.max(wanted, 1), IN_FLIGHT) && this.within(seq); seq += this.step) seqs.push(seq);
        if (!seqs.length) return undefined;
        const docs = await Promise.all(seqs.map((seq) => this.store.event(auditEventId(this.chain, seq))));
        this.ahead = seqs.map((seq, i) => ({ seq, doc: docs[i] }));
        this.toRead = seqs[seqs.length - 1] + this.step;
      }
      const first = this.ahead[0];
      if (first.doc) return first.doc;
      this.ahead.shift();
      this.missing++;
    }
    return undefined;
  }

  take(): void {
    this.ahead.shift();
  }

  private within(seq: number): boolean {
    return this.step < 0 ? seq >= this.stop : seq <= this.stop;
  }
}
