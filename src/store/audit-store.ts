import type { Collection, Db } from 'mongodb';
import type { StoreFaults } from './resource-store';
import { fromPersisted, toPersisted, type PersistedResource } from './persisted-form';
import type { StoredResource } from './stored-resource';

export const AUDIT_COLLECTION = 'AuditEvent';
export const AUDIT_CHAIN_COLLECTION = 'AuditChain';

/** The last event of one chain: its sequence number and hash. */
export interface ChainHead {
  _id: string;
  seq: number;
  hash: string;
}

/**
 * Storage of the audit trail: events are inserted once and never replaced. The event `_id`
 * encodes its chain and sequence number, so the unique `_id` is what makes two writers unable to
 * take the same place in a chain (no transaction needed), and every read here is a lone `{_id}`.
 * The head documents are a hint to find a chain's end quickly; the events are the truth.
 */
export class AuditStore {
  constructor(
    private readonly db: Db,
    private readonly faults: StoreFaults = {}
  ) {}

  /** Events in the persisted form (persisted-form.ts), like every other type's documents. */
  private get events(): Collection<PersistedResource> {
    return this.db.collection<PersistedResource>(AUDIT_COLLECTION);
  }

  private get heads(): Collection<ChainHead> {
    return this.db.collection<ChainHead>(AUDIT_CHAIN_COLLECTION);
  }

  async head(chain: string): Promise<ChainHead | undefined> {
    return (await this.heads.findOne({ _id: chain })) ?? undefined;
  }

  async event(id: string): Promise<StoredResource | undefined> {
    const found = await this.events.findOne({ _id: id });
    return found ? fromPersisted(found) : undefined;
  }

  /**
   * Inserts a batch of consecutive events in order and stops at the first place already taken
   * (ordered insert): returns how many went in, so the caller re-seals the rest after the real end.
   */
  async insertEvents(docs: StoredResource[]): Promise<number> {
    this.faults.beforeAuditWrite?.();
    try {
      await this.events.insertMany(docs.map(toPersisted), { ordered: true });
      return docs.length;
    } catch (err) {
      const e = err as { code?: number; insertedCount?: number; result?: { insertedCount?: number } };
      const inserted = e.insertedCount ?? e.result?.insertedCount;
      if (e.code === 11000 && typeof inserted === 'number') return inserted;
      throw err;
    }
  }

  /** Moves the head hint forward; a writer that is behind (another process went further) leaves it. */
  async setHead(head: ChainHead): Promise<void> {
    this.faults.beforeHeadWrite?.();
    try {
      await this.heads.replaceOne({ _id: head._id, seq: { $lt: head.seq } }, head, { upsert: true });
    } catch (err) {
      // The head exists with a later position: the upsert's insert collides, which is the answer.
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  /** Every chain head hint, for the verifier. */
  allHeads(): AsyncIterable<ChainHead> {
    return this.heads.find({}).sort({ _id: 1 });
  }

  /**
   * The chain of every first event, for the verifier: every chain, whether or not its head hint is
   * stored yet (it is written after the append answers). A scan, as the verifier reads everything.
   */
  async *startedChains(): AsyncIterable<string> {
    const firsts = this.events.find({ 'a:seq': 1 }).project<Record<string, unknown>>({ 'a:chain': 1 });
    for await (const first of firsts) {
      const chain = first['a:chain'];
      if (typeof chain === 'string') yield chain;
    }
  }

  async countEvents(): Promise<number> {
    return this.events.countDocuments({});
  }
}
