import { ALWAYS, NEVER, type Condition } from '../store/condition';
import { auditReadScope } from './audit-access';
import { taskMayWrite, taskReadScope } from './task-access';
import type { AccessFields } from './access-fields';
import type { AdministrativeFacts, Facts, PatientFacts, PractitionerFacts } from './facts';
import { narrow, type NarrowHints } from './narrow';
import type { Principal } from './principal';
import { CLINICAL_TYPES, REGISTRY_TYPES } from './resource-classes';
import { parseScopes, scopesAllow, type ScopePermission } from './smart-scopes';

export type WriteInteraction = 'create' | 'update' | 'delete';

/** Why a write is refused: `forbidden` is a 403; `hidden` answers exactly as if the target were missing. */
export type WriteDecision = { allowed: true } | { allowed: false; reason: 'forbidden' | 'hidden' };

/**
 * The caller's rights for one request, built once per request from its facts. Reads are a
 * Condition the store folds into every query; writes are decided per resource.
 */
/** A write as the policy judges it: the access fields of the new and of the replaced version. */
export interface WriteChange {
  next?: AccessFields;
  previous?: AccessFields;
}

export interface AccessPolicy {
  readonly principal: Principal;
  readonly facts: Facts;
  /** Condition every read or search of `resourceType` must satisfy (NEVER = sees nothing). */
  readScope(resourceType: string, permission: 'r' | 's', hints?: NarrowHints): Condition;
  mayWrite(resourceType: string, interaction: WriteInteraction, change: WriteChange): WriteDecision;
}

/** Resources no client interaction may write: the hub writes them itself (SPEC §7). */
const HUB_WRITTEN_TYPES = new Set(['AuditEvent']);
/** Never deleted, only ended or revoked (SPEC §4). */
const NEVER_DELETED = new Set(['CareTeam', 'Consent', 'Patient']);

const WRITE_PERMISSION: Record<WriteInteraction, ScopePermission> = { create: 'c', update: 'u', delete: 'd' };
const FORBIDDEN: WriteDecision = { allowed: false, reason: 'forbidden' };
const HIDDEN: WriteDecision = { allowed: false, reason: 'hidden' };
const ALLOWED: WriteDecision = { allowed: true };

export function accessPolicyFor(principal: Principal, facts: Facts, now: Date): AccessPolicy {
  // A peer hub's token carries the scopes; its `act` names the professional whose facts apply.
  const scopes = parseScopes(principal.scopes);
  const allows = (type: string, permission: ScopePermission) => scopesAllow(scopes, type, permission);
  return {
    principal,
    facts,
    readScope(resourceType, permission, hints) {
      if (!allows(resourceType, permission)) return NEVER;
      if (resourceType === 'Task') return taskReadScope(principal, facts);
      if (resourceType === 'AuditEvent') return auditReadScope(principal, facts);
      return narrow(facts, resourceType, now, hints);
    },
    mayWrite(resourceType, interaction, change) {
      if (!allows(resourceType, WRITE_PERMISSION[interaction]) || HUB_WRITTEN_TYPES.has(resourceType)) return FORBIDDEN;
      if (interaction === 'delete' && NEVER_DELETED.has(resourceType)) return FORBIDDEN;
      if (REGISTRY_TYPES.has(resourceType)) return principal.role === 'hub-admin' ? ALLOWED : FORBIDDEN;
      if (resourceType === 'Task') return taskMayWrite(principal, facts, interaction, change) ? ALLOWED : FORBIDDEN;
      if (facts.kind === 'practitioner') return practitionerWrite(facts, resourceType, interaction, change);
      if (principal.role === 'institution-admin' && facts.kind === 'administrative') return institutionWrite(facts, resourceType, interaction, change);
      if (facts.kind === 'patient') return patientWrite(facts, resourceType, interaction, change);
      return FORBIDDEN;
    },
  };
}

/** What a professional may write: clinical data it authors for patients it reaches, its own links, consent registrations. */
function practitionerWrite(f: PractitionerFacts, type: string, interaction: WriteInteraction, { next, previous }: WriteChange): WriteDecision {
  if (!f.eligible || !f.self) return FORBIDDEN;
  const self = f.self;
  const patient = next?.patient ?? previous?.patient;
  if (type === 'Patient') {
    // "Add patient"; later changes may not touch the SSIN, the key to the patient's portal.
    if (interaction === 'create') return ALLOWED;
    if (!patient || !reaches(f, patient)) return HIDDEN;
    return next?.ssin === previous?.ssin ? ALLOWED : FORBIDDEN;
  }
  if (!patient) return FORBIDDEN;
  // Creating a link: an exclusion is the link rules' generic 422 (SPEC §4), like any refused link.
  if (type === 'CareTeam' && interaction === 'create' && (next?.members ?? []).includes(self)) return ALLOWED;
  // An admission link of the institution it acts for (the link rules check it is one).
  const institution = f.actingFor;
  if (type === 'CareTeam' && institution && [next, previous].every((v) => !v || sameList(v.members, [institution]))) return ALLOWED;
  if (f.excludedBy.has(patient)) return HIDDEN;
  switch (type) {
    case 'Consent':
      // A professional registers a hub-sharing consent; revocations, exclusions, restrictions and grants
      // are the patient's, recorded by a professional it reaches only on its explicit request (workflow rule).
      if (interaction === 'create' && next?.kind === 'hub-sharing') return ALLOWED;
      return reaches(f, patient) ? ALLOWED : FORBIDDEN;
    case 'CareTeam':
      // Its own links (creating, renewing, ending), or a physician's referral to another professional
      // for a patient it reaches; the link rules (types, durations, consent, exclusions) follow in the workflow.
      if ([next, previous].every((v) => !v || (v.members ?? []).includes(self))) return ALLOWED;
      return interaction === 'create' && f.profession === 'physician' && reaches(f, patient) ? ALLOWED : FORBIDDEN;
    case 'RelatedPerson':
      return FORBIDDEN;
  }
  if (!CLINICAL_TYPES.has(type)) return FORBIDDEN;
  if (!reaches(f, patient) && !(previous?.authors ?? []).includes(self)) return HIDDEN;
  // A professional publishes as author, or for the custodian institution it acts for (SPEC §4).
  const forItsInstitution = type === 'DocumentReference' && !!f.actingFor && next?.custodian === f.actingFor;
  if (interaction === 'create') return (next?.authors ?? []).includes(self) || forItsInstitution ? ALLOWED : FORBIDDEN;
  // Only its author changes a document, and authorship itself never changes.
  if (!(previous?.authors ?? []).includes(self)) return FORBIDDEN;
  return !next || sameList(next.authors, previous?.authors) ? ALLOWED : FORBIDDEN;
}

/**
 * What a patient may write on its own record: consents, links (to end them) and trusted persons.
 * A grant holder reads what the patient sees (SPEC §5) but does not decide for them.
 */
function patientWrite(f: PatientFacts, type: string, interaction: WriteInteraction, { next, previous }: WriteChange): WriteDecision {
  const patients = [next?.patient, previous?.patient].filter((p): p is string => !!p);
  if (!patients.length) return FORBIDDEN;
  if (patients.some((p) => !f.records.has(p))) return HIDDEN;
  // A parent registers or revokes the hub-sharing consent of a child under 16 (SPEC §4).
  const sharing = [next, previous].every((v) => !v || v.kind === 'hub-sharing');
  if (type === 'Consent' && sharing && patients.every((p) => f.guardianOf?.has(p))) return ALLOWED;
  if (patients.some((p) => p !== f.self)) return FORBIDDEN;
  if (type === 'Consent' || type === 'RelatedPerson') return ALLOWED;
  if (type === 'CareTeam' && interaction === 'update') return ALLOWED;
  return FORBIDDEN;
}

/** An institution-admin opens and ends its institution's admission links (SPEC §4); nothing else clinical. */
function institutionWrite(f: AdministrativeFacts, type: string, interaction: WriteInteraction, { next, previous }: WriteChange): WriteDecision {
  const institution = f.organization;
  if (type !== 'CareTeam' || interaction === 'delete' || !institution) return FORBIDDEN;
  return [next, previous].every((v) => !v || sameList(v.members, [institution])) ? ALLOWED : FORBIDDEN;
}

function reaches(f: PractitionerFacts, patient: string): boolean {
  return f.links.some((l) => l.patient === patient) && f.consented.has(patient);
}

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
}

/**
 * For in-process loaders only (demo fixtures, benchmark seeding): sees and writes everything.
 * Never built from a token; no HTTP request can obtain it.
 */
export function systemPolicy(principal: Principal): AccessPolicy {
  return {
    principal,
    facts: { kind: 'administrative' },
    readScope: () => ALWAYS,
    mayWrite: () => ALLOWED,
  };
}
