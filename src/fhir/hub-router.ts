import { allOk, created, isOk, OperationOutcomeError } from '@medplum/core';
import { FhirRouter, type FhirRequest, type FhirRouteHandler } from '@medplum/fhir-router';
import { invalidRequest, message, messageDetails, messageOf, messageOutcome, type Message } from '../messages/message';
import { addConformanceRoutes } from './conformance-routes';
import { databaseUnavailableOutcome } from './database-unavailable';
import { withDocumentSearchRule } from './document-search-rule';
import { withBatchOrTransaction, withBatchPatchEntriesChecked, withBodyMatchingUrl, withWellFormedBody } from './input-gate';
import { assertSearchParametersWithinLimits } from './search-limits';
import type { HubRepository } from './hub-repository';
import { withProvideDocumentBundle } from './mhd-provide-bundle';

/**
 * The FHIR REST router: Medplum's transport-free FhirRouter (every interaction, batch and
 * transaction) with the hub's additions. GraphQL is removed: the hub serves REST only, and an
 * endpoint we do not test is an endpoint that can leak.
 */
/**
 * `operations` add the workflows' routes (src/hub); they are handed in by the hub's assembly so
 * that this layer never imports the workflows above it.
 */
export function createHubRouter(onInternalError: (err: unknown) => void, baseUrl: string, operations: ((router: FhirRouter) => void)[] = []): FhirRouter {
  const router = new FhirRouter();
  const routes = router.router.routes;
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i].path.some((segment) => segment.value === '$graphql')) routes.splice(i, 1);
  }
  router.add('GET', ':resourceType/_history', typeHistory, 'history-type');
  addConformanceRoutes(router, baseUrl);
  for (const route of routes) {
    // Every PUT, PATCH and DELETE, plain or conditional, also as a batch or transaction entry (request.ifMatch).
    if (route.method === 'PUT' || route.method === 'PATCH' || route.method === 'DELETE') route.handler = withWellFormedIfMatch(route.handler);
    if (route.method === 'PUT' && route.path.length === 2) route.handler = createdOnFirstVersion(route.handler);
    if ((route.method === 'PATCH' || route.method === 'DELETE') && route.path.length === 2) route.handler = withIfMatch(route.handler);
    if (route.data?.interaction === 'search-type')
      route.handler = withCodedFindings((finding) => message('search-not-understood', { finding }), withSearchLimits(withDocumentSearchRule(route.handler)));
    if (route.data?.interaction === 'batch')
      route.handler = withCodedFindings(
        (finding) => message('bundle-not-understood', { finding }),
        withBatchOrTransaction(withBatchPatchEntriesChecked(withProvideDocumentBundle(route.handler)))
      );
    if (route.data?.interaction === 'create' || route.data?.interaction === 'update') route.handler = withWellFormedBody(withBodyMatchingUrl(route.handler));
  }
  const add = router.add.bind(router);
  // Later routes (operations) get the same protection as the built-in ones.
  router.add = (method, path, handler, interaction) => add(method, path, guarded(withWellFormedBody(handler), onInternalError), interaction);
  for (const route of routes) route.handler = guarded(route.handler, onInternalError);
  for (const addOperations of operations) addOperations(router);
  return router;
}

/**
 * SPEC §1's search limits before Medplum parses the parameters, for every way a search arrives
 * (GET entries of a batch included): a parameter named `constructor` made its parser throw.
 */
function withSearchLimits(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, ...rest) => {
    const params = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
    const pairs = Object.entries(params ?? {}).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, String(v)])
    );
    assertSearchParametersWithinLimits(pairs);
    return handler(req, ...rest);
  };
}

/**
 * Medplum's search parser and batch engine refuse what they cannot read (a date that is no date,
 * an entry without a request URL) in their own English words, without a code of ours: coded as
 * one message that quotes the finding.
 */
function withCodedFindings(coded: (finding: string) => Message, handler: FhirRouteHandler): FhirRouteHandler {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError) || err.outcome.id || (err.outcome.issue ?? []).some((issue) => messageOf(issue))) throw err;
      const issues = (err.outcome.issue ?? []).map((issue) => ({
        ...issue,
        details: messageDetails(coded(issue.details?.text ?? '')),
      }));
      throw new OperationOutcomeError({ ...err.outcome, issue: issues });
    }
  };
}

/** A weak or strong ETag of one version: `W/"3"` or `"3"` (SPEC §1: ETag `W/"n"`). */
const VERSION_ETAG = /^(W\/)?"([0-9]{1,16})"$/;

/**
 * An If-Match that names no version would otherwise be ignored (the write going through as if
 * unconditional): refused before anything is read or stored.
 */
function withWellFormedIfMatch(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, ...rest) => {
    const header = req.headers?.['if-match'];
    if (header !== undefined && !(typeof header === 'string' && VERSION_ETAG.test(header.trim()))) {
      throw new OperationOutcomeError(invalidRequest(message('if-match-malformed')));
    }
    return handler(req, ...rest);
  };
}

/** FhirRouter passes If-Match to update only; the hub honours it on patch and delete too. */
function withIfMatch(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, repo, router, options) => {
    const header = req.headers?.['if-match'];
    const version = typeof header === 'string' ? (/"([^"]+)"/.exec(header)?.[1] ?? header) : undefined;
    const hub = repo as HubRepository;
    hub.expectedVersion = version;
    try {
      return await handler(req, repo, router, options);
    } finally {
      hub.expectedVersion = undefined;
    }
  };
}

/** FHIR: an update that creates the resource (update as create) answers 201, not 200. */
function createdOnFirstVersion(handler: FhirRouteHandler): FhirRouteHandler {
  return async (...args) => {
    const [outcome, resource, options] = await handler(...args);
    if (resource && isOk(outcome) && resource.meta?.versionId === '1') return options ? [created, resource, options] : [created, resource];
    return options ? [outcome, resource as NonNullable<typeof resource>, options] : resource ? [outcome, resource] : [outcome];
  };
}

/**
 * FhirRouter turns any thrown error into a 400 carrying its message. An unreachable database is a
 * 503; any other unexpected error (a bug) a 500 that tells the caller nothing.
 */
function guarded(handler: FhirRouteHandler, onInternalError: (err: unknown) => void): FhirRouteHandler {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (err) {
      if (err instanceof OperationOutcomeError) throw err;
      const unavailable = databaseUnavailableOutcome(err);
      if (unavailable) throw new OperationOutcomeError(unavailable);
      onInternalError(err);
      throw new OperationOutcomeError(messageOutcome(message('internal-error'), 'exception'));
    }
  };
}

const typeHistory: FhirRouteHandler = async (req: FhirRequest, repo) => {
  const count = Number(singleValue(req.query._count) ?? 50);
  const since = singleValue(req.query._since);
  const sinceDate = since ? new Date(since) : undefined;
  if (!Number.isInteger(count) || count < 1 || (sinceDate && Number.isNaN(sinceDate.getTime()))) {
    throw new OperationOutcomeError(invalidRequest(message('history-parameters-invalid')));
  }
  const bundle = await (repo as HubRepository).readTypeHistory(req.params.resourceType, Math.min(count, 1000), sinceDate);
  return [allOk, bundle];
};

function singleValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** The interactions the router really serves, for the CapabilityStatement. */
export function registeredInteractions(router: FhirRouter): Set<string> {
  return new Set(router.router.routes.map((r) => r.data?.interaction).filter((i): i is NonNullable<typeof i> => !!i));
}
