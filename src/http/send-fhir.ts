import { getStatus, isOperationOutcome } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { languageOf, localizeOutcome } from '../messages/localize';
import { type Message, messageOutcome } from '../messages/message';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Sends a resource or an OperationOutcome as FHIR JSON, outcomes in the caller's language. */
export function sendFhir(req: Request, res: Response, status: number, body: Resource): void {
  // 503 is only ever "the database is unavailable": the supervisor restarts it within seconds.
  if (status === 503) res.setHeader('Retry-After', '1');
  const payload = isOperationOutcome(body) ? localizeOutcome(body, languageOf(req.header('accept-language'))) : body;
  res.status(status).type(FHIR_JSON).send(JSON.stringify(payload));
}

export function sendOutcome(req: Request, res: Response, outcome: OperationOutcome, status = getStatus(outcome)): void {
  sendFhir(req, res, status, outcome);
}

export function outcome(code: string, m: Message, expression?: string): OperationOutcome {
  return messageOutcome(m, code as 'invalid', expression);
}
