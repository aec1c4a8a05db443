import { SH } from '../policy/vocabulary';

/** Codes of the IHE Basic Audit Log Patterns (BALP) shape the trail uses, and the hub's own extensions. */
export const AUDIT_CHAIN_EXT = `${SH}/StructureDefinition/audit-chain`;
export const AUDIT_AGENT_ORGANIZATION_EXT = `${SH}/StructureDefinition/audit-agent-organization`;

export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
export const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
export const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
export const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
export const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
/** Identifies the OAuth client and the peer hub in an agent. */
export const CLIENT_ID_SYSTEM = `${SH}/NamingSystem/oauth-client`;
export const PEER_HUB_SYSTEM = `${SH}/NamingSystem/peer-hub`;
