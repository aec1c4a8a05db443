import { ALWAYS, NEVER, type Condition } from '../store/condition';
import type { WriteChange, WriteInteraction } from './access-policy';
import type { Facts } from './facts';
import type { Principal } from './principal';

/** Who reads registration Tasks (SPEC §6): administrative roles for now; the workflow rules refine it. */
export function taskReadScope(_principal: Principal, facts: Facts): Condition {
  return facts.kind === 'administrative' ? ALWAYS : NEVER;
}

/** Who may file or move a registration Task; the state machine itself is checked by the workflow. */
export function taskMayWrite(_principal: Principal, facts: Facts, _interaction: WriteInteraction, _change: WriteChange): boolean {
  return facts.kind === 'administrative' || (facts.kind === 'practitioner' && facts.eligible);
}
