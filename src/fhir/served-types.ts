import { notFound, OperationOutcomeError } from '@medplum/core';
import type { ResourceType } from '@medplum/fhirtypes';

/** The resource types the hub serves (SPEC §4, §8). Anything else is answered 404. */
export const SERVED_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  // An institution's registered document sources (SPEC §4).
  'Endpoint',
  'RelatedPerson',
  'Consent',
  'CareTeam',
  'DocumentReference',
  'Composition',
  'Binary',
  'List',
  // SUMEHR section entries (SPEC §4).
  'Condition',
  'AllergyIntolerance',
  'MedicationStatement',
  'Immunization',
  'Observation',
  'Procedure',
  'Task',
  'AuditEvent',
] as const satisfies readonly ResourceType[];

export type ServedType = (typeof SERVED_TYPES)[number];

export function isServedType(type: string): type is ServedType {
  return (SERVED_TYPES as readonly string[]).includes(type);
}

/** An interaction on a type the hub does not serve is answered as on a missing resource. */
export function assertServed(resourceType: string): void {
  if (!isServedType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
}
