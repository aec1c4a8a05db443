/** Codes of the IHE Basic Audit Log Patterns (BALP) shape the trail uses; the hub's own URLs are in src/vocabulary.ts. */
export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
export const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
export const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
export const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
export const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
