import type { FhirRouter } from '@medplum/fhir-router';
import type { HubConfig } from './config';
import type { Logger } from './log';
import type { HubRepository } from './fhir/hub-repository';
import type { AuditWriter } from './audit/audit-trail';
import type { TokenVerifier } from './http/authenticate';
import type { AccessPolicy } from './policy/access-policy';
import type { Principal } from './policy/principal';
import type { RequestScope } from './policy/request-scope';
import type { Federation } from './federation/federation';

/** The running hub's parts, assembled once at start-up (src/main.ts) or by a test. */
export interface Hub {
  config: HubConfig;
  log: Logger;
  router: FhirRouter;
  /** The audit trail every request touching patient data is written to before its response leaves. */
  audit: AuditWriter;
  verifyToken: TokenVerifier;
  /**
   * The repository of one request, scoped by its policy: the only way to the data. The store
   * itself is not part of the hub (ARCHITECTURE: one gate); in-process loaders open one with
   * systemPolicy().
   */
  openRepository(policy: AccessPolicy, now: Date, options?: { lenient?: boolean; reloadPolicy?: () => Promise<AccessPolicy> }): HubRepository;
  /**
   * The caller's policy for one request: its facts are loaded here, once; for the one patient the
   * request concerns when `scope` says which (a professional's facts then read that patient's links only).
   */
  policyFor(principal: Principal, now: Date, scope?: RequestScope): Promise<AccessPolicy>;
  /**
   * The repository of one authenticated request: opened with policyFor's policy, on reads shared
   * between its facts and its answer (a read by id reads its document once).
   */
  repositoryFor(principal: Principal, now: Date, scope: RequestScope | undefined, options?: { lenient?: boolean }): Promise<HubRepository>;
  /** The request clock; tests inject one so time-dependent rules are tested without sleeping. */
  clock(): Date;
  /** Database reachability for /readyz. */
  ready(): Promise<boolean>;
  version: string;
  /** Federation (SPEC §11), when HUB_ID is set: peer calls, federated search, metahub operations. */
  federation?: Federation;
}
