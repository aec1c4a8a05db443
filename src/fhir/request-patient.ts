import type { RequestScope } from '../policy/request-scope';
import { PATIENT_LINKED_TYPES } from '../policy/request-scope';
import { patchReferenceStrings, referenceStrings } from '../policy/scope-references';
import { bundlePatientOf, publicationPatientOf } from './bundle-patient';
import { SSIN } from '../vocabulary';
import { lookUps, writtenPatientOf } from './written-patient';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Parameters that reach resources beyond the searched patient's own: any of them loads the full facts. */
const REACHING_BEYOND = /^(_include|_revinclude|_has|_contained)(:|$)/;

/**
 * Operations on one document, decided with that document's patient's facts: the target is read
 * as the caller first (invisible = 404), then mayOperate asks only about its patient, and their
 * writes keep the document's references.
 */
const INSTANCE_OPERATIONS = new Map<string, Set<string>>([
  ['DocumentReference', new Set(['$release', '$request-deletion'])],
  ['Composition', new Set(['$sumehr-quality'])],
]);

/** A request as routed: method, interaction, the matched path (`Type/id/$op`), parameters and body. */
export interface RoutedRequest {
  method: string;
  interaction?: string;
  path: string;
  params: Record<string, string>;
  query: [string, string][];
  body?: unknown;
  /** It carries If-None-Exist (a conditional create). */
  conditional?: boolean;
}

/**
 * The one patient a request concerns, from its route, parameters and body alone: a read of a
 * patient-linked resource (its patient is looked up by id), or a search of a patient-linked type
 * naming exactly one local patient as a plain `patient=<id>`, `patient=Patient/<id>` or
 * `subject=Patient/<id>`; a vread or instance history (as a read); a patch or delete of an
 * instance (its stored patient); a create or update (by id) of a scoped write type whose body
 * names one local patient as a plain `Patient/<id>`; an operation on one document, a SUMEHR
 * publication for one patient, a patient's `$summary`, a look-up by exact SSIN (a Patient search,
 * `$consent-status`), a batch or transaction of creates that all name one patient.
 * Anything else (chains, modifiers, several values, includes, conditional writes, other
 * operations, mixed bundles) says nothing: full facts.
 */
export function requestPatientOf(req: RoutedRequest): RequestScope | undefined {
  const { method, interaction, params, query, body } = req;
  if (interaction === 'batch') return method === 'POST' ? bundlePatientOf(body) : undefined;
  if (interaction === 'operation') return operationScopeOf(method, req.path, query, body);
  const type = params.resourceType;
  if (!type || !PATIENT_LINKED_TYPES.has(type)) return undefined;
  // A conditional create searches for its match first: that search must see what the full facts see.
  if (method === 'POST' && interaction === 'create') return req.conditional ? undefined : writeScopeOf(type, undefined, query, body);
  if (method === 'PUT' && interaction === 'update') return params.id === undefined ? undefined : writeScopeOf(type, params.id, query, body);
  // A patch or delete of an instance acts on its stored version, as a read does; conditional ones search first.
  if (method === 'DELETE' && interaction === 'delete') return instance(type, params.id);
  if (method === 'PATCH' && interaction === 'patch') return patchScopeOf(type, params.id, body);
  if (method !== 'GET') return undefined;
  if (interaction === 'read' || interaction === 'vread' || interaction === 'history-instance') return instance(type, params.id);
  if (type === 'Patient' && interaction === 'search-type') return ssinLookupOf(query);
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
 * A look-up by exact SSIN and nothing else (`identifier=<ssin system>|<11 digits>`, the one
 * parameter): what a professional may find of any patient, decided by that patient's facts alone.
 */
function ssinLookupOf(query: [string, string][]): RequestScope | undefined {
  if (query.length !== 1 || query[0][0] !== 'identifier') return undefined;
  const value = query[0][1];
  const ssin = value.startsWith(`${SSIN}|`) ? value.slice(SSIN.length + 1) : '';
  return /^\d{11}$/.test(ssin) ? { ssin } : undefined;
}

function instance(type: string, id: string | undefined): RequestScope | undefined {
  return id !== undefined && ID.test(id) ? { resource: { type, id } } : undefined;
}

/**
 * A patch: the stored version's patient, provided every reference the patched version will carry
 * (the stored ones and those the patch sets) is of that patient. A patch that sets any Patient
 * reference (a move to another patient, say) cannot be settled beforehand: full facts.
 */
function patchScopeOf(type: string, id: string | undefined, patch: unknown): RequestScope | undefined {
  const target = instance(type, id);
  const references = lookUps(patchReferenceStrings(patch), undefined);
  return target && references ? { ...target, references, keepsStoredReferences: true } : undefined;
}

function operationScopeOf(method: string, path: string, query: [string, string][], body: unknown): RequestScope | undefined {
  const [type, id, operation, ...rest] = path.split('/');
  if (rest.length) return undefined;
  if (method === 'GET' && type === 'Patient' && id === '$consent-status' && operation === undefined) return ssinLookupOf(query);
  // A patient's summary reads that patient's record only (and the registry): sumehr-summary.ts leaves out anything else.
  if (method === 'GET' && type === 'Patient' && operation === '$summary' && ID.test(id)) return { patient: `Patient/${id}` };
  if (method !== 'POST') return undefined;
  if (type === 'Composition' && id === '$publish-sumehr' && operation === undefined) return publicationPatientOf(body);
  if (operation === undefined || !INSTANCE_OPERATIONS.get(type)?.has(operation)) return undefined;
  const target = instance(type, id);
  // A withdrawal ends the SUMEHR Composition its document keeps in the safe, as the caller sees it: held
  // to the same patient (request-scope.ts; test/policy/scoped-operations.test.ts, "a document whose content
  // in the safe is another patient's").
  return target && operation === '$request-deletion' ? { ...target, followsSafeContent: true } : target;
}

/**
 * The patient of a create or an update by id, from its body: the type's subject or patient, a plain local
 * `Patient/<id>`. An update also names its id, so that the stored version's patient is compared.
 */
function writeScopeOf(type: string, id: string | undefined, query: [string, string][], body: unknown): RequestScope | undefined {
  if (query.length > 0) return undefined;
  if (id !== undefined && (!ID.test(id) || (body as { id?: unknown } | null)?.id !== id)) return undefined;
  const patient = writtenPatientOf(type, body);
  const references = patient ? lookUps(referenceStrings(body), patient) : undefined;
  if (!patient || !references) return undefined;
  return id === undefined ? { patient, references } : { patient, resource: { type, id }, references };
}
