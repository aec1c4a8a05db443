import type { HumanName } from '@medplum/fhirtypes';
import { and, fieldIn, or, type Condition } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { CONSENT_KIND } from '../vocabulary';

/**
 * The query pieces the facts loaders share: each fact query puts one equality on one value at the
 * top level of its filter (pushed down and indexed on every engine), the rest narrows after it.
 */
export const keyIn = (code: string, values: string[]): Condition => fieldIn(`keys.${code}`, values);

/** Period contains now: start at or before it, end (or no end) at or after it. */
export const inForceAt = (dateCode: string, now: Date): Condition => and({ field: `lo.${dateCode}`, lte: now }, { field: `hi.${dateCode}`, gte: now });

/** Active Consents of these kinds whose period (if any) contains now. */
export const activeConsentOf = (kinds: string[], now: Date): Condition =>
  and(
    keyIn(
      'category',
      kinds.map((k) => `${CONSENT_KIND}|${k}`)
    ),
    keyIn('status', ['active']),
    or({ field: 'lo.period', exists: false }, inForceAt('period', now))
  );

export const isKind = (consent: StoredResource, kind: string): boolean => (consent.s.category ?? []).includes(`${CONSENT_KIND}|${kind}`);

/** Rule 2 off a link's or grant's sidecar: the patient's consent window contains now (missing = no). */
export function consentedAt(doc: StoredResource, now: Date): boolean {
  const { consentFrom, consentUntil } = doc.a;
  return consentFrom instanceof Date && consentUntil instanceof Date && consentFrom.getTime() <= now.getTime() && now.getTime() <= consentUntil.getTime();
}

/**
 * "Field is one of these" as one equality query per value, at most this many in flight: FerretDB
 * pushes a top-level equality down to an index but never an `$in`, which it answers by reading
 * every document the rest of the filter allows (for the consents of a GP's patients: every active
 * consent of the network). So the cost follows the caller's own links, not the network's size.
 */
// Kept low: FerretDB 1.24 holds at most 50 PostgreSQL connections and was seen to hang for good
// once 20 concurrent requests each held 16 (test suite, 2026-11-29); 2 keeps a request's share small.
const EQUALITY_QUERIES_IN_FLIGHT = 2;

export async function readForEach(store: ResourceStore, type: string, code: string, values: string[], rest: Condition): Promise<StoredResource[]> {
  const found: StoredResource[][] = new Array(values.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < values.length) {
      const i = next++;
      found[i] = await store.readFacts(type, and(keyIn(code, [values[i]]), rest));
    }
  };
  await Promise.all(Array.from({ length: Math.min(EQUALITY_QUERIES_IN_FLIGHT, values.length) }, worker));
  return distinct(found.flat());
}

/** One copy of each document (a consent can name the caller both by reference and by NIHII). */
export function distinct(docs: StoredResource[]): StoredResource[] {
  const seen = new Set<string>();
  return docs.filter((d) => !seen.has(d._id) && !!seen.add(d._id));
}

export function displayName(names: HumanName[] | undefined): string | undefined {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return undefined;
  return name.text ?? [...(name.prefix ?? []), ...(name.given ?? []), name.family].filter(Boolean).join(' ');
}
