import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditStore } from '../store/audit-store';
import type { AccessFields } from '../store/stored-resource';
import { auditEventId, GENESIS, linkOf, readSeal } from './audit-chain';

export interface BrokenLink {
  chain: string;
  /** Position in the chain where the chain stops being trustworthy. */
  seq: number;
  eventId: string;
  reason: string;
}

export interface TrailReport {
  chains: number;
  events: number;
  /** The first broken link found, chains taken in order; none = the trail is intact. */
  broken?: BrokenLink;
}

/**
 * Walks every chain from its first event (lone `{_id}` reads: the ids are computed) and checks
 * each event's hash, its place, its link to the previous hash and that its access fields say what
 * the sealed content says (moving an event out of a patient's view is tampering too). The chains
 * are found by their first events, not by their stored heads: a head is a hint written after the
 * append answers, so it may be missing or behind, or land while the verifier runs. A chain is
 * walked to its real end; a head further than that, or a head whose chain has no first event,
 * means events are missing. Events no chain reaches (a forged id) are reported as well.
 */
export async function verifyAuditTrail(store: AuditStore, onChain: (chains: number, events: number) => void = () => undefined): Promise<TrailReport> {
  let chains = 0;
  let events = 0;
  for await (const chain of store.startedChains()) {
    chains++;
    const checked = await verifyChain(store, chain, (await store.head(chain))?.seq ?? 0);
    events += checked.events;
    if (checked.broken) return { chains, events, broken: checked.broken };
    onChain(chains, events);
  }
  for await (const head of store.allHeads()) {
    const first = auditEventId(head._id, 1);
    if (head.seq >= 1 && !(await store.event(first))) {
      return { chains, events, broken: { chain: head._id, seq: 1, eventId: first, reason: 'event missing from its chain' } };
    }
  }
  const stored = await store.countEvents();
  if (stored !== events) {
    return { chains, events, broken: { chain: '', seq: 0, eventId: '', reason: `${stored - events} stored event(s) belong to no chain` } };
  }
  return { chains, events };
}

/** One chain from its first event to its end (at least to `headSeq`, where the head hint says it reaches). */
async function verifyChain(store: AuditStore, chain: string, headSeq: number): Promise<{ events: number; broken?: BrokenLink }> {
  let previous = GENESIS;
  for (let seq = 1; ; seq++) {
    const id = auditEventId(chain, seq);
    const doc = await store.event(id);
    if (!doc) {
      if (seq <= headSeq) return { events: seq - 1, broken: { chain, seq, eventId: id, reason: 'event missing from its chain' } };
      return { events: seq - 1 };
    }
    const reason = problemOf(doc.r as AuditEvent, doc.a, chain, seq, previous);
    if (reason) return { events: seq - 1, broken: { chain, seq, eventId: id, reason } };
    // Checked just above (problemOf): the link is read as written, not hashed twice.
    previous = linkOf(doc.r as AuditEvent)?.hash ?? '';
  }
}

function problemOf(event: AuditEvent, access: AccessFields, chain: string, seq: number, previous: string): string | undefined {
  const { link, intact } = readSeal(event);
  if (!link) return 'event carries no chain seal';
  if (!intact) return 'content does not match its hash';
  if (link.chain !== chain || link.seq !== seq || event.id !== auditEventId(chain, seq)) return 'event sealed for another place';
  if (link.previous !== previous) return 'previous hash does not match the previous event';
  const patient = event.entity?.find((e) => e.role?.code === '1')?.what?.reference;
  if (access.chain !== chain || access.seq !== seq || (access.patient ?? undefined) !== patient) return 'access fields do not match the sealed event';
  return undefined;
}
