import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/**
 * A broken business rule: 422 with the outcome id `unprocessable` (the HTTP layer maps it), a text
 * translated by src/http/messages.ts, and the path it concerns. Nothing is stored.
 */
export function refuse(text: string, expression?: string): never {
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    id: 'unprocessable',
    issue: [{ severity: 'error', code: 'business-rule', details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
  throw new OperationOutcomeError(outcome);
}
