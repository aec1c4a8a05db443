import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditStore, ChainHead } from '../store/audit-store';
import { auditEventId, linkOf } from './audit-chain';

/** Places read at once when walking towards a chain's end: doubled each round up to this bound. */
const MAX_PROBES = 16;

/**
 * A chain's last event, found from a place known to hold one (or the genesis, seq 0): the stored
 * head is a hint that may be behind (it is moved after the append answers, and a process may die
 * before), so writers and readers walk forward past it. The places after `from` are read several
 * at a time (1, 2, 4 ... up to MAX_PROBES in parallel), so a head a few batches behind costs a
 * round trip or two, not one per event. Chains have no gaps (ordered inserts), so the first
 * empty place ends the walk.
 */
export async function chainEndFrom(store: AuditStore, from: ChainHead): Promise<ChainHead> {
  let head = from;
  for (let probes = 1; ; probes = Math.min(probes * 2, MAX_PROBES)) {
    const seqs = Array.from({ length: probes }, (_, i) => head.seq + 1 + i);
    const docs = await Promise.all(seqs.map((seq) => store.event(auditEventId(head._id, seq))));
    const gap = docs.findIndex((d) => !d);
    const present = gap < 0 ? docs : docs.slice(0, gap);
    const last = present[present.length - 1];
    if (last) head = { _id: head._id, seq: head.seq + present.length, hash: linkOf(last.r as AuditEvent)?.hash ?? '' };
    if (gap >= 0) return head;
  }
}
