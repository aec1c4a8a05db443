import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { checkBelgianIdentifiers } from './belgian-identifiers';
import { loadDefinitions } from './definitions';
import { checkRequiredBindings } from './required-bindings';
import { checkResourceStructure, withLongDataElided } from './resource-structure';

/**
 * The one validation step of every write (create, update, the result of a patch, each entry of a
 * batch or transaction, each write of an operation): the JSON shape against the R4 types, keys and
 * narrative XHTML (src/fhir/resource-structure.ts); then R4 cardinality, formats and invariants
 * (Medplum's validator over the base definitions and our profiles); required terminology bindings
 * on codes (which Medplum's validator leaves out, src/fhir/required-bindings.ts); the Belgian
 * identifier checksums of SPEC §3. Throws a 400 OperationOutcome listing every problem with its
 * expression; nothing is stored.
 */
export function validateForWrite(resource: Resource): void {
  const structure = checkResourceStructure(resource);
  // The later checks assume the shape is right (Medplum's validator can throw on a wrong one).
  if (structure.length) throw invalid(structure);
  loadDefinitions();
  const issues: OperationOutcomeIssue[] = [];
  try {
    issues.push(...validateResource(withLongDataElided(resource)).filter((i) => i.severity === 'error' || i.severity === 'fatal'));
  } catch (err) {
    // Fail closed: a shape the validator cannot read is not a valid resource.
    const unreadable: OperationOutcomeIssue = { severity: 'error', code: 'structure', details: { text: 'Invalid resource' }, expression: [resource.resourceType] };
    issues.push(...(err instanceof OperationOutcomeError ? err.outcome.issue ?? [] : [unreadable]));
  }
  issues.push(...checkRequiredBindings(resource));
  for (const problem of checkBelgianIdentifiers(resource)) {
    issues.push({ severity: 'error', code: 'value', details: { text: problem.message }, expression: [problem.expression] });
  }
  if (issues.length) throw invalid(issues);
}

/**
 * The shape check alone, for a request body that is not written as such: an operation's input
 * (Parameters, a Composition to assess, a document Bundle) or a whole batch before its entries.
 * Entries and operation writes still go through validateForWrite when they are written.
 */
export function assertWellFormed(resource: unknown): void {
  const structure = checkResourceStructure(resource);
  if (structure.length) throw invalid(structure);
}

function invalid(issues: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
}
