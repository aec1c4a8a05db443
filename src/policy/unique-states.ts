import type { Consent, Patient, Resource, Task } from '@medplum/fhirtypes';
import { consentKindOf } from './access-fields';
import { ALWAYS, and, fieldIn, type Condition } from '../store/condition';
import { CONSENT_KIND, SH, SSIN } from '../vocabulary';
import type { GuardPlan, ResourceStore } from '../store/resource-store';
import type { PlannedWrite } from '../store/stored-resource';
import type { HolderState, WriteGuard } from '../store/write-guards';

/** Registration Tasks' codes (SPEC §6). */
const REGISTRATION = `${SH}/CodeSystem/registration`;

/**
 * The states SPEC §5 allows once, as guard keys (see src/store/write-guards.ts): an active
 * hub-sharing consent per patient, a Patient per SSIN, a pending registration Task per kind and
 * subject. A resource in such a state holds the key's guard. The business rules (consent,
 * registration, patient identity) answer clearly in calm times; the guards hold under concurrency.
 */
export function guardKeysOf(resource: Resource | undefined, deleted: boolean, relative: (ref: string | undefined) => string | undefined): string[] {
  if (!resource || deleted) return [];
  switch (resource.resourceType) {
    case 'Consent': {
      const patient = relative(resource.patient?.reference);
      return consentKindOf(resource as Consent) === 'hub-sharing' && resource.status === 'active' && patient ? [`hub-sharing|${patient}`] : [];
    }
    case 'Patient':
      return ssinsOf(resource).map((ssin) => `ssin|${ssin}`);
    case 'Task': {
      const code = (resource as Task).code?.coding?.find((c) => c.system === REGISTRATION)?.code;
      const subject = relative(resource.for?.reference);
      return code && subject && resource.status === 'requested' ? [`task|${code}|${subject}`] : [];
    }
    default:
      return [];
  }
}

/** The SSINs (or BIS numbers) of a Patient, in the exact system only. */
export function ssinsOf(patient: Patient): string[] {
  return (patient.identifier ?? []).filter((i) => i.system === SSIN && i.value).map((i) => i.value as string);
}

/** The guards a commit enters (new states) and leaves (ended states). */
export function guardPlan(store: ResourceStore, writes: PlannedWrite[], relative: (ref: string | undefined) => string | undefined): GuardPlan {
  const plan: GuardPlan = { claims: [], releases: [], check: (guard) => holderState(store, guard, relative) };
  for (const w of writes) {
    const holder = `${w.type}/${w.doc._id}`;
    const next = guardKeysOf(w.doc.r, w.doc.del, relative);
    const previous = guardKeysOf(w.previous?.r, !!w.previous?.del, relative);
    for (const key of next.filter((k) => !previous.includes(k))) plan.claims.push({ key, holder, version: w.doc.v });
    for (const key of previous.filter((k) => !next.includes(k))) plan.releases.push({ key, holder });
  }
  return plan;
}

async function holderState(store: ResourceStore, guard: WriteGuard, relative: (ref: string | undefined) => string | undefined): Promise<HolderState> {
  const [type, id] = guard.holder.split('/');
  const current = await store.readCurrent(type, id, ALWAYS);
  if (!current || current.v < guard.version) return 'pending';
  return guardKeysOf(current.r, current.del, relative).includes(guard._id) ? 'holds' : 'released';
}

/** Marks a database whose resources in guarded states all hold their guards (backfilled, or written with them by a bulk loader). */
export const GUARDS_BACKFILLED = 'backfilled|guards-1';

/**
 * Data written before the guards existed holds none: each resource in a guarded state enters its
 * guard, once per database (the marker is written last, so an interrupted run starts again). Where
 * old data already breaks an invariant, the first resource keeps the guard; the others are counted
 * with the guards already held, for the operator's log.
 */
export async function backfillGuards(
  store: ResourceStore,
  relative: (ref: string | undefined) => string | undefined
): Promise<{ entered: number; alreadyHeld: number }> {
  const result = { entered: 0, alreadyHeld: 0 };
  if (await store.hasGuard(GUARDS_BACKFILLED)) return result;
  const guarded: [string, Condition][] = [
    ['Consent', and(fieldIn('keys.category', [`${CONSENT_KIND}|hub-sharing`]), fieldIn('keys.status', ['active']))],
    ['Task', fieldIn('keys.status', ['requested'])],
    ['Patient', ALWAYS],
  ];
  for (const [type, where] of guarded) {
    for await (const doc of store.scan(type, where)) {
      for (const key of guardKeysOf(doc.r, doc.del, relative)) {
        if (await store.enterGuard({ key, holder: `${type}/${doc._id}`, version: doc.v })) result.entered++;
        else result.alreadyHeld++;
      }
    }
  }
  await store.enterGuard({ key: GUARDS_BACKFILLED, holder: 'hub', version: 0 });
  return result;
}
