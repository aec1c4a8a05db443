import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { message, messageDetails, messageIssue } from '../messages/message';
import { checkBelgianIdentifiers } from './belgian-identifiers';
import { loadDefinitions } from './definitions';
import { checkRequiredBindings } from './required-bindings';
import { checkResourceStructure, onlyKeyProblems, unsafeProblems, withLongDataElided } from './resource-structure';

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
  loadDefinitions();
  const structure = checkResourceStructure(resource);
  const issues: OperationOutcomeIssue[] = [...structure];
  // Medplum reads whatever it finds: only once values are known to have their JSON types.
  if (onlyKeyProblems(structure)) {
    const reported = new Set(structure.flatMap((i) => i.expression ?? []));
    issues.push(...medplumIssues(resource).filter((i) => !(i.expression ?? []).some((e) => reported.has(e))));
  }
  // Binding and identifier checks read values where the types say they are: only on a sound shape.
  if (!structure.length) {
    issues.push(...checkRequiredBindings(resource));
    for (const problem of checkBelgianIdentifiers(resource)) {
      issues.push(messageIssue(problem.message, 'value', problem.expression));
    }
  }
  if (issues.length) throw invalid(issues);
}

/** R4 cardinality, formats and invariants, by Medplum's validator; fail closed if it cannot read the resource. */
function medplumIssues(resource: Resource): OperationOutcomeIssue[] {
  try {
    return validateResource(withLongDataElided(resource))
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map(conformanceFinding);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return (err.outcome.issue ?? []).map(conformanceFinding);
    return [messageIssue(message('resource-invalid'), 'structure', resource.resourceType)];
  }
}

/** Medplum's validator writes its own English findings: coded as one message that quotes the finding. */
function conformanceFinding(issue: OperationOutcomeIssue): OperationOutcomeIssue {
  return { ...issue, details: messageDetails(message('resource-not-conformant', { finding: issue.details?.text ?? '' })) };
}

/**
 * The shape check alone, for a body before any handler reads it: a resource to write, an
 * operation's input (Parameters, a Composition to assess, a document Bundle), a whole batch.
 * Refuses wrong JSON types, forbidden keys, oversized strings and unsafe narratives; unknown
 * elements are left to validateForWrite, which reports them with everything else it finds.
 */
export function assertWellFormed(resource: unknown): void {
  const unsafe = unsafeProblems(checkResourceStructure(resource));
  if (unsafe.length) throw invalid(unsafe);
}

function invalid(issues: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
}
