import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { type Message, message } from '../messages/message';
import type { Principal } from '../policy/principal';
import type { PeerDirectory } from './peers';

/** Peer tokens live one minute: long enough for one call, short enough that a leak is worth little. */
export const PEER_TOKEN_SECONDS = 60;
/** A token claiming a longer life than this was not made by a hub following §11: refused. */
const MAX_LIFETIME_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 5;
const ELEVEN_DIGITS = /^\d{11}$/;

/** A refused peer call: 401 (who is calling is not proven) or 403 (proven, but not allowed). */
export class PeerRefusal extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly reason: Message
  ) {
    super(reason.text);
  }
}

/** The professional a hub acts for (JWT `act`): who they are at their own hub. */
export interface ActingProfessional {
  sub: string;
  nihii: string;
  profession: string;
  organization?: string;
}

export interface PeerTokenRequest {
  audience: string;
  /** The professional's own scopes, never more (SPEC §11). */
  scopes: readonly string[];
  act?: ActingProfessional;
}

/** Signs a single-use token for one call to `audience` (kid = iss = hub_id = this hub). */
export function signPeerToken(key: KeyObject, hubId: string, request: PeerTokenRequest): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: hubId,
    sub: hubId,
    role: 'hub',
    hub_id: hubId,
    aud: request.audience,
    iat: now,
    exp: now + PEER_TOKEN_SECONDS,
    jti: randomUUID(),
    scope: request.scopes.join(' '),
    ...(request.act ? { act: { ...request.act, role: 'practitioner' } } : {}),
  };
  return jwt.sign(payload, key, { algorithm: key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256', keyid: hubId });
}

/** What a verified peer token proves: the calling hub, the scopes, and the professional it acts for. */
export interface PeerCall {
  hubId: string;
  jti: string;
  expires: Date;
  scopes: string[];
  actor?: ActingProfessional;
}

type Claims = Record<string, unknown>;

/** True when the bearer token claims to come from a hub (unverified: only picks the verification path). */
export function claimsHubRole(token: string): boolean {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Claims;
    return payload?.role === 'hub';
  } catch {
    return false;
  }
}

/**
 * Signature by a key of PEER_JWKS_FILE whose kid is the token's hub_id and issuer, audience = this
 * hub, unexpired and short-lived. Replay (jti) is checked by the caller against the ledger.
 */
export function verifyPeerToken(token: string, peers: PeerDirectory): PeerCall {
  const header = decodePart(token, 0);
  const alg = header.alg;
  if (alg !== 'ES256' && alg !== 'RS256') throw new PeerRefusal(401, message('token-algorithm-unsupported'));
  if (header.crit !== undefined) throw new PeerRefusal(401, message('token-header-unsupported'));
  const kid = header.kid;
  if (typeof kid !== 'string') throw new PeerRefusal(401, message('peer-token-without-kid'));
  const key = peers.keys({ kid, alg });
  if (!key) throw new PeerRefusal(401, message('peer-hub-unknown'));
  let claims: Claims;
  try {
    claims = jwt.verify(token, key, { algorithms: [alg], audience: peers.self, issuer: kid, clockTolerance: CLOCK_TOLERANCE_SECONDS }) as Claims;
  } catch (err) {
    throw new PeerRefusal(401, reasonFor(err));
  }
  if (claims.role !== 'hub' || claims.hub_id !== kid) throw new PeerRefusal(401, message('peer-token-hub-mismatch'));
  const { exp, iat, jti } = claims;
  if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > MAX_LIFETIME_SECONDS) throw new PeerRefusal(401, message('peer-token-not-short-lived'));
  if (typeof jti !== 'string' || jti.length < 8 || jti.length > 128) throw new PeerRefusal(401, message('peer-token-without-jti'));
  if (claims.scope !== undefined && typeof claims.scope !== 'string') throw new PeerRefusal(401, message('peer-token-scope-invalid'));
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(/\s+/).filter(Boolean) : [];
  return { hubId: kid, jti, expires: new Date(exp * 1000), scopes, ...(claims.act !== undefined ? { actor: actorOf(claims.act) } : {}) };
}

/** `act` names a professional, and nothing else: never a patient, an administrator or another hub. */
function actorOf(act: unknown): ActingProfessional {
  if (!act || typeof act !== 'object' || Array.isArray(act)) throw new PeerRefusal(401, message('peer-token-act-invalid'));
  const claims = act as Claims;
  if (claims.role !== undefined && claims.role !== 'practitioner') throw new PeerRefusal(403, message('peer-acts-for-professional-only'));
  if ('act' in claims || 'ssin' in claims) throw new PeerRefusal(403, message('peer-acts-for-professional-only'));
  const { sub, nihii, profession, organization } = claims;
  if (typeof sub !== 'string' || !sub) throw new PeerRefusal(401, message('peer-token-actor-subject-missing'));
  if (typeof nihii !== 'string' || !ELEVEN_DIGITS.test(nihii)) throw new PeerRefusal(401, message('peer-token-actor-nihii-invalid'));
  if (typeof profession !== 'string' || !profession) throw new PeerRefusal(401, message('peer-token-actor-profession-missing'));
  if (organization !== undefined && (typeof organization !== 'string' || !organization))
    throw new PeerRefusal(401, message('peer-token-actor-organization-invalid'));
  return { sub, nihii, profession, ...(organization ? { organization } : {}) };
}

/** The Principal the receiving hub decides for: the calling hub, acting for the professional. */
export function peerPrincipal(call: PeerCall): Principal {
  const actor: Principal | undefined = call.actor
    ? {
        sub: call.actor.sub,
        role: 'practitioner',
        nihii: call.actor.nihii,
        profession: call.actor.profession,
        ...(call.actor.organization ? { organization: call.actor.organization } : {}),
        scopes: call.scopes,
      }
    : undefined;
  return { sub: call.hubId, role: 'hub', hubId: call.hubId, scopes: call.scopes, ...(actor ? { actor } : {}) };
}

function decodePart(token: string, index: number): Claims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new PeerRefusal(401, message('token-malformed'));
  try {
    const value = JSON.parse(Buffer.from(parts[index], 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Claims;
  } catch {
    // not JSON
  }
  throw new PeerRefusal(401, message('token-malformed'));
}

function reasonFor(err: unknown): Message {
  if (err instanceof jwt.TokenExpiredError) return message('token-expired');
  const failure = err instanceof Error ? err.message : '';
  if (failure.startsWith('jwt audience invalid')) return message('token-audience-invalid');
  if (failure.startsWith('jwt issuer invalid')) return message('token-issuer-invalid');
  if (failure === 'invalid signature') return message('token-signature-invalid');
  return message('token-invalid');
}
