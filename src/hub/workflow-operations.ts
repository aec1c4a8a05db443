import type { FhirRouter } from '@medplum/fhir-router';

/** Operations of the care-network workflows (SPEC §4, §6): consent status, registration steps. */
export function addWorkflowOperations(_router: FhirRouter): void {
  // Each operation registers here with router.add; handlers get the caller's scoped HubRepository.
}
