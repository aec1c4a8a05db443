import { getStatus, isOperationOutcome } from '@medplum/core';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { type Language, languageOf, localizeOutcome } from '../messages/localize';
import { type Message, messageOutcome } from '../messages/message';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Sends a resource or an OperationOutcome as FHIR JSON, outcomes in the caller's language. */
export function sendFhir(req: Request, res: Response, status: number, body: Resource): void {
  // 503 is only ever "the database is unavailable": the supervisor restarts it within seconds.
  if (status === 503) res.setHeader('Retry-After', '1');
  const lang = languageOf(req.header('accept-language'));
  const payload = isOperationOutcome(body) ? localizeOutcome(body, lang) : withLocalizedEntryOutcomes(body, lang);
  res.status(status).type(FHIR_JSON).send(JSON.stringify(payload));
}

export function sendOutcome(req: Request, res: Response, outcome: OperationOutcome, status = getStatus(outcome)): void {
  sendFhir(req, res, status, outcome);
}

export function outcome(code: string, m: Message, expression?: string): OperationOutcome {
  return messageOutcome(m, code as 'invalid', expression);
}

/** A batch or transaction answer carries one outcome per entry: each in the caller's language too. */
function withLocalizedEntryOutcomes(body: Resource, lang: Language): Resource {
  if (body.resourceType !== 'Bundle' || (body.type !== 'batch-response' && body.type !== 'transaction-response') || lang === 'en') return body;
  const bundle: Bundle = body;
  return {
    ...bundle,
    entry: bundle.entry?.map((e) => (e.response?.outcome ? { ...e, response: { ...e.response, outcome: localizeOutcome(e.response.outcome, lang) } } : e)),
  };
}
