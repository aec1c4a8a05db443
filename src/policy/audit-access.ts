import { ALWAYS, and, fieldIn, NEVER, type Condition } from '../store/condition';
import type { Facts } from './facts';
import type { Principal } from './principal';

/**
 * Who reads the audit trail (SPEC §7): hub-admin all of it; a patient (and their grant holders)
 * the trail of their own record, refusals included; a professional only their own successful
 * actions (a refusal's entities would name what the professional may not see). Nobody else.
 */
export function auditReadScope(principal: Principal, facts: Facts): Condition {
  switch (facts.kind) {
    case 'administrative':
      return principal.role === 'hub-admin' ? ALWAYS : NEVER;
    case 'patient':
      return fieldIn('access.patient', [...facts.records]);
    case 'practitioner':
      return facts.eligible && facts.self ? and(fieldIn('access.authors', [facts.self]), fieldIn('access.current', [true])) : NEVER;
    default:
      return NEVER;
  }
}
