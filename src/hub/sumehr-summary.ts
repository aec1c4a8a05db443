import { allOk, notFound, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Bundle, Composition, Patient, Resource } from '@medplum/fhirtypes';
import type { HubRepository } from '../fhir/hub-repository';
import { relativeReference } from '../fhir/search-values';
import { CLINICAL_TYPES, PATIENT_RECORD_TYPES, REGISTRY_TYPES } from '../policy/resource-classes';
import { compositionOf, currentSumehrs } from './sumehr-publication';

/**
 * `GET Patient/{id}/$summary` (SPEC §4, emergency summary): the patient's latest current SUMEHR
 * that the caller may see, as a FHIR document Bundle (Composition, Patient, authors, and the
 * section entries the caller sees). 404 when the patient or every SUMEHR is hidden or missing.
 * A summary holds that patient's record and the registry only: a Composition or an entry of
 * another patient (a transaction or a publication may name one) is left out unread, whatever the
 * caller sees of that patient. So the answer depends on the caller's facts for this patient only,
 * and the request loads only those (request-patient.ts; test/policy/scoped-operations.test.ts).
 */
export async function patientSummary(req: FhirRequest, repository: unknown): Promise<FhirResponse> {
  const repo = repository as HubRepository;
  const patient = await repo.readResource<Patient>('Patient', req.params.id);
  const record = `Patient/${patient.id}`;
  let composition: Composition | undefined;
  for (const doc of await currentSumehrs(repo, record)) {
    for (const target of compositionOf(doc, repo.ctx.baseUrl)) {
      if (composition || (await repo.port.recordOf(target)) !== record) continue;
      composition = await repo.readResource<Composition>('Composition', target.split('/')[1]).catch(() => undefined);
    }
    if (composition) break;
  }
  if (!composition) throw new OperationOutcomeError(notFound);

  const refs = [...(composition.author ?? []).map((a) => a.reference), ...flattenEntries(composition)]
    .filter((r): r is string => !!r)
    .map((r) => relativeReference(r, repo.ctx.baseUrl))
    .filter((r, i, all) => /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r) && all.indexOf(r) === i && r !== record);
  // The registry and this patient's records; their look-ups are the reads below (shared within the request).
  const held = await Promise.all(refs.map((r) => isRegistryOrRecordOf(repo, r, record)));
  // Entries the caller may not see are left out, exactly as a search would leave them out.
  const others = (await repo.readReferences(refs.filter((_, i) => held[i]).map((reference) => ({ reference })))).filter(
    (r): r is Resource => !(r instanceof Error)
  );
  const resources: Resource[] = [composition, patient, ...others];
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'document',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${composition.id}` },
    timestamp: repo.ctx.now.toISOString(),
    entry: resources.map((resource) => ({ fullUrl: `${repo.ctx.baseUrl}/${resource.resourceType}/${resource.id}`, resource })),
  };
  return [allOk, bundle];
}

/** A registry entry (who is who: the same for every caller), or a resource of this patient's record. */
async function isRegistryOrRecordOf(repo: HubRepository, reference: string, record: string): Promise<boolean> {
  const type = reference.split('/')[0];
  if (REGISTRY_TYPES.has(type)) return true;
  return (CLINICAL_TYPES.has(type) || PATIENT_RECORD_TYPES.has(type)) && (await repo.port.recordOf(reference)) === record;
}

function flattenEntries(composition: Composition): (string | undefined)[] {
  const walk = (sections: Composition['section']): (string | undefined)[] =>
    (sections ?? []).flatMap((s) => [...(s.entry ?? []).map((e) => e.reference), ...walk(s.section)]);
  return walk(composition.section);
}
