import type { RequestScope } from '../policy/request-scope';
import { PATIENT_LINKED_TYPES } from '../policy/request-scope';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Parameters that reach resources beyond the searched patient's own: any of them loads the full facts. */
const REACHING_BEYOND = /^(_include|_revinclude|_has|_contained)(:|$)/;

/**
 * Writes scoped to the patient their body names, by the element that names it. Their write rules
 * read the caller's facts only for that patient (links, consent, exclusions, GP status) or not at
 * all (profession, self, institution), so the scoped facts decide as the full ones do.
 */
const SCOPED_WRITE_PATIENT: Record<string, 'subject' | 'patient'> = {
  DocumentReference: 'subject',
  Composition: 'subject',
  List: 'subject',
  CareTeam: 'subject',
  Consent: 'patient',
};
const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * The one patient a request concerns, from its route and parameters alone: a read of a patient-linked
 * resource (its patient is looked up by id), or a search of a patient-linked type naming exactly
 * one local patient as a plain `patient=<id>`, `patient=Patient/<id>` or `subject=Patient/<id>`;
 * a vread or instance history (as a read); a create or update (by id) of a scoped write type whose
 * body names one local patient as a plain `Patient/<id>`. Anything else (chains, modifiers, several
 * values, includes, conditional writes, transactions, operations) says nothing: full facts.
 */
export function requestPatientOf(
  method: string,
  interaction: string | undefined,
  params: Record<string, string>,
  query: [string, string][],
  body?: unknown,
  conditional = false
): RequestScope | undefined {
  const type = params.resourceType;
  if (!type || !PATIENT_LINKED_TYPES.has(type)) return undefined;
  // A conditional create searches for its match first: that search must see what the full facts see.
  if (method === 'POST' && interaction === 'create') return conditional ? undefined : writeScopeOf(type, undefined, query, body);
  if (method === 'PUT' && interaction === 'update') return params.id === undefined ? undefined : writeScopeOf(type, params.id, query, body);
  if (method !== 'GET') return undefined;
  if (interaction === 'read' || interaction === 'vread' || interaction === 'history-instance') {
    return ID.test(params.id ?? '') ? { resource: { type, id: params.id } } : undefined;
  }
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

/**
 * The patient of a create or an update by id, from its body: the type's subject or patient, a plain local
 * `Patient/<id>`. An update also names its id, so that the stored version's patient is compared.
 */
function writeScopeOf(type: string, id: string | undefined, query: [string, string][], body: unknown): RequestScope | undefined {
  const element = SCOPED_WRITE_PATIENT[type];
  if (!element || query.length > 0) return undefined;
  if (id !== undefined && (!ID.test(id) || (body as { id?: unknown } | null)?.id !== id)) return undefined;
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== type) return undefined;
  const reference = (body as Record<string, { reference?: unknown } | undefined>)[element]?.reference;
  const match = typeof reference === 'string' ? PATIENT_REFERENCE.exec(reference) : null;
  if (!match) return undefined;
  const patient = `Patient/${match[1]}`;
  return id === undefined ? { patient } : { patient, resource: { type, id } };
}
