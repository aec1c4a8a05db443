import type { AccessFields } from './access-fields';
import type { Facts, PatientFacts, PractitionerFacts } from './facts';
import { mayReadRegistry } from './narrow';
import type { Principal } from './principal';
import { CLINICAL_TYPES, PRIVATE_CONSENT_KINDS, REGISTRY_TYPES } from './resource-classes';
import { parseScopes, scopesAllow } from './smart-scopes';
import { classesFor, GP_LINK_TYPES } from './vocabulary';

export type ReadAction = 'read' | 'search';

/** What decide() knows of one stored resource: its type, id and access sidecar. */
export interface ResourceUnderDecision {
  resourceType: string;
  id: string;
  fields: AccessFields;
  /** Patient identifiers (`system|value`), for the exact-SSIN look-up. */
  identifiers?: string[];
}

/**
 * SPEC §5, one rule at a time, for one resource: may this caller see it now? Pure; the same facts
 * that narrow() compiles into a query. Kept deliberately plain so it reads like the spec.
 */
export function decide(principal: Principal, action: ReadAction, resource: ResourceUnderDecision, facts: Facts, now: Date, exactSsinLookup?: string): boolean {
  if (!scopesAllow(parseScopes(principal.scopes), resource.resourceType, action === 'read' ? 'r' : 's')) return false;
  if (REGISTRY_TYPES.has(resource.resourceType)) return mayReadRegistry(facts) || registryEntryBeforeRegistration(facts, resource);
  if (facts.kind === 'practitioner') return practitionerMaySee(facts, resource, now, exactSsinLookup);
  if (facts.kind === 'patient') return patientMaySee(facts, resource, now);
  if (facts.kind === 'administrative' && facts.organization)
    return resource.resourceType === 'CareTeam' && (resource.fields.members ?? []).includes(facts.organization);
  return false;
}

/** Not yet registered: its own Practitioner entry and the Organizations (mirrors narrow.registryBeforeRegistration). */
function registryEntryBeforeRegistration(facts: Facts, r: ResourceUnderDecision): boolean {
  if (facts.kind !== 'practitioner' || !facts.self) return false;
  return r.resourceType === 'Organization' || (r.resourceType === 'Practitioner' && `Practitioner/${r.id}` === facts.self);
}

/** Rule 2 as the sidecar knows it: the consent window contains now. */
function consentedAt(fields: AccessFields, now: Date): boolean {
  return !!fields.consentFrom && !!fields.consentUntil && fields.consentFrom.getTime() <= now.getTime() && now.getTime() <= fields.consentUntil.getTime();
}

/**
 * Rule 6 for restrictions without actor, as the sidecar knows it: the author-only window contains
 * now. A sidecar without the window counts as restricted (fail closed), as in narrow().
 */
function authorOnlyAt(fields: AccessFields, now: Date): boolean {
  const t = now.getTime();
  return (
    !(fields.authorOnlyUntil instanceof Date && fields.authorOnlyUntil.getTime() < t) &&
    !(fields.authorOnlyFrom instanceof Date && fields.authorOnlyFrom.getTime() > t)
  );
}

function practitionerMaySee(f: PractitionerFacts, r: ResourceUnderDecision, now: Date, exactSsinLookup?: string): boolean {
  // Rule 1 (active, registered, qualified as claimed).
  if (!f.eligible || !f.self) return false;
  const patient = r.fields.patient;
  // Facts loaded for one patient: nothing of another patient (mirrors narrow).
  if (f.scopedTo !== undefined && patient !== f.scopedTo) return false;
  const linkedAndConsented = !!patient && f.links.some((l) => l.patient === patient) && f.consented.has(patient) && !f.excludedBy.has(patient);
  switch (r.resourceType) {
    case 'Patient':
      return linkedAndConsented || (!!exactSsinLookup && (r.identifiers ?? []).includes(exactSsinLookup));
    case 'Consent':
      return linkedAndConsented && !PRIVATE_CONSENT_KINDS.includes(r.fields.kind ?? '');
    case 'CareTeam':
      return linkedAndConsented || ((r.fields.members ?? []).includes(f.self) && !(patient && f.excludedBy.has(patient)));
    case 'RelatedPerson':
      return linkedAndConsented;
  }
  if (!CLINICAL_TYPES.has(r.resourceType) || !r.fields.clinical || !patient) return false;
  const isAuthor = (r.fields.authors ?? []).includes(f.self);
  // Rule 7: entered-in-error is gone for everyone.
  if (r.fields.current !== true) return false;
  // Rule 2: an active hub-sharing consent.
  if (!consentedAt(r.fields, now)) return false;
  // Rule 3: no exclusion of this professional, not even in an emergency.
  if (f.excludedBy.has(patient)) return false;
  // Rule 4: a link (or grant) with the patient, or authorship.
  if (!linkedAndConsented && !isAuthor) return false;
  // Rule 5: profession × document class.
  if (!classesFor(f.profession).includes(r.fields.class ?? '')) return false;
  // Rule 6: document restrictions, then the confidentiality label.
  const document = r.fields.document ?? '';
  if (f.hiddenAlways.has(document)) return false;
  if (authorOnlyAt(r.fields, now) && !isAuthor) return false;
  switch (r.fields.label) {
    case 'N':
      return true;
    case 'R':
      return isAuthor || (linkedAndConsented && f.links.some((l) => l.patient === patient && GP_LINK_TYPES.has(l.type)));
    case 'V':
      return isAuthor;
    default:
      return false;
  }
}

function patientMaySee(f: PatientFacts, r: ResourceUnderDecision, now: Date): boolean {
  const patient = r.fields.patient;
  if (!patient || !f.records.has(patient)) return false;
  if (['Patient', 'Consent', 'CareTeam', 'RelatedPerson'].includes(r.resourceType)) return true;
  if (!CLINICAL_TYPES.has(r.resourceType) || !r.fields.clinical) return false;
  return (
    r.fields.current === true && consentedAt(r.fields, now) && f.portal.has(patient) && !!r.fields.releaseAt && r.fields.releaseAt.getTime() <= now.getTime()
  );
}
