import { OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { invalidRequest, message } from '../messages/message';
import type { Facts } from '../policy/facts';
import type { StoredResource } from '../store/stored-resource';
import type { HubRepository } from './hub-repository';
import { relativeReference } from './search-values';
import { isServedType } from './served-types';

const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
/** References to other servers are not ours to check; anything else that is not `Type/id` is refused. */
const FOREIGN_REFERENCE = /^(https?:\/\/|urn:|#)/;

/**
 * A write may not point at a resource the caller cannot see (SPEC §5): a reference to a hidden
 * resource gets exactly the error of a reference to a missing one.
 */
/** How a write's Patient references are checked: visible to the caller, only existing, or left to the workflow's rules. */
export type PatientReferenceCheck = 'visible' | 'exists' | 'by-rules';

export async function assertReferencesVisible(
  repo: HubRepository,
  resource: Resource,
  staged: Set<string>,
  patients: PatientReferenceCheck = 'visible'
): Promise<void> {
  const self = `${resource.resourceType}/${resource.id}`;
  const references = referencesIn(resource).map((r) => ({ ...r, reference: relativeReference(r.reference, repo.ctx.baseUrl) }));
  const isMissing = async (reference: string): Promise<boolean> => {
    const m = RELATIVE_REFERENCE.exec(reference);
    if (!m) return !FOREIGN_REFERENCE.test(reference);
    if (!isServedType(m[1]) || reference === self || staged.has(reference)) return false;
    if (patients === 'by-rules' && m[1] === 'Patient') return false;
    try {
      return patients === 'exists' && m[1] === 'Patient' ? !(await repo.port.patientExists(reference)) : (await repo.visibleCurrent(m[1], m[2])).del;
    } catch {
      return true;
    }
  };
  // The references are looked up together, a bounded number at a time (a SUMEHR lists hundreds);
  // the answer names the first one in the resource that fails, as checking them in order would.
  const distinct = [...new Set(references.map((r) => r.reference))];
  const missing = new Set<string>();
  for (let i = 0; i < distinct.length; i += REFERENCES_AT_ONCE) {
    const batch = distinct.slice(i, i + REFERENCES_AT_ONCE);
    (await Promise.all(batch.map(isMissing))).forEach((gone, j) => gone && missing.add(batch[j]));
  }
  const first = references.find((r) => missing.has(r.reference));
  if (first) throw new OperationOutcomeError(invalidRequest(message('reference-not-found', { reference: first.reference }), first.path));
}

/** Look-ups one write's reference check has in flight at most. */
const REFERENCES_AT_ONCE = 16;

export function referencesIn(value: unknown, path = ''): { reference: string; path: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => referencesIn(v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
    key === 'reference' && typeof v === 'string'
      ? [{ reference: v, path: `${path}.reference`.replace(/^\./, '') }]
      : referencesIn(v, path ? `${path}.${key}` : key)
  );
}

/** The error of a write whose patient the caller may not reach: the same as for a missing patient. */
export function missingReference(resource: Resource, patient: string, baseUrl: string): OperationOutcomeError {
  const path = referencesIn(resource).find((r) => relativeReference(r.reference, baseUrl) === patient)?.path;
  return new OperationOutcomeError(invalidRequest(message('reference-not-found', { reference: patient }), path));
}

/**
 * A professional may find any patient by exact SSIN (SPEC §5) and then link it or register its
 * consent: for those two creations a Patient reference needs only to exist, not to be visible.
 */
export function referencesByExistence(facts: Facts, resource: Resource, current: StoredResource | undefined): PatientReferenceCheck {
  // A link's patient is the link rules' to check: an unknown patient is refused exactly like one
  // without consent or one that excluded the caller (SPEC §4: answers never tell them apart).
  // An institution admits (and discharges) a patient on its admission link by the patient's id; it never reads the record.
  if (facts.kind === 'administrative' && facts.organization && resource.resourceType === 'CareTeam') return 'by-rules';
  if (current || facts.kind !== 'practitioner' || !facts.eligible) return 'visible';
  if (resource.resourceType === 'CareTeam') return 'by-rules';
  return resource.resourceType === 'Consent' ? 'exists' : 'visible';
}

/**
 * An operation's write keeps the references of the version the caller could see (for example an
 * author withdrawing its document after its link with the patient ended): keeping them reveals
 * nothing, so only references it adds must be visible.
 */
export function keptByOperation(current: StoredResource | undefined, authorisedByOperation: boolean, baseUrl: string): Set<string> {
  if (!authorisedByOperation || !current) return new Set();
  return new Set(referencesIn(current.r).map((r) => relativeReference(r.reference, baseUrl)));
}
