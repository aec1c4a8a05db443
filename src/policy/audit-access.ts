import { ALWAYS, NEVER, type Condition } from '../store/condition';
import type { Facts } from './facts';
import type { Principal } from './principal';

/** Who reads the audit trail (SPEC §7): hub-admin only until the trail's own rules land. */
export function auditReadScope(principal: Principal, facts: Facts): Condition {
  return facts.kind === 'administrative' && principal.role === 'hub-admin' ? ALWAYS : NEVER;
}
