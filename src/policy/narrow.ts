import { and, fieldIn, NEVER, ALWAYS, or, type Condition } from '../store/condition';
import type { Facts, PatientFacts, PractitionerFacts } from './facts';
import { CLINICAL_TYPES, PRIVATE_CONSENT_KINDS, REGISTRY_TYPES } from './resource-classes';
import { classesFor, GP_LINK_TYPES } from './vocabulary';

/** Search hints that widen nothing but the exact-SSIN Patient look-up of SPEC §5. */
export interface NarrowHints {
  /** The search is `Patient?identifier=<ssin system>|<11 digits>` and nothing else that widens. */
  exactSsinLookup?: string;
}

/**
 * The condition a read of `resourceType` must satisfy for the caller: SPEC §5 compiled into
 * indexed conditions over the access sidecar, evaluated at the request time `now`.
 * Mirrors decide.ts rule by rule; the differential test holds the two together.
 */
export function narrow(facts: Facts, resourceType: string, now: Date, hints: NarrowHints = {}): Condition {
  if (REGISTRY_TYPES.has(resourceType)) {
    return mayReadRegistry(facts) ? ALWAYS : registryBeforeRegistration(facts, resourceType);
  }
  switch (facts.kind) {
    case 'practitioner':
      return narrowForPractitioner(facts, resourceType, now, hints);
    case 'patient':
      return narrowForPatient(facts, resourceType, now);
    case 'administrative':
      // An institution sees its own admission links (to end them at discharge), nothing else of a patient.
      return resourceType === 'CareTeam' && facts.organization ? fieldIn('access.members', [facts.organization]) : NEVER;
    default:
      return NEVER;
  }
}

/** Who is who in the network: every known caller, but not a professional who may not act (rule 1). */
export function mayReadRegistry(facts: Facts): boolean {
  return facts.kind === 'administrative' || facts.kind === 'patient' || (facts.kind === 'practitioner' && facts.eligible);
}

/**
 * A professional known by its NIHII but not (yet) allowed to act follows its registration (SPEC §6):
 * it reads its own Practitioner entry and the Organizations it may name as guarantor, nothing else.
 */
export function registryBeforeRegistration(facts: Facts, resourceType: string): Condition {
  if (facts.kind !== 'practitioner' || !facts.self) return NEVER;
  if (resourceType === 'Organization') return ALWAYS;
  return resourceType === 'Practitioner' ? fieldIn('id', [facts.self.split('/')[1]]) : NEVER;
}

function narrowForPractitioner(f: PractitionerFacts, type: string, now: Date, hints: NarrowHints): Condition {
  if (!f.eligible || !f.self) return NEVER;
  // Facts loaded for one patient grant nothing beyond that patient (its exclusions and links are all that was read).
  return f.scopedTo !== undefined
    ? and(fieldIn('access.patient', [f.scopedTo]), practitionerScope(f, type, now, hints))
    : practitionerScope(f, type, now, hints);
}

function practitionerScope(f: PractitionerFacts, type: string, now: Date, hints: NarrowHints): Condition {
  const reachable = [...new Set(f.links.map((l) => l.patient))].filter((p) => f.consented.has(p) && !f.excludedBy.has(p));
  const linked = fieldIn('access.patient', reachable);
  const notExcluded: Condition = { field: 'access.patient', notIn: [...f.excludedBy] };
  switch (type) {
    case 'Patient':
      return or(linked, hints.exactSsinLookup ? fieldIn('keys.identifier', [hints.exactSsinLookup]) : NEVER);
    case 'Consent':
      return and(linked, { field: 'access.kind', notIn: PRIVATE_CONSENT_KINDS });
    case 'CareTeam':
      return or(linked, and(fieldIn('access.members', [f.self as string]), notExcluded));
    case 'RelatedPerson':
      return linked;
    default:
      return CLINICAL_TYPES.has(type) ? clinicalForPractitioner(f, reachable, now) : NEVER;
  }
}

/** Rule 2 from the sidecar: the patient's consent window contains the request time. */
function consentedAt(now: Date): Condition {
  return and({ field: 'access.consentFrom', lte: now }, { field: 'access.consentUntil', gte: now });
}

/** Not restricted to its author now: the author-only window ended or has not begun (a missing one does neither). */
function outsideAuthorOnlyWindow(now: Date): Condition {
  return or({ field: 'access.authorOnlyUntil', lt: now }, { field: 'access.authorOnlyFrom', gt: now });
}

function clinicalForPractitioner(f: PractitionerFacts, reachable: string[], now: Date): Condition {
  const self = f.self as string;
  const isAuthor = fieldIn('access.authors', [self]);
  const gpOf = [...new Set(f.links.filter((l) => GP_LINK_TYPES.has(l.type)).map((l) => l.patient))].filter((p) => reachable.includes(p));
  return and(
    { field: 'access.clinical', in: [true] },
    { field: 'access.current', in: [true] },
    // Rule 2: consent as the sidecar knows it (and, for the link path, as loaded now).
    consentedAt(now),
    // Rule 3.
    { field: 'access.patient', notIn: [...f.excludedBy] },
    // Rule 4: a link (or grant) with a consented patient, or authorship.
    or(fieldIn('access.patient', reachable), isAuthor),
    // Rule 5: profession × document class.
    fieldIn('access.class', classesFor(f.profession)),
    // Rule 6: restrictions and confidentiality.
    { field: 'access.document', notIn: [...f.hiddenAlways] },
    or(outsideAuthorOnlyWindow(now), isAuthor),
    or(
      fieldIn('access.label', ['N']),
      and(fieldIn('access.label', ['R']), or(isAuthor, fieldIn('access.patient', gpOf))),
      and(fieldIn('access.label', ['V']), isAuthor)
    )
  );
}

function narrowForPatient(f: PatientFacts, type: string, now: Date): Condition {
  const records = fieldIn('access.patient', [...f.records]);
  switch (type) {
    case 'Patient':
    case 'Consent':
    case 'CareTeam':
    case 'RelatedPerson':
      return records;
    default:
      if (!CLINICAL_TYPES.has(type)) return NEVER;
      return and(
        { field: 'access.clinical', in: [true] },
        { field: 'access.current', in: [true] },
        consentedAt(now),
        fieldIn('access.patient', [...f.portal]),
        { field: 'access.releaseAt', lte: now }
      );
  }
}
