import { getStatus, isOk, isOperationOutcome, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, HttpMethod } from '@medplum/fhir-router';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { auditRequest } from '../audit/audit-request';
import { DATABASE_UNAVAILABLE_ID, databaseUnavailableOutcome, storedButUnavailableOutcome } from '../fhir/database-unavailable';
import { checkFhirInput } from '../fhir/input-gate';
import { requestPatientOf } from '../fhir/request-patient';
import type { Hub } from '../hub-parts';
import { requestRepository } from './request-repository';
import { outcome, sendFhir, sendOutcome } from './send-fhir';
import { message } from '../messages/message';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Hands an authenticated request to the FHIR router with a repository scoped to its caller. */
export function fhirEndpoint(hub: Hub) {
  return async (req: Request, res: Response): Promise<void> => {
    const method = req.method.toUpperCase() as HttpMethod;
    const url = req.url.replace(/^\/+/, '');
    if (!METHODS.includes(method) || !hub.router.find(method, url)) {
      const allowed = METHODS.filter((m) => hub.router.find(m, url));
      if (allowed.length) {
        res.setHeader('Allow', allowed.join(', '));
        sendOutcome(req, res, outcome('not-supported', message('method-not-allowed')), 405);
      } else {
        sendOutcome(req, res, outcome('not-found', message('not-found')), 404);
      }
      return;
    }
    const { result, resource, status } = await runFhirRequest(hub, req, res, method, url);
    if (!resource || !isOk(result)) {
      sendOutcome(req, res, result, status);
      return;
    }
    setVersionHeaders(res, resource, hub.config.baseUrl, status);
    if (/return\s*=\s*minimal/i.test(req.header('prefer') ?? '') && !isOperationOutcome(resource)) {
      res.status(status).end();
      return;
    }
    sendFhir(req, res, status, resource);
  };
}

/** Runs one request through the router with the caller's repository, and audits it before anything is sent. */
export async function runFhirRequest(
  hub: Hub,
  req: Request,
  res: Response,
  method: HttpMethod,
  url: string
): Promise<{ result: OperationOutcome; resource?: Resource; status: number }> {
  const route = hub.router.find(method, url);
  const query = queryPairs(url);
  const body = req.body as unknown;
  // The input gate (SPEC §1) before the caller's facts are loaded or any handler reads the request.
  try {
    const ifNoneExist = req.header('if-none-exist');
    checkFhirInput({
      method,
      interaction: route?.data?.interaction,
      query,
      body,
      ifNoneExist: ifNoneExist === undefined ? undefined : [...new URLSearchParams(ifNoneExist.replace(/^[^?]*\?/, ''))],
    });
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    return { result: err.outcome, status: 400 };
  }
  const scope = route
    ? requestPatientOf({
        method,
        interaction: route.data?.interaction,
        path: route.path,
        params: route.params,
        query,
        body,
        conditional: req.header('if-none-exist') !== undefined,
      })
    : undefined;
  const repo = await requestRepository(hub, req, res, scope);
  const isSearchPost = method === 'POST' && route?.data?.interaction === 'search-type';
  const fhirRequest: FhirRequest = {
    method,
    url,
    pathname: '',
    body: isSearchPost ? searchBody(query, body) : body,
    params: {},
    query: {},
    headers: req.headers,
    // Without this flag FhirRouter treats a transaction like a batch (entry by entry).
    config: { transactions: true },
  };
  const [result, resource] = await hub.router.handleRequest(fhirRequest, repo);
  const status = statusOf(result);
  try {
    await auditRequest(hub, repo, { method, url, status });
  } catch (err) {
    // A write that went through is not reported as "nothing stored" (SPEC §9).
    if (method !== 'GET' && status < 300 && resource?.id && databaseUnavailableOutcome(err)) {
      return { result: storedButUnavailableOutcome(`${resource.resourceType}/${resource.id}`), status: 503 };
    }
    throw err;
  }
  return { result, resource, status };
}

/** Medplum's getStatus knows no 422; business-rule refusals carry the id `unprocessable` (SPEC §1). */
function statusOf(outcome: OperationOutcome): number {
  if (outcome.id === DATABASE_UNAVAILABLE_ID) return 503;
  return outcome.id === 'unprocessable' ? 422 : getStatus(outcome);
}

/** The parameters after the first `?`, as sent (express's extended parser would turn `a[b]=1` into objects). */
function queryPairs(url: string): [string, string][] {
  const q = url.indexOf('?');
  return q < 0 ? [] : [...new URLSearchParams(url.slice(q + 1)).entries()];
}

/** `POST Type/_search` takes its parameters from the URL and the body together (checked as text by the input gate). */
function searchBody(query: [string, string][], body: unknown): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const add = (name: string, value: string) => {
    const earlier = params[name];
    params[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  };
  for (const [name, value] of query) add(name, value);
  for (const [name, value] of Object.entries((body as Record<string, string | string[]> | undefined) ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) add(name, v);
  }
  return params;
}

function setVersionHeaders(res: Response, resource: Resource, baseUrl: string, status: number): void {
  const versionId = resource.meta?.versionId;
  if (!versionId || resource.resourceType === 'Bundle') return;
  res.setHeader('ETag', `W/"${versionId}"`);
  if (resource.meta?.lastUpdated) res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
  if (status === 201) res.setHeader('Location', `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${versionId}`);
}
