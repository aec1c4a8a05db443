import type { Task } from '@medplum/fhirtypes';
import { ALWAYS, fieldIn, NEVER, or, type Condition } from '../store/condition';
import type { WriteChange, WriteInteraction } from './write-policy';
import type { Facts } from './facts';
import type { Principal } from './principal';

/**
 * Who sees, files and decides registration Tasks (SPEC §2, §6). The hub-admin sees every Task; an
 * organization (guarantor or institution-admin) sees those it owns, is the subject of or filed; a
 * professional those about itself or filed by itself, registered yet or not. Patients see none.
 */
export function taskReadScope(principal: Principal, facts: Facts): Condition {
  if (facts.kind === 'administrative') {
    if (principal.role === 'hub-admin') return ALWAYS;
    return facts.organization ? concerning([facts.organization]) : NEVER;
  }
  if (facts.kind === 'practitioner' && facts.self) return concerning([facts.self]);
  return NEVER;
}

function concerning(parties: string[]): Condition {
  return or(fieldIn('keys.owner', parties), fieldIn('keys.subject', parties), fieldIn('keys.requester', parties));
}

/**
 * The write gate: Tasks are filed (created) by the parties below and move only through the
 * `$approve` / `$reject` operations, which check `mayDecideTask`; nobody updates or deletes them
 * directly. A professional files before it may act, so eligibility is not required here.
 */
export function taskMayWrite(principal: Principal, facts: Facts, interaction: WriteInteraction, _change: WriteChange): boolean {
  if (interaction !== 'create') return false;
  if (facts.kind === 'administrative') return principal.role === 'hub-admin' || !!facts.organization;
  return facts.kind === 'practitioner' && !!facts.self;
}

export type RegistrationCode = 'practitioner-registration' | 'institution-membership' | 'user-authorization' | 'junior-accreditation';

/** The parts of a Task the access rules look at, as `Type/id` references. */
export interface TaskParties {
  code?: string;
  subject?: string;
  owner?: string;
}

/**
 * May this caller file a Task of this kind (SPEC §6)? A professional files its own registration or
 * accreditation; a guarantor files a registration it will guarantee; an institution files its own
 * membership and the user authorizations of its practitioners; the hub-admin files any on request.
 */
export function mayFileTask(principal: Principal, facts: Facts, task: TaskParties): boolean {
  if (facts.kind === 'administrative' && principal.role === 'hub-admin') return true;
  switch (task.code) {
    case 'practitioner-registration':
      return (
        (facts.kind === 'practitioner' && !!facts.self && task.subject === facts.self) ||
        (principal.role === 'guarantor' && facts.kind === 'administrative' && !!facts.organization && task.owner === facts.organization)
      );
    case 'junior-accreditation':
      return facts.kind === 'practitioner' && !!facts.self && task.subject === facts.self;
    case 'institution-membership':
      return principal.role === 'institution-admin' && facts.kind === 'administrative' && task.subject === facts.organization;
    case 'user-authorization':
      return principal.role === 'institution-admin' && facts.kind === 'administrative' && !!facts.organization && task.owner === facts.organization;
    default:
      return false;
  }
}

/**
 * May this caller approve or reject it? The guarantor organization that owns it (for a hospital's
 * practitioners, its medical directorate acting as guarantor); the hub-admin for institution
 * memberships and for registrations that name no guarantor.
 */
export function mayDecideTask(principal: Principal, facts: Facts, task: TaskParties): boolean {
  if (facts.kind !== 'administrative') return false;
  if (task.code === 'institution-membership' || !task.owner) return principal.role === 'hub-admin';
  return principal.role === 'guarantor' && !!facts.organization && facts.organization === task.owner;
}

/** `Type/id` of Task.for and Task.owner, and its registration code. */
export function taskParties(task: Task, code: string | undefined): TaskParties {
  return { code, subject: task.for?.reference, owner: task.owner?.reference };
}
