/** How the policy groups resource types (SPEC §5). */

/**
 * Entries of a SUMEHR's sections: clinical, and seen exactly as the SUMEHR that lists them
 * (class summary, its label and release rule; access-fields.ts, fhir/sumehr-entries.ts).
 */
export const SUMEHR_ENTRY_TYPES = new Set(['Condition', 'AllergyIntolerance', 'MedicationStatement', 'Immunization', 'Observation', 'Procedure']);

/** Clinical content: rules 1–7 for professionals, release rules for patients, never for admins. */
export const CLINICAL_TYPES = new Set(['DocumentReference', 'Composition', 'Binary', 'List', ...SUMEHR_ENTRY_TYPES]);

/** Patient-linked records that are not clinical documents. */
export const PATIENT_RECORD_TYPES = new Set(['Patient', 'Consent', 'CareTeam', 'RelatedPerson']);

/**
 * The registry: who is who in the network; readable by every authenticated role with a scope,
 * written by hub-admin only. Endpoints are in it: an institution's registered document sources,
 * the only places the hub fetches content from (SPEC §4).
 */
export const REGISTRY_TYPES = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Endpoint']);

/** Consent kinds only the patient and their grant holders see: they reveal what is hidden (SPEC §5). */
export const PRIVATE_CONSENT_KINDS = ['exclusion', 'document-restriction'];
