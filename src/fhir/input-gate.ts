import { OperationOutcomeError } from '@medplum/core';
import type { FhirRouteHandler } from '@medplum/fhir-router';
import type { Bundle } from '@medplum/fhirtypes';
import { invalidRequest, message } from '../messages/message';
import { isForbiddenKey } from './input-limits';
import { assertSearchParametersWithinLimits } from './search-limits';
import { assertTransactionPatches, patchEntryRefusals } from './transaction-patches';
import { assertWellFormed } from './validation';

/** A request as it reaches the FHIR layer, before the router: what the input gate looks at. */
export interface FhirInput {
  method: string;
  /** The interaction of the route it matched (`create`, `update`, `patch`, `batch`, `operation`, `search-type`, ...). */
  interaction?: string;
  /** The URL's query parameters, in order, undecoded by anything but URL decoding. */
  query: [string, string][];
  /** The parsed body; undefined when the request had none. */
  body: unknown;
  /** The search of a conditional create (`If-None-Exist`), as parameters. */
  ifNoneExist?: [string, string][];
}

const PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * The input gate of every FHIR request (SPEC §1), before the router reads anything: search
 * parameters within their limits, a body of the shape the interaction takes (a resource of the
 * right JSON shape for writes, batches and operations; a JSON Patch for patch; strings for a
 * `_search` form), else a 400 naming the path. The full validation of what gets written runs at
 * the write itself (validateForWrite), for every entry and every operation write.
 */
export function checkFhirInput(input: FhirInput): void {
  const searchPost = input.method === 'POST' && input.interaction === 'search-type';
  assertSearchParametersWithinLimits(searchPost ? [...input.query, ...searchBodyPairs(input.body)] : input.query);
  if (input.ifNoneExist) assertSearchParametersWithinLimits(input.ifNoneExist);
  if (searchPost || (input.body === undefined && !needsBody(input))) return;
  if (input.method === 'PATCH') {
    assertJsonPatch(input.body);
    return;
  }
  if (!isObject(input.body)) {
    throw new OperationOutcomeError(invalidRequest(message('body-not-resource')));
  }
  // An operation on an instance may be posted `{}`: no input at all.
  if (input.interaction === 'operation' && Object.keys(input.body).length === 0) return;
  assertWellFormed(withoutBatchEntryResources(input.body));
  if (input.interaction === 'batch') {
    assertEntrySearchesWithinLimits(input.body);
    assertTransactionPatches(input.body, assertJsonPatch);
  }
}

/**
 * The `ifNoneExist` searches of a batch or transaction are parsed by the batch engine before any
 * entry is handled: held to the search limits here, for the whole bundle. (Search entries are
 * checked where each is handled, and answered on their own.)
 */
function assertEntrySearchesWithinLimits(bundle: Record<string, unknown>): void {
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  for (const entry of entries) {
    const condition = isObject(entry) && isObject(entry.request) ? entry.request.ifNoneExist : undefined;
    if (typeof condition === 'string') assertSearchParametersWithinLimits([...new URLSearchParams(condition.replace(/^[^?]*\?/, ''))]);
  }
}

/**
 * A batch answers each entry on its own, so its entries' resources are checked where each entry
 * is handled (withWellFormedBody), not here where one bad entry would refuse the whole batch.
 */
function withoutBatchEntryResources(body: Record<string, unknown>): Record<string, unknown> {
  if (body.resourceType !== 'Bundle' || body.type !== 'batch' || !Array.isArray(body.entry)) return body;
  return { ...body, entry: body.entry.map((e: unknown) => (isObject(e) ? Object.fromEntries(Object.entries(e).filter(([key]) => key !== 'resource')) : e)) };
}

/**
 * The same shape check on the body of one interaction as the router hands it over: a request's
 * own body, or one entry of a batch or transaction. Writes are validated in full when written;
 * this makes sure no handler reads a body of the wrong shape first (a workflow reading
 * `identifier` as an array, Medplum's code reading `resourceType`).
 */
export function withWellFormedBody(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, ...rest) => {
    const body: unknown = req.body;
    if ((req.method === 'POST' || req.method === 'PUT') && body !== undefined) {
      if (!isObject(body)) throw new OperationOutcomeError(invalidRequest(message('body-not-resource')));
      if (Object.keys(body).length) assertWellFormed(body);
    }
    return handler(req, ...rest);
  };
}

/**
 * The body of a create or update is the resource the URL names (type, and id for an update), and a
 * bundle posted to the base is a batch or a transaction: checked here so that the refusal carries
 * its message code, for every way the interaction arrives (conditional create included).
 */
export function withBodyMatchingUrl(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, ...rest) => {
    const body = req.body as { resourceType?: unknown; id?: unknown } | undefined;
    const { resourceType, id } = req.params ?? {};
    if (isObject(body) && resourceType && body.resourceType !== resourceType) {
      // The router's own texts: an update names its id; a conditional update or create names a search.
      if (req.method === 'PUT' && id) throw new OperationOutcomeError(invalidRequest(message('resource-type-incorrect')));
      if (req.method === 'PUT' || req.headers?.['if-none-exist']) throw new OperationOutcomeError(invalidRequest(message('conditional-type-mismatch')));
      const found = typeof body.resourceType === 'string' && body.resourceType ? body.resourceType : '<EMPTY>';
      throw new OperationOutcomeError(invalidRequest(message('resource-type-mismatch', { expected: resourceType, found })));
    }
    if (isObject(body) && req.method === 'PUT' && id && body.id !== id) throw new OperationOutcomeError(invalidRequest(message('resource-id-incorrect')));
    return handler(req, ...rest);
  };
}

export function withBatchOrTransaction(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, ...rest) => {
    const bundle = isObject(req.body) ? req.body : {};
    if (bundle.resourceType !== 'Bundle') throw new OperationOutcomeError(invalidRequest(message('bundle-expected')));
    if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
      throw new OperationOutcomeError(invalidRequest(message('bundle-type-unrecognized', { type: String(bundle.type) })));
    }
    return handler(req, ...rest);
  };
}

/**
 * A batch answers each entry on its own: a PATCH entry whose decoded patch the hub does not take
 * gets the refusal a transaction gets for it (coded, localized), and never reaches the batch
 * engine, whose own decoding overflowed its stack on a deep value and quoted that as its answer.
 */
export function withBatchPatchEntriesChecked(handler: FhirRouteHandler): FhirRouteHandler {
  return async (req, ...rest) => {
    const bundle = isObject(req.body) ? req.body : undefined;
    const refusals = bundle?.type === 'batch' ? patchEntryRefusals(bundle, assertJsonPatch) : new Map<number, OperationOutcomeError>();
    if (!bundle || !Array.isArray(bundle.entry) || !refusals.size) return handler(req, ...rest);
    // Without its resource the engine refuses the entry before it reads or writes anything; that answer is replaced below.
    const entry = bundle.entry.map((e: unknown, i) => (refusals.has(i) && isObject(e) ? { ...e, resource: undefined } : e));
    const [outcome, response] = await handler({ ...req, body: { ...bundle, entry } }, ...rest);
    const answered = response as Bundle | undefined;
    if (!answered?.entry) return response ? [outcome, response] : [outcome];
    const entries = answered.entry.map((e, i) => {
      const refusal = refusals.get(i);
      return refusal ? { response: { status: '400', outcome: refusal.outcome } } : e;
    });
    return [outcome, { ...answered, entry: entries }];
  };
}

function needsBody(input: FhirInput): boolean {
  return ['create', 'update', 'batch', 'transaction', 'patch'].includes(input.interaction ?? '') || input.method === 'PUT' || input.method === 'PATCH';
}

/** The parameters of a `_search` body: a form, or a JSON object of strings (no objects, no arrays of objects). */
function searchBodyPairs(body: unknown): [string, string][] {
  if (body === undefined) return [];
  if (!isObject(body)) throw new OperationOutcomeError(invalidRequest(message('search-body-not-parameters')));
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(body)) {
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string')) {
      throw new OperationOutcomeError(invalidRequest(message('search-parameter-not-text', { name: name.slice(0, 64) }), name.slice(0, 64)));
    }
    for (const v of values as string[]) pairs.push([name, v]);
  }
  return pairs;
}

/** RFC 6902 operations on paths that name FHIR elements: `/__proto__/x` would reach Object.prototype. */
export function assertJsonPatch(body: unknown, where = ''): void {
  if (!Array.isArray(body)) throw new OperationOutcomeError(invalidRequest(message('patch-not-array'), where || undefined));
  body.forEach((op: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(op) || typeof op.op !== 'string' || !PATCH_OPS.has(op.op) || typeof op.path !== 'string') {
      throw new OperationOutcomeError(invalidRequest(message('patch-operation-invalid'), at));
    }
    for (const pointer of [op.path, op.from]) {
      if (pointer === undefined) continue;
      if (typeof pointer !== 'string' || pointer.split('/').some((segment) => isForbiddenKey(segment.replace(/~1/g, '/').replace(/~0/g, '~')))) {
        throw new OperationOutcomeError(invalidRequest(message('patch-path-not-element'), `${at}.path`));
      }
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
