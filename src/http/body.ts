import express, { type NextFunction, type Request, type Response } from 'express';
import { MAX_SEARCH_PARAMETERS, MAX_VALUES_PER_PARAMETER } from '../fhir/input-limits';
import { jsonLimitProblem } from './json-limits';
import { outcome, sendOutcome } from './send-fhir';
import { message } from '../messages/message';

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];

/**
 * Body parsing for /fhir: FHIR JSON (and JSON Patch), form-encoded for `_search`. Limits come
 * before parsing (SPEC §1): the byte limit counts the body after decompression (413), a body that
 * claims a compression it does not have is a 400, nesting and string length are checked on the raw
 * text (400), and a form may not carry more pairs than a search may have values. Another media
 * type is a 415. All of it before any handler runs.
 */
export function fhirBody(limitBytes: number) {
  const raw = express.raw({ limit: limitBytes, type: JSON_TYPES });
  const form = express.urlencoded({
    limit: limitBytes,
    extended: false,
    // One more than a search can use, so that "too many" is detected rather than silently cut.
    parameterLimit: MAX_SEARCH_PARAMETERS * MAX_VALUES_PER_PARAMETER + 1,
  });
  return [
    (req: Request, res: Response, next: NextFunction): void => {
      if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody(req)) {
        next();
        return;
      }
      const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      const isForm = type === 'application/x-www-form-urlencoded';
      if (!JSON_TYPES.includes(type) && !(isForm && req.path.endsWith('/_search'))) {
        sendOutcome(req, res, outcome('not-supported', message('unsupported-media-type')), 415);
        return;
      }
      next();
    },
    raw,
    parseJson,
    form,
  ];
}

/** JSON.parse after the raw-text limits; `null` and other non-objects are left to the FHIR input checks. */
function parseJson(req: Request, res: Response, next: NextFunction): void {
  if (!Buffer.isBuffer(req.body)) {
    next();
    return;
  }
  if (req.body.length === 0) {
    // `Content-Length: 0`: no body at all, as for a request without the header.
    req.body = undefined;
    next();
    return;
  }
  const text = req.body.toString('utf8');
  const problem = jsonLimitProblem(text);
  if (problem) {
    sendOutcome(req, res, outcome('too-costly', problem.message, problem.path), 400);
    return;
  }
  try {
    req.body = JSON.parse(text);
  } catch {
    sendOutcome(req, res, outcome('structure', message('invalid-json-body')), 400);
    return;
  }
  next();
}

function hasBody(req: Request): boolean {
  return Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined;
}

/** Turns body-parser failures into OperationOutcomes: a client's mistake is never a 500. */
export function bodyErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  const e = err as { type?: string; status?: number; code?: string };
  if (e?.type === 'entity.too.large') {
    sendOutcome(req, res, outcome('too-costly', message('body-too-large')), 413);
  } else if (e?.type === 'parameters.too.many') {
    sendOutcome(req, res, outcome('too-costly', message('too-many-search-parameters')), 400);
  } else if (e?.type === 'entity.parse.failed') {
    sendOutcome(req, res, outcome('structure', message('invalid-json-body')), 400);
  } else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    sendOutcome(req, res, outcome('not-supported', message('unsupported-media-type')), 415);
  } else if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    // zlib could not inflate what Content-Encoding announced.
    sendOutcome(req, res, outcome('structure', message('body-not-compressed')), 400);
  } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    sendOutcome(req, res, outcome('structure', message('invalid-request-body')), 400);
  } else {
    next(err);
  }
}
