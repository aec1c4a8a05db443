import type { AuditEvent } from '@medplum/fhirtypes';
import { toStoredResource } from '../fhir/stored-form';
import type { AuditStore, ChainHead } from '../store/audit-store';
import { auditEventId, chainOf, GENESIS, readSeal, sealEvent } from './audit-chain';
import type { PendingAuditEvent } from './audit-event';

/** Writes AuditEvents; the hub's is the hash-chained trail below. */
export interface AuditWriter {
  write(events: PendingAuditEvent[], userSub: string): Promise<void>;
}

/** Tries before an append gives up when other writers keep taking the chain's next place. */
const MAX_ATTEMPTS = 20;

/**
 * The tamper-evident trail (SPEC §7). Each event is sealed with the hash of the previous event of
 * its chain (one chain per patient). Appends to one chain are serialised in this process; across
 * processes the unique event `_id` (chain + sequence) refuses a second writer, which then reloads
 * the chain's end and retries. Nothing is ever updated or deleted.
 */
export class AuditTrail implements AuditWriter {
  private readonly heads = new Map<string, ChainHead>();
  private readonly queues = new Map<string, Promise<unknown>>();

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
    await Promise.all([...byChain].map(([chain, pending]) => this.serialised(chain, () => this.appendAll(chain, pending))));
  }

  private async appendAll(chain: string, pending: PendingAuditEvent[]): Promise<void> {
    for (const e of pending) await this.append(chain, e);
  }

  private async append(chain: string, pending: PendingAuditEvent): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await this.headOf(chain);
      const seq = head.seq + 1;
      const sealed = sealEvent(pending.event, chain, seq, head.hash);
      const recorded = new Date(pending.event.recorded);
      const doc = toStoredResource(sealed as AuditEvent & { id: string }, 1, recorded, this.baseUrl, {
        patient: pending.patient,
        authors: pending.requestor ? [pending.requestor] : [],
        current: pending.outcome === '0',
        chain,
        seq,
      });
      // The patient search parameter resolves references by type; an event's patient is known here.
      if (pending.patient) doc.s.patient = [...new Set([...(doc.s.patient ?? []), pending.patient])];
      if (await this.store.insertEvent(doc)) {
        const next: ChainHead = { _id: chain, seq, hash: readSeal(sealed).link?.hash ?? '' };
        this.heads.set(chain, next);
        await this.store.setHead(next);
        return;
      }
      // Another process took this place: find the chain's real end again.
      this.heads.delete(chain);
    }
    throw new Error(`audit chain ${chain}: could not append after ${MAX_ATTEMPTS} attempts`);
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

  /** Runs appends to one chain one after the other in this process. */
  private serialised(chain: string, run: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(chain) ?? Promise.resolve();
    const done = previous.catch(() => undefined).then(run);
    this.queues.set(chain, done);
    const cleanup = () => {
      if (this.queues.get(chain) === done) this.queues.delete(chain);
    };
    done.then(cleanup, cleanup);
    return done;
  }
}
