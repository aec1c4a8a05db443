import { randomUUID } from 'node:crypto';
import type { ResourceStore } from '../store/resource-store';
import type { PlannedWrite } from '../store/stored-resource';
import { NO_CONSENT, RESTRICTED_PENDING, type AccessFields, type AuthorOnlyWindow, type ConsentWindow } from './access-fields';
import { authorOnlyWindow, hubSharingWindow } from './access-lookups';
import { setDocumentWindow } from './restriction-sync';
import { SUMEHR_ENTRY_TYPES } from './resource-classes';

/**
 * The fact windows a write carries (consent window, author-only window) were read before the
 * write; a consent or restriction changed in between may already have been resynced past it. So a
 * write stores its windows closed, stamped, and opens them after the commit from what is stored
 * then, by a compare-and-set on the stamp: the fact writers write first and resync after with a
 * fresh stamp, so whichever side comes second sees the other, and a resync that came in between
 * wins over the stale value. A failure anywhere leaves the windows closed (fail closed).
 */
export function closeWindows(writes: PlannedWrite[]): string {
  const stamp = randomUUID();
  // A deletion keeps the windows it had: nothing reads a deleted resource's content, and its
  // version must stay comparable (If-Match on a deleted resource is a 412, not a 404).
  for (const w of writes.filter((w) => !w.doc.del)) {
    const a = w.doc.a as AccessFields;
    if ('consentFrom' in a) Object.assign(a, NO_CONSENT, { consentStamp: stamp });
    if (restrictedThrough(a)) Object.assign(a, RESTRICTED_PENDING, { restrictionStamp: stamp });
  }
  return stamp;
}

export async function openWindows(
  store: ResourceStore,
  writes: PlannedWrite[],
  stamp: string,
  relative: (ref: string | undefined) => string | undefined,
  now: Date
): Promise<void> {
  const consents = new Map<string, Promise<ConsentWindow>>();
  const restrictions = new Map<string, Promise<AuthorOnlyWindow>>();
  const consentOf = (patient: string) => cached(consents, patient, () => hubSharingWindow(store, patient));
  const restrictionOf = (document: string) => cached(restrictions, document, () => authorOnlyWindow(store, document, now));
  for (const w of writes.filter((w) => !w.doc.del)) {
    const a = w.doc.a as AccessFields;
    if (a.consentStamp === stamp && a.patient) {
      const window = await consentOf(a.patient);
      await setConsentWindow(store, w, window, { consentStamp: stamp });
      Object.assign(a, window);
    }
    const document = restrictedThrough(a);
    if (a.restrictionStamp === stamp && document) {
      const window = await restrictionOf(document);
      const onlyIf = { restrictionStamp: stamp };
      if (w.type === 'DocumentReference') await setDocumentWindow(store, document, window, relative, onlyIf);
      else await store.setAccessFieldsById(w.type, w.doc._id, { ...window }, onlyIf);
      Object.assign(a, window);
    }
  }
}

/** The resource, and what copied its fields in this commit: a DocumentReference's Binaries, a SUMEHR's entries. */
async function setConsentWindow(store: ResourceStore, w: PlannedWrite, window: ConsentWindow, onlyIf: Record<string, string>): Promise<void> {
  await store.setAccessFieldsById(w.type, w.doc._id, { ...window }, onlyIf);
  if (w.type === 'DocumentReference') await store.setAccessFields('Binary', 'document', `DocumentReference/${w.doc._id}`, { ...window }, onlyIf);
  if (w.type === 'Composition') {
    for (const type of SUMEHR_ENTRY_TYPES) await store.setAccessFields(type, 'document', `Composition/${w.doc._id}`, { ...window }, onlyIf);
  }
}

/** The DocumentReference whose restrictions without actor govern these fields, if any. */
function restrictedThrough(a: AccessFields): string | undefined {
  return 'authorOnlyFrom' in a && a.document?.startsWith('DocumentReference/') ? a.document : undefined;
}

function cached<T>(memo: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = memo.get(key);
  if (!value) memo.set(key, (value = load()));
  return value;
}
