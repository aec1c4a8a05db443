import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../policy/principal';
import { message, messageIssue, messageOf } from '../messages/message';
import { sendOutcome } from './send-fhir';

export type TokenVerifier = (token: string) => Principal;

/**
 * Bearer authentication for everything under /fhir except the public discovery documents.
 * There is deliberately no switch to turn it off (SPEC §2).
 */
export function authenticate(verify: TokenVerifier) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
    if (!match) {
      challenge(req, res, messageIssue(message('token-missing'), 'login'));
      return;
    }
    try {
      res.locals.principal = verify(match[1]);
    } catch (err) {
      const issue = err instanceof OperationOutcomeError ? err.outcome.issue?.[0] : undefined;
      // The verifier's reason, coded where it was raised; anything else is the plain 401.
      challenge(req, res, issue && messageOf(issue) ? issue : messageIssue(message('unauthorized'), 'login'));
      return;
    }
    next();
  };
}

function challenge(req: Request, res: Response, reason: OperationOutcomeIssue): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="sharehub", error="invalid_token"');
  sendOutcome(req, res, { resourceType: 'OperationOutcome', issue: [reason] }, 401);
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) {
    // Reaching a handler without a principal is a wiring bug: refuse rather than serve.
    throw new Error('No authenticated principal on the request');
  }
  return principal;
}
