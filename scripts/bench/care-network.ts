import type { CareTeam, Consent, Endpoint, Organization, Practitioner } from '@medplum/fhirtypes';
import { SH } from '../../src/vocabulary';

/** The benchmark's professional: a GP whose links and consents are the facts loaded per request. */
export const BENCH_GP_ID = 'bench-gp';
export const BENCH_GP_NIHII = '19999999001';
export const BENCH_GP_CLAIMS = { sub: 'bench-gp', role: 'practitioner', nihii: BENCH_GP_NIHII, profession: 'physician', scope: 'user/*.cruds' };

export function benchGp(): Practitioner & { id: string } {
  return {
    resourceType: 'Practitioner',
    id: BENCH_GP_ID,
    active: true,
    identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional', value: BENCH_GP_NIHII }],
    name: [{ family: 'Bench', given: ['General'] }],
    qualification: [{ code: { coding: [{ system: `${SH}/CodeSystem/profession`, code: 'physician' }] } }],
  };
}

/** The institution that keeps the content of the documents the GP publishes (their custodian, SPEC §4). */
export const BENCH_CUSTODIAN_ID = 'bench-lab';

export function benchCustodian(): Organization & { id: string } {
  return {
    resourceType: 'Organization',
    id: BENCH_CUSTODIAN_ID,
    active: true,
    name: 'Bench laboratory',
    endpoint: [{ reference: `Endpoint/${BENCH_SOURCE_ID}` }],
  };
}

/** The custodian's registered document source: the synthetic documents' content URLs lie below it (SPEC §4). */
const BENCH_SOURCE_ID = 'bench-lab-documents';

export function benchSource(): Endpoint & { id: string } {
  return {
    resourceType: 'Endpoint',
    id: BENCH_SOURCE_ID,
    status: 'active',
    address: 'https://documents.example.org',
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
    payloadType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'any' }] }],
    managingOrganization: { reference: `Organization/${BENCH_CUSTODIAN_ID}` },
  };
}

/** Every patient has an active hub-sharing consent (rule 2 holds), registered a year ago. */
export function hubSharingConsent(patientId: string, now: Date): Consent & { id: string } {
  return {
    resourceType: 'Consent',
    id: `consent-${patientId}`,
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: 'hub-sharing' }] }],
    patient: { reference: `Patient/${patientId}` },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    extension: [{ url: `${SH}/StructureDefinition/consent-channel`, valueCode: 'gp' }],
    provision: { type: 'permit', period: { start: new Date(now.getTime() - 365 * 86_400_000).toISOString() } },
  };
}

/** A long-term GP link in force now (rule 4). */
export function gpLink(patientId: string, now: Date): CareTeam & { id: string } {
  return {
    resourceType: 'CareTeam',
    id: `link-${patientId}`,
    status: 'active',
    category: [{ coding: [{ system: `${SH}/CodeSystem/link-type`, code: 'gp-long-term' }] }],
    subject: { reference: `Patient/${patientId}` },
    participant: [{ member: { reference: `Practitioner/${BENCH_GP_ID}` } }],
    extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-read' }],
    period: { start: new Date(now.getTime() - 30 * 86_400_000).toISOString(), end: new Date(now.getTime() + 300 * 86_400_000).toISOString() },
  };
}
