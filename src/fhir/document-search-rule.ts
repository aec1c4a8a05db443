import { OperationOutcomeError, parseSearchRequest, type Filter } from '@medplum/core';
import type { FhirRouteHandler } from '@medplum/fhir-router';
import { invalidRequest, message } from '../messages/message';

/**
 * IHE MHD ITI-67 Find Document References (SPEC §8): a DocumentReference search names the patient
 * (`patient`, `patient.identifier`, `patient:identifier`, or `subject` given as a Patient
 * reference) AND `status`. A document search is always about one patient's record; a search
 * across the population is refused even though the policy would narrow it, because the hub is
 * not a place to browse documents.
 *
 * Applies to the search interaction (GET, POST _search, and GET entries of a batch/transaction).
 * Conditional create/update/delete and `_revinclude` are not ITI-67 and keep their own rules.
 */
export const MISSING_PATIENT = message('document-search-needs-patient');
export const MISSING_STATUS = message('document-search-needs-status');

export function assertDocumentSearchNamesPatientAndStatus(filters: readonly Filter[]): void {
  if (!filters.some(namesPatient)) {
    throw new OperationOutcomeError(invalidRequest(MISSING_PATIENT, 'patient'));
  }
  if (!filters.some((f) => f.code === 'status' && f.operator !== 'missing' && f.operator !== 'present' && f.value.trim() !== '')) {
    throw new OperationOutcomeError(invalidRequest(MISSING_STATUS, 'status'));
  }
}

function namesPatient(filter: Filter): boolean {
  const { code, operator, value } = filter;
  if (!value.trim() || operator === 'missing' || operator === 'present' || operator === 'not' || operator === 'ne') return false;
  if (code === 'patient' || code === 'patient.identifier') return true;
  // `subject` may also name a Group, Device or Practitioner: only a Patient reference counts.
  return code === 'subject' && value.split(',').every((v) => /(^|\/)Patient\/[^/]+$/.test(v.trim()));
}

/** Wraps the router's search-type handlers so the rule holds for every way a search arrives. */
export function withDocumentSearchRule(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, ...rest) => {
    if (req.params?.resourceType === 'DocumentReference') {
      // GET carries its parameters in the query; POST _search in its form body.
      const params = req.method === 'POST' ? (req.body as Record<string, string | string[]>) : req.query;
      assertDocumentSearchNamesPatientAndStatus(parseSearchRequest('DocumentReference', params ?? {}).filters ?? []);
    }
    return handler(req, ...rest);
  };
}
