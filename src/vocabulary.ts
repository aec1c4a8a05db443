/**
 * The code systems, naming systems and extensions sharehub reads and writes (SPEC §3, §10), each
 * defined once. Every layer imports it, so it imports nothing itself.
 */

/** Base of sharehub's own canonical URLs. */
export const SH = 'https://sharehub.example/fhir';

// Code systems of the hub.
export const CONSENT_KIND = `${SH}/CodeSystem/consent-kind`;
export const LINK_TYPE = `${SH}/CodeSystem/link-type`;
export const PROFESSION = `${SH}/CodeSystem/profession`;
export const DOCUMENT_CLASS = `${SH}/CodeSystem/document-class`;

// Extensions of the hub.
export const CONSENT_CHANNEL_EXT = `${SH}/StructureDefinition/consent-channel`;
export const RELEASE_RULE_EXT = `${SH}/StructureDefinition/release-rule`;
export const RELEASE_DEFAULT_EXT = `${SH}/StructureDefinition/release-default`;
export const SUMEHR_ACCESS_EXT = `${SH}/StructureDefinition/sumehr-patient-access`;
/** On a junior doctor's Practitioner: `status` awaiting | accredited, `date` (SPEC §6). */
export const JUNIOR_ACCREDITATION_EXT = `${SH}/StructureDefinition/junior-accreditation`;
/** Links an AuditEvent to its predecessor in the tamper-evident chain. */
export const AUDIT_CHAIN_EXT = `${SH}/StructureDefinition/audit-chain`;
export const AUDIT_AGENT_ORGANIZATION_EXT = `${SH}/StructureDefinition/audit-agent-organization`;

// Naming systems of the hub: the OAuth client and the peer hub of a request.
export const CLIENT_ID_SYSTEM = `${SH}/NamingSystem/oauth-client`;
export const PEER_HUB_SYSTEM = `${SH}/NamingSystem/peer-hub`;

// HL7 Belgium core naming systems (SPEC §3).
export const SSIN = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin';
export const NIHII_PROFESSIONAL = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional';
export const NIHII_ORGANIZATION = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-organization';
export const CBE = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/cbe';

// External terminologies.
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** LOINC code of a SUMEHR (summarised electronic health record). */
export const SUMEHR_LOINC = '60591-5';
