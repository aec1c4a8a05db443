import type { FhirRouter } from '@medplum/fhir-router';
import type { HubConfig } from '../config';
import type { Logger } from '../log';
import type { Principal } from '../policy/principal';
import type { NationalStore, PeerTokenLedger } from '../store/national-store';
import { addMetahubOperations } from './metahub';
import { createMetahubClient, type MetahubClient } from './metahub-client';
import type { ReadLocal } from './national-form';
import { createPeerAccess, type PeerAccess } from './peer-access';
import { signPeerToken } from './peer-token';
import { loadPeerDirectory, type Peer, type PeerDirectory } from './peers';
import { createPublisher, type Publisher } from './publisher';
import { loadSigningKey } from './signing-key';

/** This hub's part in the federation (SPEC §11), assembled once at start-up from the configuration. */
export interface Federation {
  readonly mode: 'hub' | 'metahub';
  readonly peers: PeerDirectory;
  readonly timeoutMs: number;
  readonly access: PeerAccess;
  /** Hub mode: the metahub and the publisher of our consents, links and practitioners. */
  readonly metahub?: MetahubClient;
  readonly publisher?: Publisher;
  /** A single-use token for one call to `peer` on behalf of a professional: its own scopes, never more. */
  tokenFor(peer: Peer, professional: Principal): string;
  /** Metahub mode: registers the national operations on the router. */
  addOperations(router: FhirRouter): void;
  stop(): void;
}

/** Undefined when HUB_ID is not set: a hub on its own, as before federation. */
/** The federation's own collections, opened by the hub's assembly (the only place that holds the database). */
export interface FederationStores {
  ledger: PeerTokenLedger;
  national: NationalStore;
}

export async function createFederation(config: HubConfig, stores: FederationStores, read: ReadLocal, log: Logger): Promise<Federation | undefined> {
  const settings = config.federation;
  if (!settings.hubId) {
    if (settings.mode === 'metahub') throw new Error('HUB_MODE=metahub needs HUB_ID, PEERS_FILE and PEER_JWKS_FILE');
    return undefined;
  }
  const peers = loadPeerDirectory(settings);
  const key = loadSigningKey(config);
  const { ledger } = stores;
  await ledger.forgetExpired(new Date());
  // Used token ids are kept only while their tokens could still be presented.
  const sweeper = setInterval(() => void ledger.forgetExpired(new Date()).catch(() => undefined), 10 * 60_000);
  sweeper.unref();
  if (settings.mode === 'metahub') {
    const store = stores.national;
    await store.ensureIndexes();
    return {
      mode: 'metahub',
      peers,
      timeoutMs: settings.peerTimeoutMs,
      access: createPeerAccess('metahub', peers, ledger, undefined),
      tokenFor: () => {
        throw new Error('The metahub calls no peer on behalf of a professional');
      },
      addOperations: (router) => addMetahubOperations(router, store, peers),
      stop: () => clearInterval(sweeper),
    };
  }
  if (!settings.metahubUrl) throw new Error('METAHUB_URL must be set for a federated hub');
  const metahub = createMetahubClient(peers, settings.metahubUrl, key, settings.peerTimeoutMs);
  const publisher = createPublisher(metahub, read, config.baseUrl, log);
  return {
    mode: 'hub',
    peers,
    timeoutMs: settings.peerTimeoutMs,
    access: createPeerAccess('hub', peers, ledger, metahub),
    metahub,
    publisher,
    tokenFor: (peer, professional) =>
      signPeerToken(key, peers.self, {
        audience: peer.hubId,
        scopes: professional.scopes,
        act: {
          sub: professional.sub,
          nihii: professional.nihii as string,
          profession: professional.profession as string,
          ...(professional.organization ? { organization: professional.organization } : {}),
        },
      }),
    addOperations: () => undefined,
    stop: () => {
      clearInterval(sweeper);
      publisher.stop();
    },
  };
}
