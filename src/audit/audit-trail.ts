import type { AuditEvent } from '@medplum/fhirtypes';
import { toStoredResource } from '../fhir/stored-form';
import { createLogger, describeError, type Logger } from '../log';
import type { AuditStore, ChainHead } from '../store/audit-store';
import type { StoredResource } from '../store/stored-resource';
import { chainOf, GENESIS, linkOf, patientChain, sealEvent } from './audit-chain';
import type { PendingAuditEvent } from './audit-event';
import { chainEndFrom } from './chain-end';

/** Writes AuditEvents; the hub's is the hash-chained trail below. */
export interface AuditWriter {
  /** Resolves once the events are stored (durable); rejects when they cannot be. */
  write(events: PendingAuditEvent[], userSub: string): Promise<void>;
  /**
   * A request about this patient (`Patient/<id>`) is under way: the writer may look up what it
   * will need for its events now, alongside the request's own reads. Only a hint; never fails.
   */
  expect(patient: string): void;
  /** Resolves once the work left after the answers (chain head hints) is done: before closing the database. */
  settled(): Promise<void>;
}

/** Tries before a batch gives up when other writers keep taking the chain's next places. */
const MAX_ATTEMPTS = 20;
/** Events sealed into one batch at most: bounds one insert and the work redone after a conflict. */
const MAX_BATCH_EVENTS = 500;
/** Chain ends remembered in memory (the most recently used): a hub sees far fewer patients at a time than it holds. */
const MAX_CACHED_HEADS = 10_000;
/** How long a head read ahead for an expected request is used: the request's own lifetime, give or take. */
const EXPECTED_HEAD_MS = 10_000;

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
 * rest is re-sealed after the chain's real end. No event is ever updated or deleted.
 *
 * The stored chain head is only a hint to find a chain's end: a request waits for its events'
 * insert alone, and the head is moved afterwards (at most one head write in flight per chain, the
 * newest waiting one next; a conditional update never moves it back). A chain not in memory
 * starts from the stored head as a guess: the insert itself tells whether it was the end.
 */
export class AuditTrail implements AuditWriter {
  /** Per chain, its last event as this process knows it (most recently used last). */
  private readonly heads = new Map<string, ChainHead>();
  /** Per chain: the requests waiting for the next batch; present while a batch is being stored. */
  private readonly waiting = new Map<string, Waiting[]>();
  /** Per chain with a head write in flight: the newest head waiting to be written after it, if any. */
  private readonly headsToWrite = new Map<string, ChainHead | undefined>();
  private readonly headWriters = new Set<Promise<void>>();
  /** Stored heads read ahead for requests under way (expect), by chain. */
  private readonly expected = new Map<string, { head: Promise<ChainHead | undefined>; at: number }>();

  constructor(
    private readonly store: AuditStore,
    private readonly baseUrl: string,
    private readonly log: Logger = createLogger('warn')
  ) {}

  expect(patient: string): void {
    const chain = patientChain(patient);
    if (this.heads.has(chain) || this.expected.has(chain)) return;
    // A failed read here is only a missed hint: the append reads the head again itself.
    const head = this.store.head(chain).then(
      (stored) => stored ?? genesisOf(chain),
      () => undefined
    );
    this.expected.set(chain, { head, at: Date.now() });
    if (this.expected.size > MAX_CACHED_HEADS) this.expected.delete(this.expected.keys().next().value as string);
  }

  async settled(): Promise<void> {
    while (this.headWriters.size) await Promise.all([...this.headWriters]);
  }

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
    let head = await this.headOf(chain);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const docs = this.sealAll(chain, head, rest);
      const stored = await this.store.insertEvents(docs);
      if (stored > 0) {
        head = { _id: chain, seq: head.seq + stored, hash: linkOf(docs[stored - 1].r as AuditEvent)?.hash ?? '' };
        this.remember(head);
        this.moveStoredHead(head);
      }
      if (stored === docs.length) return;
      // The next place is taken (another process, or a stale guess): walk to the chain's real end and seal the rest after it.
      rest = rest.slice(stored);
      head = await chainEndFrom(this.store, head);
    }
    throw new Error(`audit chain ${chain}: could not append after ${MAX_ATTEMPTS} attempts`);
  }

  /** Seals the events one after the other onto `head`: each carries the hash of the one before. */
  private sealAll(chain: string, head: ChainHead, events: PendingAuditEvent[]): StoredResource[] {
    let previous = head.hash;
    return events.map((pending, i) => {
      const seq = head.seq + 1 + i;
      const sealed = sealEvent(pending.event, chain, seq, previous);
      previous = linkOf(sealed)?.hash ?? '';
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

  /**
   * The chain's last event as far as known without walking: remembered, else the stored head (a
   * guess, possibly behind; read ahead when the request was expected), else the genesis. A guess
   * that is behind costs a refused insert and a walk; reading ahead of every insert would cost
   * every cold chain a round trip instead.
   */
  private async headOf(chain: string): Promise<ChainHead> {
    const cached = this.heads.get(chain);
    if (cached) return cached;
    const expected = this.expected.get(chain);
    this.expected.delete(chain);
    const early = expected && Date.now() - expected.at < EXPECTED_HEAD_MS ? await expected.head : undefined;
    return early ?? (await this.store.head(chain)) ?? genesisOf(chain);
  }

  private remember(head: ChainHead): void {
    // What this process appended supersedes a head read ahead meanwhile (which may be older).
    this.expected.delete(head._id);
    this.heads.delete(head._id);
    this.heads.set(head._id, head);
    if (this.heads.size > MAX_CACHED_HEADS) this.heads.delete(this.heads.keys().next().value as string);
  }

  /** Moves the stored head hint after the answer: one write in flight per chain, the newest head next. */
  private moveStoredHead(head: ChainHead): void {
    if (this.headsToWrite.has(head._id)) {
      const queued = this.headsToWrite.get(head._id);
      if (!queued || queued.seq < head.seq) this.headsToWrite.set(head._id, head);
      return;
    }
    this.headsToWrite.set(head._id, undefined);
    const writer = this.writeHeads(head).finally(() => this.headWriters.delete(writer));
    this.headWriters.add(writer);
  }

  private async writeHeads(first: ChainHead): Promise<void> {
    for (let head: ChainHead | undefined = first; head;) {
      try {
        await this.store.setHead(head);
      } catch (err) {
        // Only a hint: readers and writers walk past a head left behind.
        this.log.warn('audit chain head hint not moved', { chain: head._id, seq: head.seq, ...describeError(err) });
      }
      head = this.headsToWrite.get(first._id);
      this.headsToWrite.set(first._id, undefined);
    }
    this.headsToWrite.delete(first._id);
  }
}

function genesisOf(chain: string): ChainHead {
  return { _id: chain, seq: 0, hash: GENESIS };
}

/** Takes the oldest waiting requests, whole, up to the batch bound (always at least one). */
function takeBatch(queue: Waiting[]): Waiting[] {
  let events = 0;
  let n = 0;
  while (n < queue.length && (n === 0 || events + queue[n].events.length <= MAX_BATCH_EVENTS)) events += queue[n++].events.length;
  return queue.splice(0, n);
}
