import type { HubConfig } from './config';
import { isDevelopmentMode } from './config';
import { createHubRouter } from './fhir/hub-router';
import { loadDefinitions } from './fhir/definitions';
import type { Hub } from './hub-parts';
import type { TokenVerifier } from './http/authenticate';
import { ensureDevKeyPair, loadKeyResolver } from './identity/keys';
import { createTokenVerifier } from './identity/verify-token';
import { createLogger, describeError, type Logger } from './log';
import { accessPolicyFor } from './policy/access-policy';
import { loadFacts } from './policy/facts';
import { factsScopeOf } from './policy/request-scope';
import type { Database } from './store/database';
import { pingDatabase } from './store/database';
import { ensureIndexes } from './store/indexes';
import { provisionPostgresIndexes } from './store/postgres-indexes';
import { backfillGuards } from './policy/unique-states';
import { backfillFactWindows } from './policy/fact-windows-backfill';
import { relativeReference } from './fhir/search-values';
import { ResourceStore, type StoreFaults } from './store/resource-store';
import { SERVED_TYPES } from './fhir/served-types';
import { AuditTrail, type AuditWriter } from './audit/audit-trail';
import { AuditStore } from './store/audit-store';
import { createFederation } from './federation/federation';
import { NationalStore, PeerTokenLedger } from './store/national-store';
import { localReader } from './federation/local-reader';
import { refuseHubRole } from './identity/verify-token';
import type { WriteObserver } from './fhir/request-context';
import { HubRepository } from './fhir/hub-repository';
import { applyWorkflowRules } from './hub/write-rules';
import { addDocumentOperations } from './hub/document-operations';
import { addWorkflowOperations } from './hub/workflow-operations';

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
  if (config.postgresUrl) {
    // Performance only: a hub without them is slow, not wrong, so a failure is a warning.
    await provisionPostgresIndexes(config.postgresUrl, config.databaseName).catch((err) =>
      log.warn('could not provision the PostgreSQL indexes (npm run db:indexes -- --sql prints them)', describeError(err))
    );
  }
  const store = new ResourceStore(database.db, options.faults);
  const recovered = await store.recover();
  if (recovered.aborted || recovered.completed) log.warn('decided batch commits interrupted by a crash', recovered);
  const guards = await backfillGuards(store, (ref) => (ref ? relativeReference(ref, config.baseUrl) : undefined));
  if (guards.entered) log.info('guards entered for data written before them', guards);
  const windows = await backfillFactWindows(
    store,
    (ref) => (ref ? relativeReference(ref, config.baseUrl) : undefined),
    (options.clock ?? (() => new Date()))()
  );
  if (windows.patients || windows.restricted || windows.unrestricted) log.info('consent and author-only windows set on data written before them', windows);
  if (isDevelopmentMode(config)) ensureDevKeyPair(config.dataDir);
  // Told of every commit once federation is set up: the publisher of consents, links and practitioners.
  let onCommitted: WriteObserver | undefined;
  const repositoryOn =
    (reads: ResourceStore): Hub['openRepository'] =>
    (policy, now, repositoryOptions) =>
      // The workflows' business rules are registered here: the repository runs them without importing them.
      new HubRepository(
        { policy, now, baseUrl: config.baseUrl, lenient: repositoryOptions?.lenient ?? false, onCommitted, reloadPolicy: repositoryOptions?.reloadPolicy },
        reads,
        applyWorkflowRules
      );
  const openRepository = repositoryOn(store);
  const federation = await createFederation(
    config,
    { ledger: new PeerTokenLedger(database.db), national: new NationalStore(database.db) },
    localReader(openRepository),
    log
  );
  onCommitted = federation?.publisher?.observer;
  const router = createHubRouter((err) => log.error('internal error', describeError(err)), config.baseUrl, [addWorkflowOperations, addDocumentOperations]);
  federation?.addOperations(router);
  const userTokens = options.verifyToken ?? createTokenVerifier(config, loadKeyResolver(config));
  const audit = options.audit ?? new AuditTrail(new AuditStore(database.db, options.faults), config.baseUrl, log);
  // The scope's document read and the facts that do not need its patient are sent together (loadFacts).
  const policyOn =
    (reads: ResourceStore): Hub['policyFor'] =>
    async (principal, now, scope) => {
      const factsScope = factsScopeOf(reads, principal, scope).then((known) => {
        // The request's patient is known: its audit chain's head is read alongside the facts, not after the answer.
        if (known && /^Patient\/[^/]+$/.test(known.patient)) audit.expect(known.patient);
        return known;
      });
      return accessPolicyFor(principal, await loadFacts(reads, principal, now, federation?.access.nationalAccessOf(principal), factsScope), now);
    };
  const policyFor = options.policyFor ?? policyOn(store);
  return {
    config,
    log,
    openRepository,
    audit,
    router,
    // Role `hub` comes only with a peer hub's own signature (src/federation), never from the user issuer.
    verifyToken: refuseHubRole(userTokens, federation?.mode === 'metahub'),
    policyFor,
    async repositoryFor(principal, now, scope, repositoryOptions) {
      // One request's reads: the document a read by id is scoped by is the one it answers with.
      const reads = store.forRequest();
      const policyOf = options.policyFor ?? policyOn(reads);
      const policy = await policyOf(principal, now, scope);
      // After the request changed the caller's own facts, its later interactions are decided on the full facts as they are then.
      return repositoryOn(reads)(policy, now, { ...repositoryOptions, reloadPolicy: () => policyOf(principal, now, undefined) });
    },
    federation,
    clock: options.clock ?? (() => new Date()),
    ready: () => pingDatabase(database.db),
    version: '0.1.0',
  };
}
