import type { AccessFields } from './access-fields';
import type { Facts, PractitionerFacts } from './facts';
import type { Principal } from './principal';
import { parseScopes, scopesAllow, type ScopePermission } from './smart-scopes';
import { mayDecideTask, type TaskParties } from './task-access';
import { ALLOWED, FORBIDDEN, isGpOf, isSoleAuthor, type WriteDecision } from './write-policy';

/** The operations that write (SPEC §4, §6). `$content`, `$summary`, `$consent-status` only read. */
export type Operation = 'release' | 'request-deletion' | 'publish-sumehr' | 'approve' | 'reject' | 'accept-privacy-policy';

/** What an operation acts on, as the policy needs it: already read as the caller (invisible = 404 before this). */
export interface OperationTarget {
  type: string;
  /** `Type/id` of the target (the Organization of `$accept-privacy-policy`). */
  reference?: string;
  /** The target's access sidecar (documents, SUMEHR Composition). */
  fields?: AccessFields;
  /** Registration Tasks: parties, and who filed it (`sub` of the filer's token). */
  task?: TaskParties & { filedBy?: string };
}

/** The interaction each operation amounts to, for the token's scopes. */
const SCOPE_OF: Record<Operation, ScopePermission> = {
  release: 'u',
  'request-deletion': 'u',
  'publish-sumehr': 'c',
  approve: 'u',
  reject: 'u',
  'accept-privacy-policy': 'u',
};

/**
 * SPEC §4, §6: who may run an operation on this target. Pure, like mayWrite; the operation's
 * handler asks it before writing, and its writes then skip the per-type write rule (an attending
 * physician releases a document it may not update).
 */
export function mayOperate(operation: Operation, target: OperationTarget, facts: Facts, principal: Principal): WriteDecision {
  // A peer hub reads on a professional's behalf and runs no operation that writes (SPEC §11).
  if (principal.role === 'hub') return FORBIDDEN;
  if (!scopesAllow(parseScopes(principal.scopes), target.type, SCOPE_OF[operation])) return FORBIDDEN;
  switch (operation) {
    case 'release':
      return facts.kind === 'practitioner' && isAttendingPhysician(facts, target.fields?.patient) ? ALLOWED : FORBIDDEN;
    case 'request-deletion':
      return facts.kind === 'practitioner' && keepsOrAuthored(facts, target.fields) ? ALLOWED : FORBIDDEN;
    case 'publish-sumehr': {
      // The patient's GP, as the SUMEHR's only author; its custodian (who may withdraw it) only the
      // institution the GP acts for: the SUMEHR is in the hub's safe, no other institution keeps it.
      const patient = target.fields?.patient;
      if (facts.kind !== 'practitioner' || !facts.eligible || !facts.self || !patient) return FORBIDDEN;
      const custodian = target.fields?.custodian;
      if (custodian !== undefined && custodian !== facts.actingFor) return FORBIDDEN;
      return isGpOf(facts, patient) && isSoleAuthor(target.fields?.authors, facts.self) ? ALLOWED : FORBIDDEN;
    }
    case 'approve':
    case 'reject': {
      const task = target.task;
      if (!task || !mayDecideTask(principal, facts, task)) return FORBIDDEN;
      // Nobody decides a request they filed (the filer's token `sub`) or that concerns themselves.
      const own = facts.kind === 'administrative' ? facts.organization : undefined;
      if (task.filedBy === principal.sub || (own && task.subject === own)) return FORBIDDEN;
      return ALLOWED;
    }
    case 'accept-privacy-policy':
      return principal.role === 'institution-admin' && facts.kind === 'administrative' && !!facts.organization && facts.organization === target.reference
        ? ALLOWED
        : FORBIDDEN;
  }
  return FORBIDDEN;
}

/**
 * The attending physician (SPEC §4): an eligible physician with an active therapeutic link of its
 * own or of its institution with the patient, under an active consent; a grant does not make one.
 */
export function isAttendingPhysician(facts: PractitionerFacts, patient: string | undefined): boolean {
  return (
    !!patient &&
    facts.eligible &&
    facts.profession === 'physician' &&
    facts.consented.has(patient) &&
    !facts.excludedBy.has(patient) &&
    facts.links.some((l) => l.patient === patient && l.type !== 'grant')
  );
}

/** The document's author, or a professional acting for the institution that keeps it. */
function keepsOrAuthored(facts: PractitionerFacts, fields: AccessFields | undefined): boolean {
  // An exclusion shuts the professional out of the patient's record, its own documents included (rule 3).
  if (!facts.eligible || !facts.self || !fields || (!!fields.patient && facts.excludedBy.has(fields.patient))) return false;
  return (fields.authors ?? []).includes(facts.self) || (!!facts.actingFor && facts.actingFor === fields.custodian);
}
