import { allOk, forbidden, OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import type { FhirRequest, FhirRouteHandler } from '@medplum/fhir-router';
import type { Parameters, Patient } from '@medplum/fhirtypes';
import { isValidSsin } from '../fhir/belgian-identifiers';
import type { HubRepository } from '../fhir/hub-repository';
import { SSIN } from '../vocabulary';
import { invalidRequest, message, messageOf } from '../messages/message';

/**
 * "Add patient" (SPEC §4): one Patient per SSIN, so adding a patient who is already registered
 * answers 200 with the existing Patient, like a conditional create on the SSIN, to a caller who may
 * find it by SSIN (a professional, SPEC §5). Anyone else goes on to the plain create, whose write
 * rule and SSIN uniqueness answer as before (403, 409), telling nothing about who is registered.
 * A request with its own `If-None-Exist` is the plain conditional create.
 */
export function addPatient(plainCreate: FhirRouteHandler): FhirRouteHandler {
  return async (literal, r, router, options) => {
    // The plain create reads the type from the `:resourceType` path parameter this literal route lacks.
    const req = { ...literal, params: { ...literal.params, resourceType: 'Patient' } };
    const repo = r as HubRepository;
    const patient = req.body as Patient;
    const ssins = patient?.resourceType === 'Patient' ? (patient.identifier ?? []).filter((i) => i.system === SSIN && i.value) : [];
    const facts = repo.ctx.policy.facts;
    if (req.headers?.['if-none-exist'] || ssins.length !== 1 || !isValidSsin(ssins[0].value as string) || facts.kind !== 'practitioner' || !facts.eligible) {
      return plainCreate(req, r, router, options);
    }
    const bySsin = async () =>
      (await repo.search(parseSearchRequest(`Patient?identifier=${encodeURIComponent(`${SSIN}|${ssins[0].value}`)}`))).entry?.[0]?.resource;
    const existing = await bySsin();
    if (existing) return [allOk, existing];
    try {
      return await plainCreate(req, r, router, options);
    } catch (err) {
      // Another request registered the same SSIN meanwhile (its `ssin|` guard won): answer with its Patient.
      if (!isDuplicateSsin(err)) throw err;
      const winner = await waitFor(bySsin);
      if (!winner) throw err;
      return [allOk, winner];
    }
  };
}

function isDuplicateSsin(err: unknown): boolean {
  const issue = err instanceof OperationOutcomeError ? err.outcome.issue?.[0] : undefined;
  return !!issue && messageOf(issue)?.code === 'patient-already-registered';
}

/**
 * The winner holds the guard before its Patient is written: look a few times. Not a timing rule:
 * if the winner's write failed, the loser answers the 409 it got.
 */
async function waitFor<T>(find: () => Promise<T | undefined>, attempts = 40, pauseMs = 50): Promise<T | undefined> {
  for (let i = 0; i < attempts; i++) {
    const found = await find();
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return undefined;
}

/**
 * `GET /Patient/$consent-status?identifier=<ssin system>|<ssin>`: whether the patient's consent to
 * data sharing is `active`, `revoked` (there was one, none is in force) or `none` (also for an
 * SSIN nobody registered). Asked by a professional before adding a patient or creating a link; the
 * answer is the one fact SPEC §4 lets any professional know, so it is read beyond the caller's
 * scope. The Patient look-up itself goes through the caller's search (and its audit).
 */
export const consentStatus: FhirRouteHandler = async (req: FhirRequest, r) => {
  const repo = r as HubRepository;
  const facts = repo.ctx.policy.facts;
  if (facts.kind !== 'practitioner' || !facts.eligible) throw new OperationOutcomeError(forbidden);
  const identifier = req.query.identifier;
  const value = typeof identifier === 'string' && identifier.startsWith(`${SSIN}|`) ? identifier.slice(SSIN.length + 1) : undefined;
  if (!value || !isValidSsin(value)) {
    throw new OperationOutcomeError(invalidRequest(message('patient-identifier-not-ssin'), 'identifier'));
  }
  const found = await repo.search(parseSearchRequest(`Patient?identifier=${encodeURIComponent(`${SSIN}|${value}`)}`));
  const patient = found.entry?.[0]?.resource;
  let status = 'none';
  let since: string | undefined;
  if (patient) {
    const reference = `Patient/${patient.id}`;
    const answer = await repo.port.consentStatus(reference);
    status = answer.status;
    if (answer.status === 'active') since = answer.since.toISOString();
  }
  const result: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'status', valueCode: status },
      ...(patient ? [{ name: 'patient', valueReference: { reference: `Patient/${patient.id}` } }] : []),
      ...(since ? [{ name: 'since', valueDateTime: since }] : []),
    ],
  };
  return [allOk, result];
};
