import type { FhirRouteHandler, FhirRouter } from '@medplum/fhir-router';
import { addPatient, consentStatus } from './patient-registration';
import { acceptPrivacyPolicy, approveTask, fileTask, rejectTask } from './registration-decisions';

/** Operations of the care-network workflows (SPEC §4, §6): consent status, registration steps. */
export function addWorkflowOperations(router: FhirRouter): void {
  // Handlers get the caller's scoped HubRepository; literal paths win over `:resourceType` routes.
  const plainCreate = router.router.routes.find((r) => r.method === 'POST' && r.path.length === 1 && r.path[0].param)?.handler as FhirRouteHandler;
  router.add('POST', 'Patient', addPatient(plainCreate), 'create');
  router.add('GET', 'Patient/$consent-status', consentStatus, 'operation');
  router.add('POST', 'Task', fileTask, 'create');
  router.add('POST', 'Task/:id/$approve', approveTask, 'operation');
  router.add('POST', 'Task/:id/$reject', rejectTask, 'operation');
  router.add('POST', 'Organization/:id/$accept-privacy-policy', acceptPrivacyPolicy, 'operation');
}
