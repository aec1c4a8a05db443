import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { RequestScope } from '../policy/request-scope';
import { referenceStrings } from '../policy/scope-references';
import { lookUps, writtenPatientOf } from './written-patient';

/**
 * The one patient of a batch or transaction (an ITI-65 provide-document bundle, say): every
 * entry a plain create (no condition) of a scoped write type naming that same patient, or a
 * Binary, whose patient is its securityContext's (a bundle entry, or a document looked up like
 * every other patient-linked reference the entries make). Any other entry (a read, a search, an
 * update, a conditional create, another patient) leaves the bundle to the full facts; so does a
 * reference that cannot be settled beforehand.
 */
export function bundlePatientOf(body: unknown): RequestScope | undefined {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'batch' && bundle.type !== 'transaction')) return undefined;
  // Read before the input is validated entry by entry: any shape may arrive here, none may throw.
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  let patient: string | undefined;
  for (const entry of entries) {
    if (!isPlainCreate(entry)) return undefined;
    if (entry.resource.resourceType === 'Binary') continue;
    const named = writtenPatientOf(entry.resource.resourceType, entry.resource);
    if (!named || (patient !== undefined && named !== patient)) return undefined;
    patient = named;
  }
  if (!patient) return undefined;
  const references = lookUps(referenceStrings(entries), patient);
  return references ? { patient, references } : undefined;
}

function isPlainCreate(entry: unknown): entry is BundleEntry & { resource: Resource } {
  if (typeof entry !== 'object' || entry === null) return false;
  const { request, resource } = entry as BundleEntry;
  return (
    typeof request === 'object' &&
    request !== null &&
    typeof resource === 'object' &&
    resource !== null &&
    request.method === 'POST' &&
    typeof request.url === 'string' &&
    request.url === resource.resourceType &&
    request.ifNoneExist === undefined &&
    request.ifMatch === undefined &&
    request.ifNoneMatch === undefined &&
    request.ifModifiedSince === undefined
  );
}

/**
 * `Composition/$publish-sumehr`: the patient its SUMEHR Composition (the document Bundle's first
 * entry) names. Every entry must name it too (else a 400, under any facts); the references the
 * entries make are settled like a bundle's.
 */
export function publicationPatientOf(body: unknown): RequestScope | undefined {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'document') return undefined;
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  const first = (entries[0] as BundleEntry | null | undefined)?.resource;
  const patient = first ? writtenPatientOf('Composition', first) : undefined;
  const references = patient ? lookUps(referenceStrings(entries), patient) : undefined;
  return patient && references ? { patient, references } : undefined;
}
