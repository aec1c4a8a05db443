import type { Resource } from '@medplum/fhirtypes';
import { ALWAYS, NEVER, type Condition } from '../store/condition';
import type { Principal } from './principal';
import { parseScopes, scopesAllow, type ScopePermission } from './smart-scopes';

export type WriteInteraction = 'create' | 'update' | 'delete';

/** Why a write is refused: `forbidden` is a 403; `hidden` answers exactly as if the target were missing. */
export type WriteDecision = { allowed: true } | { allowed: false; reason: 'forbidden' | 'hidden' };

/**
 * The caller's rights for one request, built once per request. Reads are a Condition the store
 * folds into every query; writes are decided per resource.
 */
export interface AccessPolicy {
  readonly principal: Principal;
  /** Condition every read or search of `resourceType` must satisfy (NEVER = sees nothing). */
  readScope(resourceType: string, permission: 'r' | 's'): Condition;
  mayWrite(resourceType: string, interaction: WriteInteraction, next?: Resource, previous?: Resource): WriteDecision;
}

/** Resources no interaction may change once written (SPEC §7). */
const IMMUTABLE_TYPES = new Set(['AuditEvent']);

const WRITE_PERMISSION: Record<WriteInteraction, ScopePermission> = { create: 'c', update: 'u', delete: 'd' };

/**
 * Interim policy until the consent/link engine lands: hub-admin may do everything its scopes
 * allow; every other role sees nothing and writes nothing. Fail closed by default.
 */
export function accessPolicyFor(principal: Principal): AccessPolicy {
  const scopes = parseScopes(principal.scopes);
  const isHubAdmin = principal.role === 'hub-admin';
  return {
    principal,
    readScope(resourceType, permission) {
      return isHubAdmin && scopesAllow(scopes, resourceType, permission) ? ALWAYS : NEVER;
    },
    mayWrite(resourceType, interaction) {
      if (!isHubAdmin || !scopesAllow(scopes, resourceType, WRITE_PERMISSION[interaction])) {
        return { allowed: false, reason: 'forbidden' };
      }
      if (IMMUTABLE_TYPES.has(resourceType) && interaction !== 'create') {
        return { allowed: false, reason: 'forbidden' };
      }
      return { allowed: true };
    },
  };
}
