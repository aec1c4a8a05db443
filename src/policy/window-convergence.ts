import { randomUUID } from 'node:crypto';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';
import type { PlannedWrite } from '../store/stored-resource';
import { NO_CONSENT, RESTRICTED_PENDING, type AccessFields, type AuthorOnlyWindow, type ConsentWindow } from './access-fields';
import { authorOnlyWindow, hubSharingWindow } from './access-lookups';
import { safeCompositionsOf } from './restriction-sync';
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
  /**
   * How many Binaries took each written DocumentReference's fields and stamps (`DocumentReference/<id>`
   * to a count, write-commit.ts); absent when unknown. Only those can carry this commit's stamp.
   */
  binaryCopies: Map<string, number>;
}

export async function settleWindows(settlement: Settlement): Promise<void> {
  try {
    await resetWindows(settlement);
  } catch (err) {
    await closeUpdated(settlement).catch(() => undefined);
    throw err;
  }
}

/**
 * Two rounds for the whole commit: every fact read at once (each needs only this commit's stamps to
 * be stored, which they are), then the compare-and-sets, one update per resource or set of copies,
 * collections in parallel. Never two at once on the same documents: FerretDB applies an update as
 * a read then a write of the whole document, so of two concurrent updates of one document one may be lost.
 */
async function resetWindows(settlement: Settlement): Promise<void> {
  const { store, writes, plan, now } = settlement;
  const consents = new Map<string, Promise<ConsentWindow>>();
  const restrictions = new Map<string, Promise<AuthorOnlyWindow>>();
  const consentOf = (patient: string) => cached(consents, patient, () => hubSharingWindow(store, patient));
  const restrictionOf = (document: string) => cached(restrictions, document, () => authorOnlyWindow(store, document, now));
  const readWindows = async (w: PlannedWrite) => {
    const a = w.doc.a;
    const document = restrictedThrough(a);
    const [consent, restriction] = await Promise.all([
      a.consentStamp === plan.stamp && a.patient ? consentOf(a.patient) : undefined,
      a.restrictionStamp === plan.stamp && document ? restrictionOf(document) : undefined,
    ]);
    return { w, consent, restriction };
  };
  // A bundle's writes a bounded number at a time: one request does not take every connection.
  const live = writes.filter((w) => !w.doc.del);
  const read: Awaited<ReturnType<typeof readWindows>>[] = [];
  for (let i = 0; i < live.length; i += WRITES_READ_AT_ONCE) read.push(...(await Promise.all(live.slice(i, i + WRITES_READ_AT_ONCE).map(readWindows))));
  const targets = new Map<string, Target>();
  const histories: (() => Promise<void>)[] = [];
  for (const { w, consent, restriction } of read) openWindows(settlement, targets, histories, w, consent, restriction);
  // One collection's targets one after the other: a resource written in this commit may also be a copy of another (a Binary of its document).
  const byType = new Map<string, Target[]>();
  for (const target of targets.values()) byType.set(target.type, [...(byType.get(target.type) ?? []), target]);
  const inTurn = async (list: Target[]) => {
    for (const target of list) await setGroups(target);
  };
  await allSettledOrThrow([...[...byType.values()].map(inTurn), ...histories.map((update) => update())]);
}

/** Writes of one commit whose windows are read together. */
const WRITES_READ_AT_ONCE = 16;

/** One group of window fields (consent, or author-only) set where this commit's stamp for them still stands. */
interface WindowGroup {
  fields: AccessFields;
  onlyIf: AccessFields;
}

/** Documents that take this commit's windows: one resource by id, or the copies naming one document. */
interface Target {
  type: string;
  set: (group: WindowGroup) => Promise<boolean | number>;
  /** How many documents carry this commit's stamps there (Infinity: not known). */
  expected: number;
  groups: Map<'consent' | 'restriction', WindowGroup>;
}

/**
 * Registers what gives one written resource (and what copied its fields in this commit) the
 * windows read after the commit. A group whose value is what this write stored is left out: every
 * writer of a window field writes its stamp with it (the resyncs a fresh one, other writes their
 * own, this write's copies this write's), so while our stamp stands the stored value is ours, and
 * setting it again where our stamp stands would change nothing.
 */
function openWindows(
  settlement: Settlement,
  targets: Map<string, Target>,
  histories: (() => Promise<void>)[],
  w: PlannedWrite,
  consent: ConsentWindow | undefined,
  restriction: AuthorOnlyWindow | undefined
): void {
  const { store, plan, relative } = settlement;
  const a = w.doc.a;
  const consentGroup: WindowGroup | undefined = consent && changes(a, consent) ? { fields: { ...consent }, onlyIf: { consentStamp: plan.stamp } } : undefined;
  const restrictionGroup: WindowGroup | undefined =
    restriction && changes(a, restriction) ? { fields: { ...restriction }, onlyIf: { restrictionStamp: plan.stamp } } : undefined;
  Object.assign(a, consent ?? {}, restriction ?? {});
  const add = (type: string, key: string, expected: number, set: Target['set'], groups: { consent?: WindowGroup; restriction?: WindowGroup }) => {
    if (!groups.consent && !groups.restriction) return;
    const target = targets.get(key) ?? { type, set, expected, groups: new Map() };
    targets.set(key, target);
    if (groups.consent) target.groups.set('consent', groups.consent);
    if (groups.restriction) target.groups.set('restriction', groups.restriction);
  };
  const byId = (type: string, id: string, groups: { consent?: WindowGroup; restriction?: WindowGroup }) =>
    add(type, `${type}/${id}`, 1, (g) => store.setAccessFieldsById(type, id, g.fields, g.onlyIf), groups);
  const byDocument = (type: string, document: string, groups: { consent?: WindowGroup; restriction?: WindowGroup }, expected = Infinity) =>
    add(type, `${type}?document=${document}`, expected, (g) => store.setAccessFields(type, 'document', document, g.fields, g.onlyIf), groups);

  byId(w.type, w.doc._id, { consent: consentGroup, restriction: restrictionGroup });
  if (w.type === 'DocumentReference') {
    const document = `DocumentReference/${w.doc._id}`;
    // No Binary took this write's fields, so none carries its stamp: the update could match nothing.
    const copies = settlement.binaryCopies.get(document);
    if (copies !== 0) byDocument('Binary', document, { consent: consentGroup, restriction: restrictionGroup }, copies);
    // A SUMEHR kept in the safe as this document's content took its author-only window (sumehr-entries.ts).
    for (const composition of restrictionGroup ? safeCompositionsOf(w.doc.r as DocumentReference, relative) : []) {
      byId('Composition', composition.split('/')[1], { restriction: restrictionGroup });
      for (const type of SUMEHR_ENTRY_TYPES) byDocument(type, composition, { restriction: restrictionGroup });
    }
  }
  if (w.type === 'Composition' && consentGroup) {
    for (const type of SUMEHR_ENTRY_TYPES) byDocument(type, `Composition/${w.doc._id}`, { consent: consentGroup });
  }
  // History judges an older version on the fields it was written with: for a new resource, the opened ones.
  if (plan.closed.has(`${w.type}/${w.doc._id}`)) histories.push(() => store.setHistoryAccessFields(w.type, w.doc._id, w.doc.v, windowsOf(a)));
}

/**
 * Both groups in one update where both stamps stand (the usual case); where fewer than `expected`
 * documents matched, a resync came in between for one of them: each group again on its own stamp,
 * one after the other.
 */
async function setGroups({ set, expected, groups }: Target): Promise<void> {
  const each = [...groups.values()];
  if (each.length === 1) {
    await set(each[0]);
    return;
  }
  const both = { fields: Object.assign({}, ...each.map((g) => g.fields)), onlyIf: Object.assign({}, ...each.map((g) => g.onlyIf)) };
  if (Number(await set(both)) >= expected) return;
  for (const group of each) await set(group);
}

/** After a failure: the new versions this write may have left with a stale open window, closed (still only if no resync came since). */
async function closeUpdated({ store, writes, plan }: Settlement): Promise<void> {
  for (const w of writes.filter((w) => !w.doc.del && !plan.closed.has(`${w.type}/${w.doc._id}`))) {
    const a = w.doc.a;
    if (a.consentStamp === plan.stamp) await store.setAccessFieldsById(w.type, w.doc._id, { ...NO_CONSENT }, { consentStamp: plan.stamp });
    if (a.restrictionStamp === plan.stamp) await store.setAccessFieldsById(w.type, w.doc._id, { ...RESTRICTED_PENDING }, { restrictionStamp: plan.stamp });
  }
}

/** The window differs from what the sidecar holds. */
function changes(a: AccessFields, window: ConsentWindow | AuthorOnlyWindow): boolean {
  return Object.entries(window).some(([name, value]) => {
    const held = a[name as keyof AccessFields];
    return value instanceof Date ? !(held instanceof Date) || held.getTime() !== value.getTime() : held !== value;
  });
}

/** Waits for every update (none is left in flight behind a failure), then fails with the first error. */
async function allSettledOrThrow(updates: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(updates)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
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
