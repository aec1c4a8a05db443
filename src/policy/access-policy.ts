import { ALWAYS, NEVER, type Condition } from '../store/condition';
import { auditReadScope } from './audit-access';
import { taskReadScope } from './task-access';
import type { Facts } from './facts';
import { mayOperate, type Operation, type OperationTarget } from './operation-policy';
import { ALLOWED, mayWrite, type WriteChange, type WriteDecision, type WriteInteraction } from './write-policy';
import { narrow, type NarrowHints } from './narrow';
import type { Principal } from './principal';
import { parseScopes, scopesAllow, type ScopePermission } from './smart-scopes';

export type { WriteChange, WriteDecision, WriteFacets, WriteInteraction } from './write-policy';

/**
 * The caller's rights for one request, built once per request from its facts. Reads are a
 * Condition the store folds into every query; writes and operations are decided per resource by
 * the pure mayWrite and mayOperate (write-policy.ts, operation-policy.ts).
 */
export interface AccessPolicy {
  readonly principal: Principal;
  readonly facts: Facts;
  /** The in-process loaders' policy (fixtures, seeding): never built from a token. */
  readonly system?: boolean;
  /** Condition every read or search of `resourceType` must satisfy (NEVER = sees nothing). */
  readScope(resourceType: string, permission: 'r' | 's', hints?: NarrowHints): Condition;
  mayWrite(resourceType: string, interaction: WriteInteraction, change: Pick<WriteChange, 'next' | 'previous'>): WriteDecision;
  mayOperate(operation: Operation, target: OperationTarget): WriteDecision;
}

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
    mayWrite: (type, interaction, change) => mayWrite({ type, interaction, ...change }, facts, principal),
    mayOperate: (operation, target) => mayOperate(operation, target, facts, principal),
  };
}

/**
 * For in-process loaders only (demo fixtures, benchmark seeding): sees and writes everything.
 * Never built from a token; no HTTP request can obtain it.
 */
export function systemPolicy(principal: Principal): AccessPolicy {
  return {
    principal,
    facts: { kind: 'administrative' },
    system: true,
    readScope: () => ALWAYS,
    mayWrite: () => ALLOWED,
    mayOperate: () => ALLOWED,
  };
}
