import type { Hub } from '../hub-parts';
import { systemPolicy } from '../policy/access-policy';
import type { Principal } from '../policy/principal';
import type { ReadLocal } from './national-form';

/** The publisher's identity: an in-process system-policy reader, never reachable over HTTP. */
const PUBLISHER: Principal = { sub: 'sharehub-federation-publisher', role: 'hub-admin', scopes: ['system/*.rs'] };

/** Reads the patients and professionals a published consent or link names (to name them by national number). */
export function localReader(openRepository: Hub['openRepository']): ReadLocal {
  return async (reference) => {
    try {
      return await openRepository(systemPolicy(PUBLISHER), new Date()).readReference({ reference });
    } catch {
      return undefined;
    }
  };
}
