import type { SearchRequest } from '@medplum/core';
import type { RequestContext } from '../fhir/request-context';
import { relativeReference } from '../fhir/search-values';
import { matchesCondition } from '../store/condition-eval';
import type { StoredResource } from '../store/stored-resource';
import { touch, type Access } from './access-log';

/** Search parameters that name the patient whose record is searched. */
const PATIENT_PARAMS = new Set(['patient', 'subject']);
/** Most named patients one search records (a bound on the look-ups it costs). */
const MAX_NAMED = 20;

/**
 * A search naming a patient is an access to that patient's record even when it finds nothing:
 * the patient's trail records it, as refused when the caller may not reach that patient
 * (a probe leaves a trace). Patients that do not exist get no trail: the probe is a refusal of the caller's.
 */
export async function touchNamedPatients(
  ctx: RequestContext,
  readPatient: (id: string) => Promise<StoredResource | undefined>,
  access: Access,
  request: SearchRequest
): Promise<void> {
  const named = new Set<string>();
  for (const filter of request.filters ?? []) {
    if (!PATIENT_PARAMS.has(filter.code) || filter.operator !== 'eq') continue;
    for (const raw of filter.value.split(',')) {
      const ref = relativeReference(raw.trim(), ctx.baseUrl);
      const id = ref.startsWith('Patient/') ? ref.slice('Patient/'.length) : filter.code === 'patient' && !ref.includes('/') ? ref : undefined;
      if (id && /^[A-Za-z0-9\-.]{1,64}$/.test(id)) named.add(id);
    }
  }
  const scope = ctx.policy.readScope('Patient', 'r');
  for (const id of [...named].slice(0, MAX_NAMED)) {
    const patient = `Patient/${id}`;
    if (access.touches.some((t) => t.patient === patient)) continue;
    const doc = await readPatient(id);
    if (doc) touch(access, patient, patient, { refused: !matchesCondition(scope, doc) });
    // A missing patient is refused too (in the caller's own chain): were it recorded as a success the
    // caller would read it in its own trail and tell missing ids from existing ones it may not reach.
    else touch(access, patient, undefined, { refused: true });
  }
}
