import express, { type NextFunction, type Request, type Response } from 'express';
import { outcome, sendOutcome } from './send-fhir';

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];

/**
 * Body parsing for /fhir: FHIR JSON (and JSON Patch), form-encoded for `_search`. A body over the
 * limit is a 413, malformed JSON a 400, another media type a 415, before any handler runs.
 */
export function fhirBody(limitBytes: number) {
  const json = express.json({ limit: limitBytes, type: JSON_TYPES, strict: false });
  const form = express.urlencoded({ limit: limitBytes, extended: false });
  return [
    (req: Request, res: Response, next: NextFunction): void => {
      if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody(req)) {
        next();
        return;
      }
      const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      const isForm = type === 'application/x-www-form-urlencoded';
      if (!JSON_TYPES.includes(type) && !(isForm && req.path.endsWith('/_search'))) {
        sendOutcome(req, res, outcome('not-supported', 'Unsupported media type'), 415);
        return;
      }
      next();
    },
    json,
    form,
  ];
}

function hasBody(req: Request): boolean {
  return Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined;
}

/** Turns body-parser failures into OperationOutcomes. */
export function bodyErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') {
    sendOutcome(req, res, outcome('too-costly', 'Request body too large'), 413);
  } else if (e?.type === 'entity.parse.failed') {
    sendOutcome(req, res, outcome('structure', 'Invalid JSON body'), 400);
  } else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    sendOutcome(req, res, outcome('not-supported', 'Unsupported media type'), 415);
  } else {
    next(err);
  }
}
