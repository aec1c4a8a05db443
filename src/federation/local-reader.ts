import { HubRepository } from '../fhir/hub-repository';
import { systemPolicy } from '../policy/access-policy';
import type { Principal } from '../policy/principal';
import type { ResourceStore } from '../store/resource-store';
import type { ReadLocal } from './national-form';

/** The publisher's identity: an in-process system-policy reader, never reachable over HTTP. */
const PUBLISHER: Principal = { sub: 'sharehub-federation-publisher', role: 'hub-admin', scopes: ['system/*.rs'] };

/** Reads the patients and professionals a published consent or link names (to name them by national number). */
export function localReader(store: ResourceStore, baseUrl: string): ReadLocal {
  return async (reference) => {
    const repo = new HubRepository({ store, policy: systemPolicy(PUBLISHER), baseUrl, now: new Date(), lenient: false });
    try {
      return await repo.readReference({ reference });
    } catch {
      return undefined;
    }
  };
}
