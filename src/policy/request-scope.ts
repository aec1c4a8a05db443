import type { ResourceStore } from '../store/resource-store';
import type { FactsScope } from './facts';
import type { Principal } from './principal';
import { CLINICAL_TYPES, PATIENT_RECORD_TYPES } from './resource-classes';

/**
 * What a request says about the one patient it concerns, before its facts are loaded: a search
 * naming exactly one patient, or a read of one resource (whose patient is known once read).
 * Absent = the request may concern anyone: the full facts are loaded (fail closed).
 * Both = an update naming its patient in its body: scoped only if the stored version has the same patient.
 */
export type RequestScope = { patient: string; resource?: { type: string; id: string } } | { resource: { type: string; id: string } };

/** Resource types whose access sidecar names their patient (`access.patient`). */
export const PATIENT_LINKED_TYPES = new Set([...CLINICAL_TYPES, ...PATIENT_RECORD_TYPES]);

/** Matches no patient: a read of a resource that does not exist loads (next to) no facts, like one that does. */
const NO_PATIENT = 'Patient/';

/**
 * The scope of a practitioner's facts for one request. A read looks its resource's patient up by
 * a lone `_id` read; that is only where to look: the scoped read itself is held to that patient
 * (narrow), so a resource moved meanwhile is not found rather than seen with the wrong facts.
 */
export async function factsScopeOf(store: ResourceStore, principal: Principal, scope: RequestScope | undefined): Promise<FactsScope | undefined> {
  if (!scope || principal.role !== 'practitioner') return undefined;
  const resource = scope.resource;
  if (!resource) return 'patient' in scope ? { patient: scope.patient } : undefined;
  if (!PATIENT_LINKED_TYPES.has(resource.type)) return undefined;
  const doc = await store.readFactById(resource.type, resource.id);
  if ('patient' in scope) {
    // An update moving a resource to another patient is decided with the full facts (both patients');
    // a new id (update as create) or the same patient: the body's patient. A move that races this
    // look-up is not found by the scoped read of the current version (narrow), so it writes nothing.
    return !doc || doc.a.patient === scope.patient ? { patient: scope.patient } : undefined;
  }
  if (!doc) return { patient: NO_PATIENT };
  const patient = doc.a.patient;
  // A resource of no patient (a link without subject, say) is reached by other paths: full facts.
  return typeof patient === 'string' && patient.startsWith('Patient/') ? { patient } : undefined;
}
