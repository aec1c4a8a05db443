/** How the policy groups resource types (SPEC §5). */

/** Clinical content: rules 1–7 for professionals, release rules for patients, never for admins. */
export const CLINICAL_TYPES = new Set(['DocumentReference', 'Composition', 'Binary', 'List']);

/** Patient-linked records that are not clinical documents. */
export const PATIENT_RECORD_TYPES = new Set(['Patient', 'Consent', 'CareTeam', 'RelatedPerson']);

/** The registry: who is who in the network; readable by every authenticated role with a scope. */
export const REGISTRY_TYPES = new Set(['Practitioner', 'PractitionerRole', 'Organization']);

/** Consent kinds only the patient and their grant holders see: they reveal what is hidden (SPEC §5). */
export const PRIVATE_CONSENT_KINDS = ['exclusion', 'document-restriction'];
