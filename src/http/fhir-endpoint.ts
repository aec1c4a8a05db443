import { getStatus, isOk, isOperationOutcome } from '@medplum/core';
import type { FhirRequest, HttpMethod } from '@medplum/fhir-router';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { auditRequest } from '../audit/audit-request';
import { DATABASE_UNAVAILABLE_ID, databaseUnavailableOutcome, storedButUnavailableOutcome } from '../fhir/database-unavailable';
import type { Hub } from '../hub';
import { requestRepository } from './request-repository';
import { outcome, sendFhir, sendOutcome } from './send-fhir';

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
        sendOutcome(req, res, outcome('not-supported', 'Method not allowed'), 405);
      } else {
        sendOutcome(req, res, outcome('not-found', 'Not found'), 404);
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
export async function runFhirRequest(hub: Hub, req: Request, res: Response, method: HttpMethod, url: string): Promise<{ result: OperationOutcome; resource?: Resource; status: number }> {
  const repo = await requestRepository(hub, req, res);
  const fhirRequest: FhirRequest = {
    method,
    url,
    pathname: '',
    body: searchBody(req),
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

/** `POST Type/_search` takes its parameters from the form body and the URL together. */
function searchBody(req: Request): unknown {
  if (req.method === 'POST' && req.path.endsWith('/_search')) {
    return { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) };
  }
  return req.body;
}

function setVersionHeaders(res: Response, resource: Resource, baseUrl: string, status: number): void {
  const versionId = resource.meta?.versionId;
  if (!versionId || resource.resourceType === 'Bundle') return;
  res.setHeader('ETag', `W/"${versionId}"`);
  if (resource.meta?.lastUpdated) res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
  if (status === 201) res.setHeader('Location', `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${versionId}`);
}
