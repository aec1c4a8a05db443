import type { ResourceStore } from '../store/resource-store';
import { withNationalView } from './national-facts';
import { patientFacts } from './patient-facts';
import { practitionerFacts } from './practitioner-facts';
import { activeOrganization } from './practitioner-registry';
import type { Principal } from './principal';

export { ageOn } from './patient-facts';

/** An active therapeutic link (or a professional grant) as the policy sees it. */
export interface LinkFact {
  patient: string;
  type: string;
  /** The CareTeam (or grant Consent) itself, `Type/id`: what an audited access rested on. */
  basis?: string;
}

export interface PractitionerFacts {
  kind: 'practitioner';
  /** `Practitioner/<id>`; absent when the NIHII matches no Practitioner. */
  self?: string;
  /** Rule 1 and the profession check of rule 5: active, registered, qualified as the token says. */
  eligible: boolean;
  profession: string;
  /** Active links naming the practitioner or the institution it acts for, plus grants to it. */
  links: LinkFact[];
  /** Patients (of the linked ones) with an active hub-sharing consent now, read off the links' consent window. */
  consented: Set<string>;
  /** Patients with an active exclusion naming the practitioner. */
  excludedBy: Set<string>;
  /**
   * Documents (`DocumentReference/<id>`) hidden from this practitioner by a restriction naming it.
   * Restrictions without actor are on the documents' own sidecar (authorOnlyFrom/Until), not here.
   */
  hiddenAlways: Set<string>;
  /** `Organization/<id>` the practitioner acts for (its `organization` claim, backed by an active PractitionerRole). */
  actingFor?: string;
  /**
   * `Patient/<id>` when the facts were loaded for one patient only (the request concerns that
   * patient): links are that patient's, and every patient-linked read is held to that patient.
   */
  scopedTo?: string;
  /** For the audit trail: the active hub-sharing Consent of each consented patient, and the caller's name. */
  consentBasis?: Map<string, string>;
  name?: string;
}

export interface PatientFacts {
  kind: 'patient';
  /** `Patient/<id>` of the caller, if registered. */
  self?: string;
  /** Whose consents, links and audit trail the caller sees: self and patients who granted them. */
  records: Set<string>;
  /** Of those, whose documents the caller sees: an active consent registered through a portal channel. */
  portal: Set<string>;
  /** Children under 16 for whom the caller holds a parental grant: the parent registers their consent (SPEC §4). */
  guardianOf?: Set<string>;
  /** For the audit trail: the active hub-sharing Consent of each record, the caller's name. */
  consentBasis?: Map<string, string>;
  name?: string;
}

/** guarantor, institution-admin (with the active Organization they act for) and hub-admin. */
export interface AdministrativeFacts {
  kind: 'administrative';
  /** `Organization/<id>` of a guarantor or institution-admin; absent for hub-admin. */
  organization?: string;
}

/**
 * What the metahub answers a hub deciding for another hub's professional (SPEC §11), by SSIN: the
 * national view of their links, consents and exclusions at decision time (no copies kept).
 */
export interface NationalAccess {
  /** Active with the token's profession in the national registry, as the calling hub published it. */
  active: boolean;
  name?: string;
  /** Links (and grants) in force naming the professional, at any hub; `source` is the record at its hub. */
  links: { ssin: string; type: string; source: string }[];
  /** Of the linked patients, those whose national hub-sharing consent is active now. */
  consented: string[];
  /** Patients with an exclusion in force naming the professional, registered at any hub. */
  excluded: string[];
}

export type Facts = PractitionerFacts | PatientFacts | AdministrativeFacts | { kind: 'none' };

/** The one patient a request concerns, when known before its facts are loaded (request-scope.ts). */
export interface FactsScope {
  patient: string;
}

/**
 * Loads every fact the caller's access decisions need (practitioner-facts.ts, patient-facts.ts,
 * national-facts.ts): parallel queries, each an equality on one value (a top-level key of the
 * filter, pushed down and indexed on every engine), each sent as soon as what it needs is known.
 * `scope` may still be in flight (a read by id learning its patient from the document it reads):
 * the facts that do not need the patient are loaded meanwhile.
 */
export async function loadFacts(
  store: ResourceStore,
  principal: Principal,
  now: Date,
  national?: NationalAccess,
  scope?: FactsScope | Promise<FactsScope | undefined>
): Promise<Facts> {
  if (principal.role === 'practitioner') {
    const local = await practitionerFacts(store, principal, now, undefined, scope);
    return national ? withNationalView(store, local, national) : local;
  }
  // Scopes only narrow a professional's facts; one that cannot be learned still fails the request (fail closed).
  await scope;
  switch (principal.role) {
    case 'patient':
      return patientFacts(store, principal, now);
    case 'hub':
      // A peer hub gets what the professional it acts for would get here, from the national view
      // the metahub answered for this call (SPEC §11); without that answer, nothing (fail closed).
      return principal.actor?.role === 'practitioner' && national ? practitionerFacts(store, principal.actor, now, national) : { kind: 'none' };
    case 'guarantor':
    case 'institution-admin': {
      // SPEC §2: the organization they act for must exist and be active.
      const organization = await activeOrganization(store, principal.organization);
      return organization ? { kind: 'administrative', organization } : { kind: 'none' };
    }
    case 'hub-admin':
      return { kind: 'administrative' };
    default:
      return { kind: 'none' };
  }
}
