import { OperationOutcomeError } from '@medplum/core';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../policy/principal';
import { type Message, message, messageOf } from '../messages/message';
import { outcome, sendOutcome } from './send-fhir';

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
      challenge(req, res, message('token-missing'));
      return;
    }
    try {
      res.locals.principal = verify(match[1]);
    } catch (err) {
      const issue = err instanceof OperationOutcomeError ? err.outcome.issue?.[0] : undefined;
      const found = issue ? messageOf(issue) : undefined;
      // The verifier's reason, coded where it was raised; anything else is the plain 401.
      challenge(
        req,
        res,
        found && issue?.details?.text ? { code: found.code as Message['code'], params: found.params, text: issue.details.text } : message('unauthorized')
      );
      return;
    }
    next();
  };
}

function challenge(req: Request, res: Response, reason: Message): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="sharehub", error="invalid_token"');
  sendOutcome(req, res, outcome('login', reason), 401);
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) {
    // Reaching a handler without a principal is a wiring bug: refuse rather than serve.
    throw new Error('No authenticated principal on the request');
  }
  return principal;
}
