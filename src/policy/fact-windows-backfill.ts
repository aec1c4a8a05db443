import { and, fieldIn, type Condition } from '../store/condition';
import type { ResourceStore } from '../store/resource-store';
import { NO_RESTRICTION } from './access-fields';
import { afterConsentWrite } from './consent-sync';
import { afterRestrictionWrite } from './restriction-sync';
import { CLINICAL_TYPES } from './resource-classes';
import { CONSENT_KIND } from '../vocabulary';

/** The guard key that marks a database whose windows are all set (by this backfill, or written with them by a bulk loader). */
export const FACT_WINDOWS_BACKFILLED = 'backfilled|fact-windows-1';

/**
 * Data written before links and consents carried the patient's consent window, and documents
 * their author-only window, reads fail closed (no consent, restricted): once, at start-up, before
 * any request, the windows are set from the stored truth. Restricted documents get theirs first,
 * so no document is shown before its restriction is on it; then every document still without one
 * is marked unrestricted. Idempotent (two hub processes may both run it); a marker ends it.
 */
export async function backfillFactWindows(
  store: ResourceStore,
  relative: (ref: string | undefined) => string | undefined,
  now: Date
): Promise<{ patients: number; restricted: number; unrestricted: number }> {
  const result = { patients: 0, restricted: 0, unrestricted: 0 };
  if (await store.hasGuard(FACT_WINDOWS_BACKFILLED)) return result;
  const kind = (k: string): Condition => and(fieldIn('keys.category', [`${CONSENT_KIND}|${k}`]), fieldIn('keys.status', ['active']));
  for await (const consent of store.scan('Consent', kind('hub-sharing'))) {
    if (typeof consent.a.patient !== 'string') continue;
    await afterConsentWrite(store, [consent.a.patient]);
    result.patients++;
  }
  for await (const restriction of store.scan('Consent', kind('document-restriction'))) {
    const documents = (restriction.s.data ?? []).filter((d) => d.startsWith('DocumentReference/'));
    await afterRestrictionWrite(store, documents, relative, now);
    result.restricted += documents.length;
  }
  for (const type of CLINICAL_TYPES) {
    for await (const doc of store.scan(type, { field: 'access.authorOnlyUntil', exists: false })) {
      await store.setAccessFieldsById(type, doc._id, { ...NO_RESTRICTION });
      result.unrestricted++;
    }
  }
  await store.enterGuard({ key: FACT_WINDOWS_BACKFILLED, holder: 'hub', version: 0 });
  return result;
}
