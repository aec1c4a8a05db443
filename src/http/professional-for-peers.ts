import type { Request, Response } from 'express';
import type { Hub } from '../hub-parts';
import type { Principal } from '../policy/principal';
import { principalOf } from './authenticate';
import { requestRepository } from './request-repository';

/**
 * The professional as this hub tells a peer of it (SPEC §11 `act`): the institution it claims to
 * act for only when an active PractitionerRole backs that claim here (SPEC §5 rule 4). Otherwise a
 * claim this hub ignores would open the institution's links at every peer.
 */
export async function professionalForPeers(hub: Hub, req: Request, res: Response): Promise<Principal> {
  const caller = principalOf(res);
  if (!caller.organization) return caller;
  const facts = (await requestRepository(hub, req, res)).ctx.policy.facts;
  if (facts.kind === 'practitioner' && facts.actingFor) return caller;
  const { organization: _unbacked, ...professional } = caller;
  return professional;
}
