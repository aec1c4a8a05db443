import type { AuditEvent } from '@medplum/fhirtypes';
import { toStoredResource } from '../fhir/stored-form';
import type { AuditStore, ChainHead } from '../store/audit-store';
import type { StoredResource } from '../store/stored-resource';
import { auditEventId, chainOf, GENESIS, readSeal, sealEvent } from './audit-chain';
import type { PendingAuditEvent } from './audit-event';

/** Writes AuditEvents; the hub's is the hash-chained trail below. */
export interface AuditWriter {
  write(events: PendingAuditEvent[], userSub: string): Promise<void>;
}

/** Tries before a batch gives up when other writers keep taking the chain's next places. */
const MAX_ATTEMPTS = 20;
/** Events sealed into one batch at most: bounds one insert and the work redone after a conflict. */
const MAX_BATCH_EVENTS = 500;

/** The events of one request for one chain, and how to tell that request when they are stored. */
interface Waiting {
  events: PendingAuditEvent[];
  done: () => void;
  failed: (err: unknown) => void;
}

/**
 * The tamper-evident trail (SPEC §7), one hash chain per patient, written by group commit: while
 * one batch of a chain is being stored, the events of every request arriving for that chain wait
 * together; the next batch seals them all, in arrival order, one after the other onto the chain's
 * end and appends them in one ordered insert. A request returns once its events are stored, and
 * fails if its batch cannot be (no unaudited access). Across processes the unique event `_id`
 * (chain + position) refuses a second writer: the insert stops at the first taken place, and the
 * rest is re-sealed after the chain's real end. Nothing is ever updated or deleted.
 */
export class AuditTrail implements AuditWriter {
  private readonly heads = new Map<string, ChainHead>();
  /** Per chain: the requests waiting for the next batch; present while a batch is being stored. */
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(
    private readonly store: AuditStore,
    private readonly baseUrl: string
  ) {}

  async write(events: PendingAuditEvent[], userSub: string): Promise<void> {
    const byChain = new Map<string, PendingAuditEvent[]>();
    for (const e of events) {
      const chain = chainOf(e.patient, userSub);
      byChain.set(chain, [...(byChain.get(chain) ?? []), e]);
    }
    await Promise.all([...byChain].map(([chain, pending]) => this.enqueue(chain, pending)));
  }

  private enqueue(chain: string, events: PendingAuditEvent[]): Promise<void> {
    return new Promise<void>((done, failed) => {
      const queue = this.waiting.get(chain);
      if (queue) {
        queue.push({ events, done, failed });
        return;
      }
      this.waiting.set(chain, [{ events, done, failed }]);
      void this.drain(chain);
    });
  }

  /** Stores the chain's waiting requests batch after batch until none is left. */
  private async drain(chain: string): Promise<void> {
    for (;;) {
      const queue = this.waiting.get(chain) ?? [];
      if (!queue.length) {
        this.waiting.delete(chain);
        return;
      }
      const batch = takeBatch(queue);
      try {
        await this.appendBatch(
          chain,
          batch.flatMap((w) => w.events)
        );
        for (const w of batch) w.done();
      } catch (err) {
        // The chain's end is no longer known for sure: the next batch reloads it.
        this.heads.delete(chain);
        for (const w of batch) w.failed(err);
      }
    }
  }

  private async appendBatch(chain: string, events: PendingAuditEvent[]): Promise<void> {
    let rest = events;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await this.headOf(chain);
      const docs = this.sealAll(chain, head, rest);
      const stored = await this.store.insertEvents(docs);
      if (stored > 0) {
        const last = docs[stored - 1];
        const next: ChainHead = { _id: chain, seq: head.seq + stored, hash: readSeal(last.r as AuditEvent).link?.hash ?? '' };
        this.heads.set(chain, next);
        await this.store.setHead(next);
      }
      if (stored === docs.length) return;
      // Another process took the next place: find the chain's real end and seal the rest after it.
      rest = rest.slice(stored);
      this.heads.delete(chain);
    }
    throw new Error(`audit chain ${chain}: could not append after ${MAX_ATTEMPTS} attempts`);
  }

  /** Seals the events one after the other onto `head`: each carries the hash of the one before. */
  private sealAll(chain: string, head: ChainHead, events: PendingAuditEvent[]): StoredResource[] {
    let previous = head.hash;
    return events.map((pending, i) => {
      const seq = head.seq + 1 + i;
      const sealed = sealEvent(pending.event, chain, seq, previous);
      previous = readSeal(sealed).link?.hash ?? '';
      const doc = toStoredResource(sealed as AuditEvent & { id: string }, 1, new Date(pending.event.recorded), this.baseUrl, {
        patient: pending.patient,
        authors: pending.requestor ? [pending.requestor] : [],
        current: pending.outcome === '0',
        chain,
        seq,
      });
      // The patient search parameter resolves references by type; an event's patient is known here.
      if (pending.patient) doc.s.patient = [...new Set([...(doc.s.patient ?? []), pending.patient])];
      return doc;
    });
  }

  /** The chain's last event: cached, else the stored head, then walked forward past anything appended since. */
  private async headOf(chain: string): Promise<ChainHead> {
    const cached = this.heads.get(chain);
    if (cached) return cached;
    let head: ChainHead = (await this.store.head(chain)) ?? { _id: chain, seq: 0, hash: GENESIS };
    for (;;) {
      const next = await this.store.event(auditEventId(chain, head.seq + 1));
      if (!next) break;
      head = { _id: chain, seq: head.seq + 1, hash: readSeal(next.r as AuditEvent).link?.hash ?? '' };
    }
    this.heads.set(chain, head);
    return head;
  }
}

/** Takes the oldest waiting requests, whole, up to the batch bound (always at least one). */
function takeBatch(queue: Waiting[]): Waiting[] {
  let events = 0;
  let n = 0;
  while (n < queue.length && (n === 0 || events + queue[n].events.length <= MAX_BATCH_EVENTS)) events += queue[n++].events.length;
  return queue.splice(0, n);
}
