import { OperationOutcomeError, preconditionFailed } from '@medplum/core';
import { conflictOutcome, message } from '../messages/message';
import { refuse } from './business-rule';
import { endLinksCommittedTooLate, endLinksOf, endLinksOfExcluded } from './link-ending';
import { syncSumehrEntries } from './sumehr-entries';
import { hubSharingWindow } from '../policy/access-lookups';
import { afterConsentWrite, beforeConsentWrite, hubSharingPatient } from '../policy/consent-sync';
import { afterRestrictionWrite, beforeRestrictionWrite, restrictedDocumentsOf } from '../policy/restriction-sync';
import { guardPlan } from '../policy/unique-states';
import { settleWindows, stampWindows } from '../policy/window-convergence';
import { VersionConflictError, type GuardPlan, type ResourceStore } from '../store/resource-store';
import type { PlannedWrite } from '../store/stored-resource';
import { isDatabaseUnavailable, writeMayHaveLanded } from '../store/unavailable';
import { GuardTakenError } from '../store/write-guards';
import { WriteInDoubtError, WriteStoredError } from './database-unavailable';
import type { RequestContext } from './request-context';

const referenceOf = (w: PlannedWrite): string => `${w.type}/${w.doc._id}/_history/${w.doc.v}`;

/**
 * Stores checked writes (one, or a bundle's all at once) and keeps the facts that depend on them
 * right: the consent window of the patient's resources and the author-only window of restricted
 * documents (fail-closed order around the write), links ended by a revocation, and Binaries'
 * access fields under their DocumentReference. The written resources' own windows are set again
 * after the commit (window-convergence.ts), so they never keep a stale window.
 */
export async function storeWrites(
  store: ResourceStore,
  ctx: RequestContext,
  relative: (ref: string | undefined) => string | undefined,
  writes: PlannedWrite[],
  /** The request named the version it changes (If-Match): losing a race to another writer is a 412. */
  ifMatch = false
): Promise<void> {
  const consentPatients = [
    ...new Set(writes.flatMap((w) => [hubSharingPatient(w.doc.r, relative), hubSharingPatient(w.previous?.r, relative)]).filter((p): p is string => !!p)),
  ];
  const restricted = restrictedDocumentsOf(writes);
  if (consentPatients.length) await beforeConsentWrite(store, consentPatients);
  if (restricted.length) await beforeRestrictionWrite(store, restricted, relative);
  // Set again below from the facts as they are after the commit (never left on a stale read).
  const windows = stampWindows(writes);
  try {
    await write(store, writes, guardPlan(store, writes, relative), ifMatch);
  } finally {
    if (consentPatients.length) await afterConsentWrite(store, consentPatients);
    if (restricted.length) await afterRestrictionWrite(store, restricted, relative, ctx.now);
  }
  const binaryCopies = new Map<string, number>();
  try {
    try {
      await followUps(store, ctx, relative, writes, consentPatients, binaryCopies);
      // A document written with its restriction (one bundle) lent its pre-restriction fields to its Binaries and SUMEHR just now.
      if (restricted.length && writes.some((w) => w.type === 'DocumentReference')) await afterRestrictionWrite(store, restricted, relative, ctx.now);
    } finally {
      await settleWindows({ store, writes, plan: windows, relative, now: ctx.now, binaryCopies });
    }
  } catch (err) {
    // The writes are stored: a 503 must say so (SPEC §9), not "nothing was stored".
    if (isDatabaseUnavailable(err)) throw new WriteStoredError(writes.map(referenceOf));
    throw err;
  }
}

async function followUps(
  store: ResourceStore,
  ctx: RequestContext,
  relative: (ref: string | undefined) => string | undefined,
  writes: PlannedWrite[],
  consentPatients: string[],
  binaryCopies: Map<string, number>
): Promise<void> {
  for (const patient of consentPatients) {
    const window = await hubSharingWindow(store, patient);
    if (!(window.consentFrom <= ctx.now && ctx.now <= window.consentUntil)) await endLinksOf(store, patient, ctx.now, ctx.baseUrl);
  }
  await endLinksOfExcluded(store, writes, ctx.now, ctx.baseUrl, relative);
  await endLinksCommittedTooLate(store, writes, ctx.now, ctx.baseUrl);
  for (const w of writes.filter((w) => w.type === 'DocumentReference')) {
    const document = `DocumentReference/${w.doc._id}`;
    if (createdAlone(writes)) {
      binaryCopies.set(document, 0);
      continue;
    }
    binaryCopies.set(document, await store.setAccessFields('Binary', 'document', document, { ...w.doc.a, document, ...(w.doc.del ? { current: false } : {}) }));
  }
  await syncSumehrEntries(store, relative, writes);
}

/**
 * A document created alone has no Binary to give its fields to. A Binary names a document in its
 * sidecar only if the document was stored (or staged in the same bundle) when the Binary was
 * written, and then copies the document's stored fields and settles its own windows itself
 * (access-fields.ts, window-convergence.ts). Before this insert the document did not exist, and
 * every Binary written since copied exactly the fields this write stored: the copy would change
 * nothing but windows that each such Binary's own write settles.
 */
function createdAlone(writes: PlannedWrite[]): boolean {
  return writes.length === 1 && writes[0].expectedVersion === null;
}

async function write(store: ResourceStore, writes: PlannedWrite[], guards: GuardPlan, ifMatch: boolean): Promise<void> {
  try {
    if (writes.length === 1) {
      try {
        await store.write(writes[0].type, writes[0].doc, writes[0].expectedVersion, guards);
      } catch (err) {
        // The write may have landed before the connection broke: the answer must not say "nothing stored".
        if (writeMayHaveLanded(err)) throw new WriteInDoubtError([referenceOf(writes[0])]);
        throw err;
      }
    } else {
      await store.commitBatch(writes, guards);
    }
  } catch (err) {
    if (err instanceof VersionConflictError) {
      if (ifMatch) throw new OperationOutcomeError(preconditionFailed);
      throw new OperationOutcomeError(conflictOutcome(message('changed-concurrently', { reference: `${err.type}/${err.id}` })));
    }
    refusalOfTakenGuard(err);
    throw err;
  }
}

/** A lost guard answers as the business rule it protects answers in calmer times. */
function refusalOfTakenGuard(err: unknown): void {
  if (!(err instanceof GuardTakenError)) return;
  if (err.key.startsWith('hub-sharing|')) refuse(message('consent-already-active'), 'Consent.status');
  if (err.key.startsWith('task|')) refuse(message('registration-already-pending'), 'Task.for');
  throw new OperationOutcomeError(conflictOutcome(message('patient-already-registered')));
}
