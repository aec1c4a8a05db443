import type { RequestScope } from '../policy/request-scope';
import { PATIENT_LINKED_TYPES } from '../policy/request-scope';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Parameters that reach resources beyond the searched patient's own: any of them loads the full facts. */
const REACHING_BEYOND = /^(_include|_revinclude|_has|_contained)(:|$)/;

/**
 * The one patient a GET concerns, from its route and parameters alone: a read of a patient-linked
 * resource (its patient is looked up by id), or a search of a patient-linked type naming exactly
 * one local patient as a plain `patient=<id>`, `patient=Patient/<id>` or `subject=Patient/<id>`.
 * Anything else (chains, modifiers, several values, includes, writes, operations) says nothing.
 */
export function requestPatientOf(
  method: string,
  interaction: string | undefined,
  params: Record<string, string>,
  query: [string, string][]
): RequestScope | undefined {
  const type = params.resourceType;
  if (method !== 'GET' || !type || !PATIENT_LINKED_TYPES.has(type)) return undefined;
  if (interaction === 'read') return ID.test(params.id ?? '') ? { resource: { type, id: params.id } } : undefined;
  if (interaction !== 'search-type' || query.some(([name]) => REACHING_BEYOND.test(name))) return undefined;
  const naming = query.filter(([name]) => /^(patient|subject)([:.]|$)/.test(name));
  if (naming.length !== 1) return undefined;
  const [name, value] = naming[0];
  const id =
    name === 'patient' && ID.test(value)
      ? value
      : /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(value) && (name === 'patient' || name === 'subject')
        ? value.slice(8)
        : undefined;
  return id ? { patient: `Patient/${id}` } : undefined;
}
