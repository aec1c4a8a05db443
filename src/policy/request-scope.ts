import type { ResourceStore } from '../store/resource-store';
import { SSIN } from '../vocabulary';
import { keyIn } from './fact-queries';
import type { FactsScope } from './facts';
import type { Principal } from './principal';
import { CLINICAL_TYPES, PATIENT_RECORD_TYPES } from './resource-classes';
import { referenceScope, referenceStrings, safeContentReferences } from './scope-references';

/**
 * What a request says about the one patient it concerns, before its facts are loaded. Nothing
 * (neither `patient` nor `resource`) = the request may concern anyone: the full facts are loaded
 * (fail closed).
 */
export interface RequestScope {
  /** The patient its parameters or its body name (a search, a create, a single-patient bundle). */
  patient?: string;
  /**
   * The SSIN a look-up by exact SSIN names (a Patient search, `$consent-status`): its one Patient is
   * found before the facts; none = no patient's facts (what the look-up finds at that instant).
   */
  ssin?: string;
  /**
   * The resource it reads or changes (a read, an update, a patch, a delete, an operation on an
   * instance): its stored patient is the scope; with `patient` too, scoped only if they are the same.
   */
  resource?: { type: string; id: string };
  /**
   * Patient-linked resources (`Type/id`) the written body references: a write may only reference
   * what the caller sees, so each must be of the same patient or the full facts decide.
   */
  references?: string[];
  /** A patch keeps the stored version's references: they count as named by the write too. */
  keepsStoredReferences?: boolean;
  /**
   * The request also reads (`$content`) or ends (`$request-deletion`) what the document keeps in the
   * hub's safe, as the caller: that content must be of the same patient, or the full facts decide.
   */
  followsSafeContent?: boolean;
}

/** Resource types whose access sidecar names their patient (`access.patient`). */
export const PATIENT_LINKED_TYPES = new Set([...CLINICAL_TYPES, ...PATIENT_RECORD_TYPES]);

/** Matches no patient: a read of a resource that does not exist loads (next to) no facts, like one that does. */
const NO_PATIENT = 'Patient/';

/**
 * The scope of a practitioner's facts for one request. The patient of a resource is looked up by
 * a lone `_id` read (deleted ones included: they answer 410 as with the full facts); that is only
 * where to look: the scoped read itself is held to that patient (narrow), so a resource moved
 * meanwhile is not found rather than seen with the wrong facts.
 */
export async function factsScopeOf(store: ResourceStore, principal: Principal, scope: RequestScope | undefined): Promise<FactsScope | undefined> {
  if (!scope || principal.role !== 'practitioner') return undefined;
  const { resource } = scope;
  if (resource && !PATIENT_LINKED_TYPES.has(resource.type)) return undefined;
  // The resource, the referenced resources and the patient of an SSIN are looked up together: one round.
  const [doc, referenced, bySsin] = await Promise.all([
    resource ? store.readFactById(resource.type, resource.id, true) : Promise.resolve(undefined),
    patientsOf(store, scope.references ?? []),
    scope.ssin !== undefined ? patientWithSsin(store, scope.ssin) : Promise.resolve(undefined),
  ]);
  let patient: string;
  if (scope.ssin !== undefined) {
    if (bySsin === undefined) return undefined;
    patient = bySsin;
  } else if (scope.patient !== undefined) {
    // An update moving a resource to another patient is decided with the full facts (both patients');
    // a new id (update as create) or the same patient: the body's patient. A move that races this
    // look-up is not found by the scoped read of the current version (narrow), so it writes nothing.
    if (doc && doc.a.patient !== scope.patient) return undefined;
    patient = scope.patient;
  } else if (resource) {
    if (!doc) return { patient: NO_PATIENT };
    // A resource of no patient (a link without subject, say) is reached by other paths: full facts.
    if (typeof doc.a.patient !== 'string' || !doc.a.patient.startsWith('Patient/')) return undefined;
    patient = doc.a.patient;
  } else {
    return undefined;
  }
  if (!referenced.every((p) => p === undefined || p === patient)) return undefined;
  // What a stored version names is looked up in a second round, only when the request follows it.
  const [referencesStay, contentStays] = await Promise.all([
    scope.keepsStoredReferences && doc ? referencesStayWith(store, referenceStrings(doc.r), patient) : true,
    scope.followsSafeContent && doc ? safeContentStaysWith(store, safeContentReferences(doc.r), patient) : true,
  ]);
  return referencesStay && contentStays ? { patient } : undefined;
}

/**
 * A document's content in the safe (a Binary, a Composition) is read or ended as the caller; a
 * document whose content is another patient's (a transaction may write both) would find it hidden
 * under one patient's facts where the full facts see it, so it is decided with the full facts
 * (test/policy/scoped-operations.test.ts, "a document whose content in the safe is another patient's").
 * Content that does not exist is missing under any facts. For `$content` the look-ups are the very
 * reads it makes next (shared within the request), so they add no round.
 */
async function safeContentStaysWith(store: ResourceStore, references: string[], patient: string): Promise<boolean> {
  return (await patientsOf(store, references)).every((p) => p === undefined || p === patient);
}

/**
 * The one Patient registered with this SSIN, `NO_PATIENT` when there is none; two (a data error
 * the look-up would show) leave the request to the full facts.
 */
async function patientWithSsin(store: ResourceStore, ssin: string): Promise<string | undefined> {
  const found = await store.readFacts('Patient', keyIn('identifier', [`${SSIN}|${ssin}`]), 2);
  return found.length === 0 ? NO_PATIENT : found.length === 1 ? `Patient/${found[0]._id}` : undefined;
}

/** References already on a stored version, classified and looked up like the body's (a second round, only when there are any to look up). */
async function referencesStayWith(store: ResourceStore, references: string[], patient: string): Promise<boolean> {
  const scopes = references.map((r) => referenceScope(r, patient));
  if (scopes.includes('full')) return false;
  const patients = await patientsOf(
    store,
    references.filter((_, i) => scopes[i] === 'look-up')
  );
  return patients.every((p) => p === undefined || p === patient);
}

/**
 * The patient of each referenced resource (undefined for a missing one: the write's own reference
 * check refuses it under any facts). The look-ups run in parallel.
 */
async function patientsOf(store: ResourceStore, references: string[]): Promise<(string | undefined)[]> {
  const distinct = [...new Set(references)];
  const docs = await Promise.all(distinct.map((r) => store.readFactById(r.split('/')[0], r.split('/')[1], true)));
  return docs.map((d) => (d ? ((d.a.patient as string | undefined) ?? 'none') : undefined));
}
