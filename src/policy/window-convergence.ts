import { randomUUID } from 'node:crypto';
import type { ResourceStore } from '../store/resource-store';
import type { PlannedWrite } from '../store/stored-resource';
import { NO_CONSENT, RESTRICTED_PENDING, type AccessFields, type AuthorOnlyWindow, type ConsentWindow } from './access-fields';
import { authorOnlyWindow, hubSharingWindow } from './access-lookups';
import { setDocumentWindow } from './restriction-sync';
import { SUMEHR_ENTRY_TYPES } from './resource-classes';

/**
 * The fact windows a write carries (consent window, author-only window) were read before the
 * write; a consent or restriction changed in between may already have been resynced past it. So
 * every write stamps its windows, and after the commit sets them again from what is stored then,
 * by a compare-and-set on the stamp. The fact writers write first and resync after with a fresh
 * stamp: whichever side comes second sees the other, and a resync that came in between wins over
 * the stale value.
 * Fail closed: a new resource is stored with its windows closed and only this step opens them, so
 * a failure leaves it hidden. A new version of a visible resource keeps its computed windows (a
 * closed one would turn concurrent If-Match writers' 412 into 404); if this step fails, it is
 * closed where the database still answers (see the report of the races issue for what remains).
 */
export interface WindowPlan {
  stamp: string;
  /** `Type/id` of the new resources stored closed. */
  closed: Set<string>;
}

export function stampWindows(writes: PlannedWrite[]): WindowPlan {
  const plan: WindowPlan = { stamp: randomUUID(), closed: new Set() };
  // A deletion keeps the windows it had: nothing reads a deleted resource's content.
  for (const w of writes.filter((w) => !w.doc.del)) {
    const a = w.doc.a;
    const created = w.expectedVersion === null;
    if ('consentFrom' in a) Object.assign(a, created ? NO_CONSENT : {}, { consentStamp: plan.stamp });
    if (restrictedThrough(a)) Object.assign(a, created ? RESTRICTED_PENDING : {}, { restrictionStamp: plan.stamp });
    if (created && ('consentFrom' in a || restrictedThrough(a))) plan.closed.add(`${w.type}/${w.doc._id}`);
  }
  return plan;
}

/** What settling a commit's windows works on: the commit's writes and their stamp. */
interface Settlement {
  store: ResourceStore;
  writes: PlannedWrite[];
  plan: WindowPlan;
  relative: (ref: string | undefined) => string | undefined;
  now: Date;
}

export async function settleWindows(settlement: Settlement): Promise<void> {
  try {
    await resetWindows(settlement);
  } catch (err) {
    await closeUpdated(settlement).catch(() => undefined);
    throw err;
  }
}

async function resetWindows({ store, writes, plan, relative, now }: Settlement): Promise<void> {
  const consents = new Map<string, Promise<ConsentWindow>>();
  const restrictions = new Map<string, Promise<AuthorOnlyWindow>>();
  const consentOf = (patient: string) => cached(consents, patient, () => hubSharingWindow(store, patient));
  const restrictionOf = (document: string) => cached(restrictions, document, () => authorOnlyWindow(store, document, now));
  for (const w of writes.filter((w) => !w.doc.del)) {
    const a = w.doc.a;
    if (a.consentStamp === plan.stamp && a.patient) {
      const window = await consentOf(a.patient);
      await setConsentWindow(store, w, window, { consentStamp: plan.stamp });
      Object.assign(a, window);
    }
    const document = restrictedThrough(a);
    if (a.restrictionStamp === plan.stamp && document) {
      const window = await restrictionOf(document);
      const onlyIf = { restrictionStamp: plan.stamp };
      if (w.type === 'DocumentReference') await setDocumentWindow(store, document, window, relative, onlyIf);
      else await store.setAccessFieldsById(w.type, w.doc._id, { ...window }, onlyIf);
      Object.assign(a, window);
    }
    // History judges an older version on the fields it was written with: for a new resource, the opened ones.
    if (plan.closed.has(`${w.type}/${w.doc._id}`)) await store.setHistoryAccessFields(w.type, w.doc._id, w.doc.v, windowsOf(a));
  }
}

/** After a failure: the new versions this write may have left with a stale open window, closed (still only if no resync came since). */
async function closeUpdated({ store, writes, plan }: Settlement): Promise<void> {
  for (const w of writes.filter((w) => !w.doc.del && !plan.closed.has(`${w.type}/${w.doc._id}`))) {
    const a = w.doc.a;
    if (a.consentStamp === plan.stamp) await store.setAccessFieldsById(w.type, w.doc._id, { ...NO_CONSENT }, { consentStamp: plan.stamp });
    if (a.restrictionStamp === plan.stamp) await store.setAccessFieldsById(w.type, w.doc._id, { ...RESTRICTED_PENDING }, { restrictionStamp: plan.stamp });
  }
}

/** The resource, and what copied its fields in this commit: a DocumentReference's Binaries, a SUMEHR's entries. */
async function setConsentWindow(store: ResourceStore, w: PlannedWrite, window: ConsentWindow, onlyIf: AccessFields): Promise<void> {
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

function windowsOf(a: AccessFields): AccessFields {
  const names = ['consentFrom', 'consentUntil', 'consentRecord', 'authorOnlyFrom', 'authorOnlyUntil'] as const;
  return Object.fromEntries(names.filter((name) => name in a).map((name) => [name, a[name]])) as AccessFields;
}

function cached<T>(memo: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = memo.get(key);
  if (!value) memo.set(key, (value = load()));
  return value;
}
