import type { Resource } from '@medplum/fhirtypes';
import { and, ALWAYS, NEVER, type Condition } from '../store/condition';
import type { Facts } from './facts';
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
export interface AccessPolicy {
  readonly principal: Principal;
  readonly facts: Facts;
  /** Condition every read or search of `resourceType` must satisfy (NEVER = sees nothing). */
  readScope(resourceType: string, permission: 'r' | 's', hints?: NarrowHints): Condition;
  /** `patient` is the access sidecar's patient of the resource written (new or old version). */
  mayWrite(resourceType: string, interaction: WriteInteraction, next?: Resource, previous?: Resource, patient?: string): WriteDecision;
}

/** Resources no client interaction may write: the hub writes them itself (SPEC §7). */
const HUB_WRITTEN_TYPES = new Set(['AuditEvent']);

const WRITE_PERMISSION: Record<WriteInteraction, ScopePermission> = { create: 'c', update: 'u', delete: 'd' };
const FORBIDDEN: WriteDecision = { allowed: false, reason: 'forbidden' };
const HIDDEN: WriteDecision = { allowed: false, reason: 'hidden' };
const ALLOWED: WriteDecision = { allowed: true };

export function accessPolicyFor(principal: Principal, facts: Facts, now: Date): AccessPolicy {
  const scopes = parseScopes(principal.scopes);
  return {
    principal,
    facts,
    readScope(resourceType, permission, hints) {
      if (!scopesAllow(scopes, resourceType, permission)) return NEVER;
      if (resourceType === 'Task' || resourceType === 'AuditEvent') return adminOnlyScope(principal, resourceType);
      return narrow(facts, resourceType, now, hints);
    },
    mayWrite(resourceType, interaction, _next, _previous, patient) {
      if (!scopesAllow(scopes, resourceType, WRITE_PERMISSION[interaction]) || HUB_WRITTEN_TYPES.has(resourceType)) return FORBIDDEN;
      if (REGISTRY_TYPES.has(resourceType)) return principal.role === 'hub-admin' ? ALLOWED : FORBIDDEN;
      if (resourceType === 'Task') return facts.kind === 'administrative' || facts.kind === 'practitioner' ? ALLOWED : FORBIDDEN;
      return writePatientData(facts, resourceType, interaction, patient);
    },
  };
}

/**
 * Registration Tasks and the audit trail, until their own rules land: administrative roles only.
 * AuditEvent is hub-admin's alone (SPEC §7: hub-admin searches all events).
 */
function adminOnlyScope(principal: Principal, resourceType: string): Condition {
  if (resourceType === 'AuditEvent') return principal.role === 'hub-admin' ? ALWAYS : NEVER;
  return ['hub-admin', 'guarantor', 'institution-admin'].includes(principal.role) ? ALWAYS : NEVER;
}

/** Writes of patient data: a professional for patients it may reach, a patient for its own record. */
function writePatientData(facts: Facts, resourceType: string, interaction: WriteInteraction, patient: string | undefined): WriteDecision {
  if (facts.kind === 'practitioner') {
    if (!facts.eligible) return FORBIDDEN;
    // "Add patient": a registered professional may create a Patient it does not see yet.
    if (resourceType === 'Patient' && interaction === 'create') return ALLOWED;
    if (!patient) return FORBIDDEN;
    if (facts.excludedBy.has(patient)) return HIDDEN;
    const reachable = facts.links.some((l) => l.patient === patient) && facts.consented.has(patient);
    // Creating a link or registering a consent needs no existing link; the workflows check the rest.
    if ((resourceType === 'CareTeam' || resourceType === 'Consent') && interaction === 'create') return ALLOWED;
    return reachable ? ALLOWED : HIDDEN;
  }
  if (facts.kind === 'patient') {
    if (CLINICAL_TYPES.has(resourceType) || !patient) return FORBIDDEN;
    return facts.records.has(patient) ? ALLOWED : HIDDEN;
  }
  return FORBIDDEN;
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
