import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { Federation } from './federation';

/**
 * What federation adds to the CapabilityStatement (SPEC §11). The metahub's operations are router
 * operations and declared with the others; a hub's federated search is a parameter of the
 * DocumentReference search, declared here, since the HTTP layer serves it around the router.
 */
export function declareFederation(capability: CapabilityStatement, federation: Federation | undefined): CapabilityStatement {
  if (federation?.mode !== 'hub') return capability;
  for (const rest of capability.rest ?? []) {
    const documents = rest.resource?.find((r) => r.type === 'DocumentReference');
    documents?.searchParam?.push(
      {
        name: '_federated',
        type: 'token',
        documentation:
          "true: also ask every hub holding data for the patient (patient.identifier=<ssin system>|<SSIN> required), on the caller's behalf; also `Prefer: federated`",
      },
      { name: '_federated-page', type: 'string', documentation: 'Opaque cursor of the next page of a federated search (one cursor per hub)' }
    );
  }
  return capability;
}
