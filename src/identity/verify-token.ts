import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { HubConfig } from '../config';
import { type Message, message, messageOutcome } from '../messages/message';
import { ROLES, type Principal, type Role } from '../policy/principal';
import type { KeyResolver } from './keys';

/** SPEC §2: only these; `none` and HS* (shared secrets, key-confusion attacks) never. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256'] as const;
type AcceptedAlgorithm = (typeof ACCEPTED_ALGORITHMS)[number];
const CLOCK_TOLERANCE_SECONDS = 60;
const ELEVEN_DIGITS = /^\d{11}$/;

type Claims = Record<string, unknown>;

/**
 * A 401 outcome. The id `unauthorized` is what @medplum/core's getStatus maps to 401; the text is
 * a short reason and never contains the token.
 */
export function unauthorizedOutcome(reason: Message): OperationOutcome {
  return messageOutcome(reason, 'login', undefined, 'unauthorized');
}

function reject(reason: Message): never {
  // No `cause`: library errors may quote token parts, and errors end up in logs.
  throw new OperationOutcomeError(unauthorizedOutcome(reason));
}

/** Turns a bearer token into the caller's Principal, or throws a 401 OperationOutcomeError. */
export function createTokenVerifier(config: Pick<HubConfig, 'jwtIssuer' | 'jwtAudience'>, resolver: KeyResolver): (token: string) => Principal {
  return (token) => principalFromClaims(verifySignedClaims(token, config, resolver), false);
}

/**
 * The user issuer's tokens never carry role `hub`: a peer hub proves itself with its own key
 * (PEER_JWKS_FILE, SPEC §11). The metahub serves hubs only and takes no user token at all.
 */
export function refuseHubRole(verify: (token: string) => Principal, hubsOnly = false): (token: string) => Principal {
  return (token) => {
    if (hubsOnly) reject(message('metahub-serves-hubs-only'));
    const principal = verify(token);
    if (principal.role === 'hub') reject(message('hub-token-self-signed'));
    return principal;
  };
}

function verifySignedClaims(token: string, config: Pick<HubConfig, 'jwtIssuer' | 'jwtAudience'>, resolver: KeyResolver): Claims {
  const header = readHeader(token);
  const alg = header.alg;
  if (typeof alg !== 'string' || !(ACCEPTED_ALGORITHMS as readonly string[]).includes(alg)) {
    reject(message('token-algorithm-unsupported'));
  }
  // RFC 7515 §4.1.11: a critical extension we do not implement makes the token unusable.
  if (header.crit !== undefined) reject(message('token-header-unsupported'));
  if (header.kid !== undefined && typeof header.kid !== 'string') reject(message('token-malformed'));
  const key = resolver({ kid: header.kid as string | undefined, alg });
  if (!key) reject(message('token-key-unknown'));
  if (!keyFitsAlgorithm(key, alg as AcceptedAlgorithm)) reject(message('token-algorithm-key-mismatch'));

  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, key, {
      algorithms: [alg as AcceptedAlgorithm],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
  } catch (err) {
    reject(reasonFor(err));
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) reject(message('token-malformed'));
  // jsonwebtoken checks exp only when present; SPEC §2 requires it.
  if (typeof payload.exp !== 'number') reject(message('token-expiry-missing'));
  return payload as Claims;
}

function readHeader(token: string): Claims {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || !parts[0] || !parts[1]) reject(message('token-malformed'));
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (header && typeof header === 'object' && !Array.isArray(header)) return header as Claims;
  } catch {
    // fall through: not JSON
  }
  reject(message('token-malformed'));
}

/** jsonwebtoken checks the key type too; checking it here keeps the rule visible and library-proof. */
function keyFitsAlgorithm(key: KeyObject, alg: AcceptedAlgorithm): boolean {
  if (key.type !== 'public') return false;
  if (alg === 'RS256') return key.asymmetricKeyType === 'rsa';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

function reasonFor(err: unknown): Message {
  if (err instanceof jwt.TokenExpiredError) return message('token-expired');
  if (err instanceof jwt.NotBeforeError) return message('token-not-yet-valid');
  const failure = err instanceof Error ? err.message : '';
  if (failure.startsWith('jwt audience invalid')) return message('token-audience-invalid');
  if (failure.startsWith('jwt issuer invalid')) return message('token-issuer-invalid');
  if (failure === 'invalid signature') return message('token-signature-invalid');
  if (failure === 'jwt malformed' || failure === 'invalid token') return message('token-malformed');
  return message('token-invalid');
}

/** SPEC §2 claims → Principal. `isActor`: the claims come from a hub token's `act`. */
function principalFromClaims(claims: Claims, isActor: boolean): Principal {
  const prefix = isActor ? 'act.' : '';
  const text = (name: string): string => {
    const value = claims[name];
    if (typeof value !== 'string' || value.trim() === '') reject(message('token-claim-invalid', { claim: `${prefix}${name}` }));
    return value;
  };
  const elevenDigits = (name: string): string => {
    const value = text(name);
    if (!ELEVEN_DIGITS.test(value)) reject(message('token-claim-invalid', { claim: `${prefix}${name}` }));
    return value;
  };

  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') reject(message(isActor ? 'token-actor-subject-missing' : 'token-subject-missing'));
  const role = claims.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) reject(message(isActor ? 'token-actor-role-invalid' : 'token-role-invalid'));

  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  const base = { sub, role: role as Role, scopes: parseScopes(claims.scope), ...(clientId ? { clientId } : {}) };

  // Only the claims of the role are copied, so a stray claim cannot widen what the policy sees.
  switch (role as Role) {
    case 'practitioner':
      return {
        ...base,
        nihii: elevenDigits('nihii'),
        profession: text('profession'),
        ...(claims.organization !== undefined ? { organization: text('organization') } : {}),
      };
    case 'patient':
      return { ...base, ssin: elevenDigits('ssin') };
    case 'guarantor':
    case 'institution-admin':
      return { ...base, organization: text('organization') };
    case 'hub-admin':
      return base;
    case 'hub': {
      // A hub speaks for one end user; a hub acting for a hub would hide who that user is.
      if (isActor) reject(message('token-actor-role-invalid'));
      const hubId = text('hub_id');
      const act = claims.act;
      if (!act || typeof act !== 'object' || Array.isArray(act)) reject(message('token-claim-invalid', { claim: 'act' }));
      return { ...base, hubId, actor: principalFromClaims(act as Claims, true) };
    }
  }
}

/** SMART `scope`: space-separated; absent = none (authenticated, but the policy grants no data). */
function parseScopes(scope: unknown): string[] {
  if (scope === undefined) return [];
  if (typeof scope !== 'string') reject(message('token-claim-invalid', { claim: 'scope' }));
  return scope.split(/\s+/).filter((s) => s !== '');
}
