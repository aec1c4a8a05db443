import type { NextFunction, Request, Response } from 'express';
import { PeerFailure } from '../federation/peer-client';
import { claimsHubRole, PeerRefusal } from '../federation/peer-token';
import type { Hub } from '../hub-parts';
import type { Principal } from '../policy/principal';
import { authenticate } from './authenticate';
import { outcome, sendOutcome } from './send-fhir';
import { message } from '../messages/message';

/**
 * Who is calling: a peer hub (role `hub`, its own signature, SPEC §11) or a user of the issuer
 * (SPEC §2). A peer token is never accepted by the user path, nor a user token by the peer path.
 */
export function authenticateCaller(hub: Hub) {
  const users = authenticate(hub.verifyToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(req.header('authorization') ?? '')?.[1];
    const federation = hub.federation;
    if (!federation || !token || !claimsHubRole(token)) {
      users(req, res, (err?: unknown) => {
        if (err || !federation) {
          next(err);
          return;
        }
        // A professional of this hub: national consents and exclusions hold here too (fail closed).
        federation.access.attachNationalView(res.locals.principal as Principal).then(
          () => next(),
          (failure: unknown) => refuse(req, res, next, failure)
        );
      });
      return;
    }
    federation.access
      .verify(token, req.method.toUpperCase(), req.path, [...new URLSearchParams(req.url.split('?')[1] ?? '').keys()])
      .then((principal) => {
        res.locals.principal = principal;
        next();
      })
      .catch((err: unknown) => refuse(req, res, next, err));
  };
}

function refuse(req: Request, res: Response, next: NextFunction, err: unknown): void {
  if (err instanceof PeerRefusal) {
    if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="sharehub", error="invalid_token"');
    sendOutcome(req, res, outcome(err.status === 401 ? 'login' : 'forbidden', err.reason), err.status);
  } else if (err instanceof PeerFailure) {
    // Fail closed: without the metahub's answer, no decision on national consents and exclusions.
    res.setHeader('Retry-After', '5');
    sendOutcome(req, res, outcome('transient', message('metahub-unreachable')), 503);
  } else {
    next(err);
  }
}
