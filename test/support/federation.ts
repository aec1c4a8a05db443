import crypto, { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR, loadFixtures } from '../../src/fixtures-loader';
import { ensureDevSigningKey, devSigningKeyFile, publicJwk } from '../../src/federation/signing-key';
import jwt from 'jsonwebtoken';
import { personaClaims } from './network';
import { startTestHub, type TestHub } from './test-hub';

/** Hub B's demo data: Marie Dubois (same SSIN as on hub A) with a Liège physician's documents. */
export const HUB_B_FIXTURES = ['hub-b-network.json', 'hub-b-documents.json'].map((f) => path.join(FIXTURES_DIR, 'federation', f));

export interface Listener {
  port: number;
  baseUrl: string;
  serve(handler: http.RequestListener): void;
  close(): Promise<void>;
}

/** A loopback server whose handler is set later (a hub's base URL must be known before it is built). */
export async function listen(): Promise<Listener> {
  let handler: http.RequestListener | undefined;
  const server = http.createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    serve: (h) => {
      handler = h;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FederationUnderTest {
  metahub: TestHub;
  a: TestHub;
  b: TestHub;
  listeners: Record<string, Listener>;
  /** Private signing key file of each hub id (also of the fake peers). */
  keyFiles: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A metahub and two hubs on loopback, each with its own database on the test run's FerretDB, trusting
 * each other through PEERS_FILE and PEER_JWKS_FILE as in production. `extraPeers` are listed and
 * trusted too (fake peers a test plays itself). Hub A holds the demo network, hub B the Liège data.
 */
export async function startFederation(options: { peerTimeoutMs?: number; extraPeers?: string[] } = {}): Promise<FederationUnderTest> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-federation-'));
  const ids = ['metahub', 'hub-a', 'hub-b', ...(options.extraPeers ?? [])];
  const listeners: Record<string, Listener> = {};
  const keyFiles: Record<string, string> = {};
  for (const id of ids) {
    listeners[id] = await listen();
    const keyDir = path.join(dir, id);
    keyFiles[id] = devSigningKeyFile(keyDir);
    ensureDevSigningKey(keyDir);
  }
  const peersFile = path.join(dir, 'peers.json');
  const jwksFile = path.join(dir, 'peer-jwks.json');
  fs.writeFileSync(peersFile, JSON.stringify(ids.map((id) => ({ hub_id: id, base_url: listeners[id].baseUrl }))));
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: ids.map((id) => publicJwk(ensureDevSigningKey(path.dirname(keyFiles[id])), id)) }));
  const start = async (id: string, mode: 'hub' | 'metahub'): Promise<TestHub> => {
    const t = await startTestHub(
      {},
      {
        baseUrl: listeners[id].baseUrl,
        federation: {
          mode,
          hubId: id,
          peersFile,
          peerJwksFile: jwksFile,
          metahubUrl: mode === 'hub' ? listeners.metahub.baseUrl : undefined,
          peerTimeoutMs: options.peerTimeoutMs ?? 3000,
          signingKeyFile: keyFiles[id],
        },
      }
    );
    listeners[id].serve(t.app);
    return t;
  };
  const metahub = await start('metahub', 'metahub');
  const [a, b] = await Promise.all([start('hub-a', 'hub'), start('hub-b', 'hub')]);
  await loadFixtures(a.hub);
  await loadFixtures(b.hub, HUB_B_FIXTURES);
  return {
    metahub,
    a,
    b,
    listeners,
    keyFiles,
    close: async () => {
      for (const l of Object.values(listeners)) await l.close();
      for (const t of [a, b, metahub]) {
        t.hub.federation?.stop();
        await t.close();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Who a peer token acts for (`act`): a persona's identity as its own hub vouches for it. */
export function actOf(persona: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = personaClaims(persona);
  return { sub: c.sub, nihii: c.nihii, profession: c.profession, ...extra };
}

/**
 * A single-use peer token as hub A signs it for hub B, acting for Anna with her scopes; a test
 * changes claims with `overrides`, or the signing key and key id (a forged or misnamed signer).
 */
export function peerToken(f: FederationUnderTest, overrides: Record<string, unknown> = {}, signer = 'hub-a', kid = 'hub-a'): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'hub-a',
    sub: 'hub-a',
    role: 'hub',
    hub_id: 'hub-a',
    aud: 'hub-b',
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    scope: personaClaims('gp-anna-peeters').scope,
    act: actOf('gp-anna-peeters'),
    ...overrides,
  };
  const key = crypto.createPrivateKey(fs.readFileSync(f.keyFiles[signer], 'utf8'));
  return jwt.sign(claims, key, { algorithm: 'ES256', keyid: kid });
}
