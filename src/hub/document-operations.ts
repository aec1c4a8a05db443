import type { FhirRouter } from '@medplum/fhir-router';

/** Operations on documents and SUMEHRs (SPEC §4): release, deletion request, quality, summary. */
export function addDocumentOperations(_router: FhirRouter): void {
  // Each operation registers here with router.add; handlers get the caller's scoped HubRepository.
}
