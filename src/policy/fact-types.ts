/**
 * The resource types a caller's facts are read from (facts.ts and its loaders: the registry entry,
 * roles and institution, links, consents, trusted persons, the patient's age). A request that
 * writes one of them has changed what its own policy was built on.
 */
export const FACT_TYPES = new Set(['Consent', 'CareTeam', 'Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson']);
