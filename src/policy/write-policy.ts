import type { AccessFields } from './access-fields';
import type { AdministrativeFacts, Facts, PatientFacts, PractitionerFacts } from './facts';
import type { Principal } from './principal';
import { CLINICAL_TYPES, REGISTRY_TYPES } from './resource-classes';
import { parseScopes, scopesAllow, type ScopePermission } from './smart-scopes';
import { taskMayWrite } from './task-access';
import { GP_LINK_TYPES, PORTAL_CHANNELS } from './vocabulary';

export type WriteInteraction = 'create' | 'update' | 'delete';

/** Why a write is refused: `forbidden` is a 403; `hidden` answers exactly as if the target were missing. */
export type WriteDecision = { allowed: true } | { allowed: false; reason: 'forbidden' | 'hidden' };

/** One version of a resource as the write policy judges it: its access sidecar and the fields nobody may change. */
export interface WriteFacets extends AccessFields {
  /** Consent: registration channel (fixed at registration, SPEC §4). */
  channel?: string;
  /** CareTeam: `period.start` as the client sent it (the hub owns it). */
  linkStart?: string;
  /** Consent document-restriction: the authors of the documents it names (only they record it on request). */
  restrictedAuthors?: string[];
  /** Patient: the birth date, which decides when a parent's grant ends (SPEC §4). */
  birthDate?: string;
  /** DocumentReference: its custodian, when every author acts for it (an institution publishes for its own authors). */
  authorsActFor?: string;
  /** DocumentReference: some of its content is in the hub's safe, which no source institution keeps. */
  contentInSafe?: boolean;
  /** RelatedPerson: who the person is (identifiers) and how related (relationship codes): what a grant naming it gives access to. */
  person?: string;
}

/** A write as the policy judges it: the type, the interaction, the new and the replaced version. */
export interface WriteChange {
  type: string;
  interaction: WriteInteraction;
  next?: WriteFacets;
  previous?: WriteFacets;
}

/** Resources no client interaction may write: the hub writes them itself (SPEC §7). */
const HUB_WRITTEN_TYPES = new Set(['AuditEvent']);
/** Never deleted, only ended or revoked (SPEC §4). */
const NEVER_DELETED = new Set(['CareTeam', 'Consent', 'Patient']);
/** Channels by who registers a hub-sharing consent (SPEC §4). */
const PROFESSIONAL_CHANNELS = new Set(['gp', 'hospital', 'pharmacist']);
const PATIENT_CHANNELS = PORTAL_CHANNELS;
/** The patient's own decisions (SPEC §4): who records them is decided per kind below. */
const PATIENT_DECISIONS = new Set(['exclusion', 'document-restriction', 'grant']);

const WRITE_PERMISSION: Record<WriteInteraction, ScopePermission> = { create: 'c', update: 'u', delete: 'd' };
export const FORBIDDEN: WriteDecision = { allowed: false, reason: 'forbidden' };
export const HIDDEN: WriteDecision = { allowed: false, reason: 'hidden' };
export const ALLOWED: WriteDecision = { allowed: true };

/**
 * SPEC §5 "Writes and operations", for one create, update or delete: may this caller make this
 * change? Pure, from the facts of the request. The business rules of the workflows (durations,
 * one active consent, supersede) run after it and never decide who may act.
 */
export function mayWrite(change: WriteChange, facts: Facts, principal: Principal): WriteDecision {
  const { type, interaction } = change;
  // A peer hub reads on a professional's behalf and writes nothing (SPEC §11), whatever its facts say.
  if (principal.role === 'hub') return FORBIDDEN;
  if (!scopesAllow(parseScopes(principal.scopes), type, WRITE_PERMISSION[interaction]) || HUB_WRITTEN_TYPES.has(type)) return FORBIDDEN;
  if (interaction === 'delete' && NEVER_DELETED.has(type)) return FORBIDDEN;
  if (REGISTRY_TYPES.has(type)) return principal.role === 'hub-admin' ? ALLOWED : FORBIDDEN;
  if (type === 'Task') return taskMayWrite(principal, facts, interaction, change) ? ALLOWED : FORBIDDEN;
  if (changesWhatNobodyChanges(change)) return FORBIDDEN;
  if (facts.kind === 'practitioner') return practitionerWrite(facts, change);
  if (facts.kind === 'patient') return patientWrite(facts, change);
  if (facts.kind === 'administrative') return administrativeWrite(principal, facts, change);
  return FORBIDDEN;
}

/** SPEC §5: nobody changes a resource's subject, patient, author, custodian, consent channel or link start. */
function changesWhatNobodyChanges({ interaction, next, previous }: WriteChange): boolean {
  if (interaction !== 'update' || !next || !previous) return false;
  return (
    next.patient !== previous.patient ||
    !sameList(next.authors, previous.authors) ||
    next.custodian !== previous.custodian ||
    next.channel !== previous.channel ||
    (next.linkStart !== undefined && previous.linkStart !== undefined && Date.parse(next.linkStart) !== Date.parse(previous.linkStart))
  );
}

/** What a professional may write: clinical data it authors for patients it reaches, its own links, consents on request. */
function practitionerWrite(f: PractitionerFacts, { type, interaction, next, previous }: WriteChange): WriteDecision {
  if (!f.eligible || !f.self) return FORBIDDEN;
  const self = f.self;
  const patient = next?.patient ?? previous?.patient;
  // Facts loaded for one patient: nothing of another patient, not even by the author path (mirrors decide).
  if (f.scopedTo !== undefined && [next?.patient, previous?.patient].some((p) => p !== undefined && p !== f.scopedTo)) return HIDDEN;
  if (type === 'Patient') {
    // "Add patient"; later changes may not touch the SSIN, the key to the patient's portal, nor the
    // birth date, which decides when a parent's grant ends (moving it would let a parent in or shut one out).
    if (interaction === 'create') return ALLOWED;
    if (!patient || !reaches(f, patient)) return HIDDEN;
    return next?.ssin === previous?.ssin && next?.birthDate === previous?.birthDate ? ALLOWED : FORBIDDEN;
  }
  if (!patient) return FORBIDDEN;
  // Its own link: the link rules answer every refusal alike (an exclusion, no consent, an unknown patient).
  if (type === 'CareTeam' && interaction === 'create' && (next?.members ?? []).includes(self)) return ALLOWED;
  // An admission link of the institution it acts for (the link rules check it is one).
  const institution = f.actingFor;
  if (type === 'CareTeam' && institution && [next, previous].every((v) => !v || sameList(v.members, [institution]))) return ALLOWED;
  if (type === 'Consent') return practitionerConsent(f, interaction, patient, next, previous);
  if (f.excludedBy.has(patient)) return HIDDEN;
  switch (type) {
    case 'CareTeam': {
      // Its own links (renewing, ending), or a physician's referral of a patient it reaches to another professional.
      if ([next, previous].every((v) => !v || (v.members ?? []).includes(self))) return ALLOWED;
      const toProfessionals = (next?.members ?? []).every((m) => m.startsWith('Practitioner/'));
      return interaction === 'create' && toProfessionals && f.profession === 'physician' && reaches(f, patient) ? ALLOWED : FORBIDDEN;
    }
    case 'RelatedPerson':
      return FORBIDDEN;
  }
  if (!CLINICAL_TYPES.has(type)) return FORBIDDEN;
  if (!reaches(f, patient) && !(previous?.authors ?? []).includes(self)) return HIDDEN;
  // A professional publishes as its author, or for the custodian institution it acts for (SPEC §4).
  const forItsInstitution = type === 'DocumentReference' && !!f.actingFor && next?.custodian === f.actingFor && next.authorsActFor === f.actingFor;
  // The custodian keeps the content and may withdraw it: content in the hub's safe has no source
  // institution, so only the institution the professional acts for may be named (SPEC §4).
  if (type === 'DocumentReference' && next?.contentInSafe && !previous?.contentInSafe && next.custodian !== undefined && next.custodian !== f.actingFor)
    return FORBIDDEN;
  if (interaction === 'create') return isSoleAuthor(next?.authors, self) || forItsInstitution ? ALLOWED : FORBIDDEN;
  // Only its author (or its institution, for what it keeps) changes or withdraws a document.
  const keeps = !!f.actingFor && previous?.custodian === f.actingFor;
  return (previous?.authors ?? []).includes(self) || keeps ? ALLOWED : FORBIDDEN;
}

/**
 * A professional registers a hub-sharing consent with the patient in front of it (any patient
 * found by SSIN, whatever exclusion names it: registering opens nothing to it), revokes one for a
 * patient it reaches, and records on the patient's request only what SPEC §4 gives it: an
 * exclusion as the patient's GP, a restriction of a document it authored. Never a grant.
 */
function practitionerConsent(f: PractitionerFacts, interaction: WriteInteraction, patient: string, next?: WriteFacets, previous?: WriteFacets): WriteDecision {
  const kind = next?.kind ?? previous?.kind;
  if (previous && next && previous.kind !== next.kind) return FORBIDDEN;
  if (kind === 'hub-sharing') {
    if (interaction === 'create') return PROFESSIONAL_CHANNELS.has(next?.channel ?? '') ? ALLOWED : FORBIDDEN;
    return reaches(f, patient) ? ALLOWED : FORBIDDEN;
  }
  if (kind === 'exclusion') return isGpOf(f, patient) ? ALLOWED : FORBIDDEN;
  // Its own documents only, before and after the change.
  const authorOfAll = (v?: WriteFacets) => !v || (!!v.restrictedAuthors?.length && v.restrictedAuthors.includes(f.self ?? ''));
  if (kind === 'document-restriction') return next && authorOfAll(next) && authorOfAll(previous) ? ALLOWED : FORBIDDEN;
  return FORBIDDEN;
}

/**
 * What a patient may write on its own record: consents, links (to end them) and trusted persons.
 * A parent holding a grant for a child under 16 decides the child's consents (SPEC §4); another
 * grant holder reads what the patient sees but decides nothing.
 */
function patientWrite(f: PatientFacts, { type, interaction, next, previous }: WriteChange): WriteDecision {
  const patients = [next?.patient, previous?.patient].filter((p): p is string => !!p);
  if (!patients.length) return FORBIDDEN;
  if (patients.some((p) => !f.records.has(p))) return HIDDEN;
  const own = patients.every((p) => p === f.self);
  const parent = patients.every((p) => f.guardianOf?.has(p));
  if (type === 'Consent') {
    if (!own && !parent) return FORBIDDEN;
    const kind = next?.kind ?? previous?.kind;
    if (previous && next && previous.kind !== next.kind) return FORBIDDEN;
    // A patient registers through the portal; the other channels are the professionals' and the hub-admin's.
    if (kind === 'hub-sharing' && interaction === 'create') return PATIENT_CHANNELS.has(next?.channel ?? '') ? ALLOWED : FORBIDDEN;
    return kind === 'hub-sharing' || PATIENT_DECISIONS.has(kind ?? '') ? ALLOWED : FORBIDDEN;
  }
  if (!own) return FORBIDDEN;
  // A grant names the RelatedPerson: making it someone else (or a parent) would hand the grant over, unrecorded (SPEC §4).
  if (type === 'RelatedPerson') return interaction !== 'update' || next?.person === previous?.person ? ALLOWED : FORBIDDEN;
  if (type === 'CareTeam' && interaction === 'update') return ALLOWED;
  return FORBIDDEN;
}

/**
 * hub-admin records consents from the patient's signed paper form (SPEC §4); an institution-admin
 * opens and ends its institution's admission links. Neither writes clinical content.
 */
function administrativeWrite(principal: Principal, f: AdministrativeFacts, { type, interaction, next, previous }: WriteChange): WriteDecision {
  if (principal.role === 'hub-admin' && !f.organization) {
    if (type !== 'Consent') return FORBIDDEN;
    const kind = next?.kind ?? previous?.kind;
    if (previous && next && previous.kind !== next.kind) return FORBIDDEN;
    // From the patient's signed paper form: a registration it records is a `pdf-form` one.
    if (kind === 'hub-sharing' && interaction === 'create') return next?.channel === 'pdf-form' ? ALLOWED : FORBIDDEN;
    return kind === 'hub-sharing' || PATIENT_DECISIONS.has(kind ?? '') ? ALLOWED : FORBIDDEN;
  }
  const institution = f.organization;
  if (principal.role !== 'institution-admin' || type !== 'CareTeam' || interaction === 'delete' || !institution) return FORBIDDEN;
  return [next, previous].every((v) => !v || sameList(v.members, [institution])) ? ALLOWED : FORBIDDEN;
}

export function reaches(f: PractitionerFacts, patient: string): boolean {
  return f.links.some((l) => l.patient === patient) && f.consented.has(patient) && !f.excludedBy.has(patient);
}

/** The patient's own GP: a physician with an active gp-long-term or GMD link (SPEC §4). */
export function isGpOf(f: PractitionerFacts, patient: string): boolean {
  return f.profession === 'physician' && reaches(f, patient) && f.links.some((l) => l.patient === patient && GP_LINK_TYPES.has(l.type));
}

/**
 * A professional names itself, and only itself, as author: an author reads its document without a
 * link (rule 4), so a co-author it named would be let in past the patient's links.
 */
export function isSoleAuthor(authors: string[] | undefined, self: string): boolean {
  return sameList(authors, [self]);
}

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
}
