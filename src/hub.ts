import type { FhirRouter } from '@medplum/fhir-router';
import type { HubConfig } from './config';
import type { Logger } from './log';
import type { ResourceStore } from './store/resource-store';
import type { TokenVerifier } from './http/authenticate';
import type { AccessFieldsOf } from './fhir/stored-form';
import type { AccessPolicy } from './policy/access-policy';
import type { Principal } from './policy/principal';

/** The running hub's parts, assembled once at start-up (src/main.ts) or by a test. */
export interface Hub {
  config: HubConfig;
  log: Logger;
  store: ResourceStore;
  router: FhirRouter;
  verifyToken: TokenVerifier;
  policyFor(principal: Principal, now: Date): Promise<AccessPolicy>;
  accessFieldsOf: AccessFieldsOf;
  /** The request clock; tests inject one so time-dependent rules are tested without sleeping. */
  clock(): Date;
  /** Database reachability for /readyz. */
  ready(): Promise<boolean>;
  version: string;
}
