import { CLINICAL_TYPES, PATIENT_RECORD_TYPES, REGISTRY_TYPES } from './resource-classes';

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
/** Inside the request (a bundle entry's `urn:uuid:`, a contained `#id`): its patient is the request's own. */
const INTERNAL = /^(urn:|#)/;
/** A content URL that names something kept in the hub's safe, relative or under any base. */
const SAFE_CONTENT_URL = /(?:^|\/)(Binary|Composition)\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * What a reference in a written body means for facts scoped to one patient. A write checks that
 * every reference it makes is visible to the caller; under scoped facts only that patient's
 * resources are, so a reference to another patient's resource would be refused where the full
 * facts accept it. `same` needs nothing; `look-up` (a patient-linked resource) must turn out to be
 * of the same patient; `full` cannot be settled beforehand (another patient, an absolute URL, a
 * type outside the registry and the patient record): the full facts decide (fail closed).
 */
export type ReferenceScope = 'same' | 'look-up' | 'full';

export function referenceScope(reference: string, patient: string | undefined): ReferenceScope {
  if (INTERNAL.test(reference)) return 'same';
  const m = RELATIVE.exec(reference);
  if (!m) return 'full';
  const type = m[1];
  if (REGISTRY_TYPES.has(type)) return 'same';
  if (type === 'Patient') return patient !== undefined && reference === patient ? 'same' : 'full';
  return CLINICAL_TYPES.has(type) || PATIENT_RECORD_TYPES.has(type) ? 'look-up' : 'full';
}

/** Every `reference` string in a JSON value (a resource, a bundle, a patch's values). */
export function referenceStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referenceStrings);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => (key === 'reference' && typeof v === 'string' ? [v] : referenceStrings(v)));
}

/** Stands for a reference a patch makes that cannot be read beforehand: it never resolves, so the full facts decide. */
const UNREADABLE_REFERENCE = '(copied onto a reference)';

/**
 * The references a JSON Patch sets: inside the values it adds, and the strings it writes at a
 * `.../reference` path. Copies and moves within the resource reuse the stored version's references,
 * except a copy or move onto a `.../reference` path: it may turn any stored text into a reference.
 */
export function patchReferenceStrings(patch: unknown): string[] {
  if (!Array.isArray(patch)) return [];
  return patch.flatMap((op: unknown) => {
    const { op: kind, path, value } = (op ?? {}) as { op?: unknown; path?: unknown; value?: unknown };
    const ontoReference = typeof path === 'string' && /\/reference$/.test(path);
    if ((kind === 'copy' || kind === 'move') && ontoReference) return [UNREADABLE_REFERENCE];
    const direct = typeof value === 'string' && ontoReference ? [value] : [];
    return [...direct, ...referenceStrings(value)];
  });
}

/**
 * What a DocumentReference's content names in the hub's safe (`Binary/<id>`, `Composition/<id>`),
 * also as an absolute URL: without the hub's base URL here, any URL ending so is taken for one.
 * Taking a source URL for one only costs a look-up (fail closed).
 */
export function safeContentReferences(document: unknown): string[] {
  const content = (document as { content?: unknown } | null)?.content;
  if (!Array.isArray(content)) return [];
  return content.flatMap((c: unknown) => {
    const url = (c as { attachment?: { url?: unknown } } | null)?.attachment?.url;
    const m = typeof url === 'string' ? SAFE_CONTENT_URL.exec(url) : null;
    return m ? [`${m[1]}/${m[2]}`] : [];
  });
}
