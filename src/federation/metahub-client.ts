import type { KeyObject } from 'node:crypto';
import type { Bundle, Endpoint, Parameters, Resource } from '@medplum/fhirtypes';
import type { NationalAccess } from '../policy/facts';
import { PEER_HUB_SYSTEM, SSIN } from '../vocabulary';
import { callPeer, PeerFailure } from './peer-client';
import { signPeerToken } from './peer-token';
import type { Peer, PeerDirectory } from './peers';
import { publicationBundle } from './national-form';

/** A hub's calls to the metahub, each with its own single-use token (no professional: `act` absent). */
export interface MetahubClient {
  registerHolder(ssin: string): Promise<void>;
  /** Peers holding data for the patient, other than this hub; base URLs from our own PEERS_FILE. */
  holders(ssin: string): Promise<Peer[]>;
  publish(resources: Resource[]): Promise<void>;
  nationalAccess(question: { nihii: string; profession: string; organization?: string; vouchingHub: string }): Promise<NationalAccess>;
}

export function createMetahubClient(peers: PeerDirectory, metahubUrl: string, key: KeyObject, timeoutMs: number): MetahubClient {
  const metahub = peers.all().find((p) => p.baseUrl === metahubUrl);
  if (!metahub) throw new Error('METAHUB_URL must be the base_url of an entry of PEERS_FILE (its hub_id is the audience of our tokens)');
  const token = () => signPeerToken(key, peers.self, { audience: metahub.hubId, scopes: [] });
  const call = async (path: string, method: 'GET' | 'POST', body?: unknown): Promise<unknown> => {
    const answer = await callPeer(`${metahub.baseUrl}/${path}`, { method, token: token(), body, timeoutMs });
    if (answer.status < 200 || answer.status >= 300) throw new PeerFailure(`metahub answered HTTP ${answer.status}`);
    return answer.json;
  };
  return {
    async registerHolder(ssin) {
      await call('Patient/$register-holder', 'POST', {
        resourceType: 'Parameters',
        parameter: [{ name: 'identifier', valueIdentifier: { system: SSIN, value: ssin } }],
      });
    },
    async holders(ssin) {
      const bundle = (await call(`Patient/$holders?identifier=${encodeURIComponent(`${SSIN}|${ssin}`)}`, 'GET')) as Bundle<Endpoint>;
      const ids = (bundle?.entry ?? []).map((e) => e.resource?.identifier?.find((i) => i.system === PEER_HUB_SYSTEM)?.value);
      return [...new Set(ids)]
        .filter((id): id is string => !!id && id !== peers.self)
        .map((id) => peers.peer(id))
        .filter((p): p is Peer => !!p);
    },
    async publish(resources) {
      if (resources.length) await call('$publish', 'POST', publicationBundle(resources));
    },
    async nationalAccess(q) {
      const query = new URLSearchParams({
        nihii: q.nihii,
        profession: q.profession,
        hub: q.vouchingHub,
        ...(q.organization ? { organization: q.organization } : {}),
      });
      const parameters = (await call(`Practitioner/$national-access?${query}`, 'GET')) as Parameters;
      if (parameters?.resourceType !== 'Parameters') throw new PeerFailure('metahub answered something else than Parameters');
      const params = parameters.parameter ?? [];
      const strings = (name: string) => params.filter((p) => p.name === name && typeof p.valueString === 'string').map((p) => p.valueString as string);
      return {
        active: params.find((p) => p.name === 'active')?.valueBoolean === true,
        name: strings('name')[0],
        links: params
          .filter((p) => p.name === 'link')
          .map((p) => ({
            ssin: p.part?.find((x) => x.name === 'ssin')?.valueString ?? '',
            type: p.part?.find((x) => x.name === 'type')?.valueCode ?? '',
            source: p.part?.find((x) => x.name === 'source')?.valueUri ?? '',
          }))
          .filter((l) => l.ssin && l.type),
        consented: strings('consented'),
        excluded: strings('excluded'),
      };
    },
  };
}
