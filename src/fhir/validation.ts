import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { checkBelgianIdentifiers } from './belgian-identifiers';
import { loadDefinitions } from './definitions';
import { checkRequiredBindings } from './required-bindings';

/**
 * Validates a resource before any write: R4 structure and invariants (Medplum's validator over the
 * base definitions and our profiles), required terminology bindings on codes (which Medplum's
 * validator leaves out, src/fhir/required-bindings.ts), then the Belgian identifier checksums of SPEC §3.
 * Throws a 400 OperationOutcome listing every problem with its expression; nothing is stored.
 */
export function validateForWrite(resource: Resource): void {
  loadDefinitions();
  const issues: OperationOutcomeIssue[] = [];
  try {
    issues.push(...validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal'));
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    issues.push(...(err.outcome.issue ?? []));
  }
  issues.push(...checkRequiredBindings(resource));
  for (const problem of checkBelgianIdentifiers(resource)) {
    issues.push({ severity: 'error', code: 'value', details: { text: problem.message }, expression: [problem.expression] });
  }
  if (issues.length) {
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
  }
}
