import { referenceScope } from '../policy/scope-references';
import { isServedType } from './served-types';

/**
 * Writes scoped to the patient their body names, by the element that names it. Their write rules
 * read the caller's facts only for that patient (links, consent, exclusions, GP status) or not at
 * all (profession, self, institution), so the scoped facts decide as the full ones do.
 */
const SCOPED_WRITE_PATIENT = new Map<string, 'subject' | 'patient'>([
  ['DocumentReference', 'subject'],
  ['Composition', 'subject'],
  ['List', 'subject'],
  ['CareTeam', 'subject'],
  ['Consent', 'patient'],
]);
const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;

/** The plain local `Patient/<id>` a body of a scoped write type names as its subject or patient. */
export function writtenPatientOf(type: string, body: unknown): string | undefined {
  const element = SCOPED_WRITE_PATIENT.get(type);
  if (!element || typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== type) return undefined;
  const reference = (body as Record<string, { reference?: unknown } | undefined>)[element]?.reference;
  const match = typeof reference === 'string' ? PATIENT_REFERENCE.exec(reference) : null;
  return match ? `Patient/${match[1]}` : undefined;
}

/**
 * The references to look up (patient-linked resources), or undefined when one of them needs the
 * full facts. References to types the hub does not serve are not checked by the write (nor here).
 */
export function lookUps(references: string[], patient: string | undefined): string[] | undefined {
  const checked = references.filter((r) => !/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r) || isServedType(r.split('/')[0]));
  const scopes = checked.map((r) => referenceScope(r, patient));
  if (scopes.includes('full')) return undefined;
  return [...new Set(checked.filter((_, i) => scopes[i] === 'look-up'))];
}
