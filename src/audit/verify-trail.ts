import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditStore } from '../store/audit-store';
import type { AccessFields } from '../store/stored-resource';
import { auditEventId, GENESIS, readSeal } from './audit-chain';

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
 * the sealed content says (moving an event out of a patient's view is tampering too). Events no
 * chain reaches (a forged id, a deleted head) are reported as well.
 */
export async function verifyAuditTrail(store: AuditStore, onChain: (chains: number, events: number) => void = () => undefined): Promise<TrailReport> {
  let chains = 0;
  let events = 0;
  for await (const head of store.allHeads()) {
    chains++;
    let previous = GENESIS;
    for (let seq = 1; ; seq++) {
      const id = auditEventId(head._id, seq);
      const doc = await store.event(id);
      if (!doc) {
        if (seq <= head.seq) return { chains, events, broken: { chain: head._id, seq, eventId: id, reason: 'event missing from its chain' } };
        break;
      }
      const reason = problemOf(doc.r as AuditEvent, doc.a, head._id, seq, previous);
      if (reason) return { chains, events, broken: { chain: head._id, seq, eventId: id, reason } };
      previous = readSeal(doc.r as AuditEvent).link?.hash ?? '';
      events++;
    }
    onChain(chains, events);
  }
  const stored = await store.countEvents();
  if (stored !== events) {
    return { chains, events, broken: { chain: '', seq: 0, eventId: '', reason: `${stored - events} stored event(s) belong to no chain` } };
  }
  return { chains, events };
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
