import type { FhirRouter } from '@medplum/fhir-router';
import { releaseDocument, requestDocumentDeletion } from './document-release';
import { publishSumehr } from './sumehr-publication';
import { sumehrQualityOfBody, sumehrQualityOfStored } from './sumehr-quality';
import { patientSummary } from './sumehr-summary';

/**
 * Operations on documents and SUMEHRs (SPEC §4): release, deletion request, SUMEHR publication,
 * quality, summary. `$content` streams bytes and so is an HTTP route (src/http/content-endpoint.ts).
 */
export function addDocumentOperations(router: FhirRouter): void {
  router.add('POST', 'DocumentReference/:id/$release', releaseDocument);
  router.add('POST', 'DocumentReference/:id/$request-deletion', requestDocumentDeletion);
  router.add('POST', 'Composition/$publish-sumehr', publishSumehr);
  router.add('POST', 'Composition/$sumehr-quality', sumehrQualityOfBody);
  router.add('POST', 'Composition/:id/$sumehr-quality', sumehrQualityOfStored);
  router.add('GET', 'Patient/:id/$summary', patientSummary);
}
