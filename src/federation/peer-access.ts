import { message } from '../messages/message';
import type { NationalAccess } from '../policy/facts';
import type { Principal } from '../policy/principal';
import type { PeerTokenLedger } from '../store/national-store';
import type { MetahubClient } from './metahub-client';
import { PeerFailure } from './peer-client';
import { PeerRefusal, peerPrincipal, verifyPeerToken } from './peer-token';
import type { PeerDirectory } from './peers';

/** The definitions of what is offered (conformance resources carry no patient data). */
const DEFINITIONS = /^\/OperationDefinition(\/[A-Za-z0-9\-.]{1,64})?$/;
/** What a peer may ask a hub (SPEC §11): the patient document search, a document, its content. */
const PEER_ROUTES = [
  DEFINITIONS,
  /^\/DocumentReference\/?$/,
  /^\/DocumentReference\/[A-Za-z0-9\-.]{1,64}$/,
  /^\/DocumentReference\/[A-Za-z0-9\-.]{1,64}\/\$content$/,
];
/**
 * A peer gets documents only: parameters that add other resources to a search (the Patient, its
 * authors, AuditEvents by `_revinclude`) are not part of what it may ask.
 */
const BEYOND_DOCUMENTS = /^_(include|revinclude)(:|$)/;
/** What a hub may ask the metahub. */
const METAHUB_ROUTES = [DEFINITIONS, /^\/Patient\/\$register-holder$/, /^\/Patient\/\$holders$/, /^\/\$publish$/, /^\/Practitioner\/\$national-access$/];

export interface PeerAccess {
  /** Verifies a peer's call, or throws a PeerRefusal (401/403) or a PeerFailure (metahub unreachable: 503). */
  verify(token: string, method: string, path: string, parameters?: readonly string[]): Promise<Principal>;
  /** The national view the metahub answered for this call's professional; absent = fail closed. */
  nationalAccessOf(principal: Principal): NationalAccess | undefined;
  /**
   * Asks the metahub the national consents and exclusions for one of this hub's own professionals
   * (hub mode), kept for this request; throws a PeerFailure when the metahub cannot answer.
   */
  attachNationalView(principal: Principal): Promise<void>;
}

export function createPeerAccess(mode: 'hub' | 'metahub', peers: PeerDirectory, ledger: PeerTokenLedger, metahub: MetahubClient | undefined): PeerAccess {
  const answers = new WeakMap<Principal, NationalAccess>();
  return {
    async verify(token, method, path, parameters = []) {
      const call = verifyPeerToken(token, peers);
      if (!(await ledger.firstUse(call.jti, call.expires))) throw new PeerRefusal(401, message('peer-token-reused'));
      const routes = mode === 'metahub' ? METAHUB_ROUTES : PEER_ROUTES;
      const allowedMethod = mode === 'metahub' ? method === 'GET' || method === 'POST' : method === 'GET';
      if (!allowedMethod || !routes.some((r) => r.test(path))) throw new PeerRefusal(403, message('peer-request-not-allowed'));
      if (mode === 'hub' && parameters.some((name) => BEYOND_DOCUMENTS.test(name))) throw new PeerRefusal(403, message('peer-request-not-allowed'));
      const principal = peerPrincipal(call);
      if (mode === 'metahub') return principal;
      // A hub asks another hub only on behalf of a professional the metahub knows as active.
      if (!call.actor || !metahub) throw new PeerRefusal(403, message('peer-call-names-professional'));
      const national = await metahub.nationalAccess({ ...call.actor, vouchingHub: call.hubId }).catch((err: unknown) => {
        throw err instanceof PeerFailure ? err : new PeerFailure('metahub answer unusable');
      });
      if (!national.active) throw new PeerRefusal(403, message('peer-professional-not-active'));
      answers.set(principal, national);
      return principal;
    },
    nationalAccessOf: (principal) => answers.get(principal),
    async attachNationalView(principal) {
      if (mode !== 'hub' || !metahub || principal.role !== 'practitioner' || !principal.nihii || !principal.profession) return;
      const national = await metahub
        .nationalAccess({ nihii: principal.nihii, profession: principal.profession, organization: principal.organization, vouchingHub: peers.self })
        .catch((err: unknown) => {
          throw err instanceof PeerFailure ? err : new PeerFailure('metahub answer unusable');
        });
      answers.set(principal, national);
    },
  };
}
