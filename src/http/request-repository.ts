import type { Request, Response } from 'express';
import type { HubRepository } from '../fhir/hub-repository';
import type { Hub } from '../hub-parts';
import type { RequestScope } from '../policy/request-scope';
import { principalOf } from './authenticate';

/**
 * The repository of one authenticated request: scoped to its caller, at the request's time, with
 * facts for the one patient the request concerns when that is known beforehand.
 */
export async function requestRepository(hub: Hub, req: Request, res: Response, scope?: RequestScope): Promise<HubRepository> {
  const now = hub.clock();
  return hub.repositoryFor(principalOf(res), now, scope, {
    lenient: /handling\s*=\s*lenient/i.test(req.header('prefer') ?? ''),
  });
}
