import type { HubConfig } from './config';
import { isDevelopmentMode } from './config';
import { createHubRouter } from './fhir/hub-router';
import { loadDefinitions } from './fhir/definitions';
import type { Hub } from './hub';
import type { TokenVerifier } from './http/authenticate';
import { ensureDevKeyPair, loadKeyResolver } from './identity/keys';
import { createTokenVerifier } from './identity/verify-token';
import { createLogger, describeError, type Logger } from './log';
import { accessPolicyFor } from './policy/access-policy';
import { loadFacts } from './policy/facts';
import type { Database } from './store/database';
import { pingDatabase } from './store/database';
import { ensureIndexes } from './store/indexes';
import { ResourceStore, type StoreFaults } from './store/resource-store';
import { SERVED_TYPES } from './fhir/served-types';
import { AuditTrail, type AuditWriter } from './audit/audit-trail';
import { AuditStore } from './store/audit-store';

export interface HubOptions {
  log?: Logger;
  clock?: () => Date;
  faults?: StoreFaults;
  verifyToken?: TokenVerifier;
  /** Replaces the access policy; for tests of FHIR mechanics that are not about access. */
  policyFor?: Hub['policyFor'];
  /**
   * Replaces the audit trail's writer. Only the benchmark does, to measure the hub without audit
   * next to the hub with it in the same run; no configuration reaches this.
   */
  audit?: AuditWriter;
}

/** Assembles a hub on an open database: definitions, indexes, journal recovery, router, verifier. */
export async function createHub(config: HubConfig, database: Database, options: HubOptions = {}): Promise<Hub> {
  const log = options.log ?? createLogger(config.logLevel);
  loadDefinitions();
  await ensureIndexes(database.db, SERVED_TYPES);
  const store = new ResourceStore(database.db, options.faults);
  const recovered = await store.recover();
  if (recovered.aborted || recovered.completed) log.warn('decided batch commits interrupted by a crash', recovered);
  if (isDevelopmentMode(config)) ensureDevKeyPair(config.dataDir);
  return {
    config,
    log,
    store,
    audit: options.audit ?? new AuditTrail(new AuditStore(database.db, options.faults), config.baseUrl),
    router: createHubRouter((err) => log.error('internal error', describeError(err)), config.baseUrl),
    verifyToken: options.verifyToken ?? createTokenVerifier(config, loadKeyResolver(config)),
    policyFor: options.policyFor ?? (async (principal, now) => accessPolicyFor(principal, await loadFacts(store, principal, now), now)),
    clock: options.clock ?? (() => new Date()),
    ready: () => pingDatabase(database.db),
    version: '0.1.0',
  };
}
