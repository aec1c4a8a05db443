import fs from 'node:fs';
import type { FederationConfig } from '../config';
import { jwksResolver, type KeyResolver } from '../identity/keys';

/** A peer hub (or the metahub) as PEERS_FILE names it. */
export interface Peer {
  readonly hubId: string;
  /** Its `/fhir` base, no trailing slash. */
  readonly baseUrl: string;
}

/** Who the hub talks to and whose signatures it trusts: read once at start-up, a bad file stops it. */
export interface PeerDirectory {
  readonly self: string;
  peer(hubId: string): Peer | undefined;
  all(): readonly Peer[];
  /** The public key of a peer's tokens, by `kid` (= its hub_id). */
  readonly keys: KeyResolver;
}

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function loadPeerDirectory(config: FederationConfig): PeerDirectory {
  const { hubId, peersFile, peerJwksFile } = config;
  if (!hubId || !HUB_ID.test(hubId)) throw new Error('HUB_ID must be set (letters, digits, . _ -) when federation is configured');
  if (!peersFile || !peerJwksFile) throw new Error('PEERS_FILE and PEER_JWKS_FILE must both be set when federation is configured');
  const listed = JSON.parse(fs.readFileSync(peersFile, 'utf8')) as unknown;
  if (!Array.isArray(listed)) throw new Error(`${peersFile}: expected a JSON array of {"hub_id", "base_url"}`);
  const peers = listed.map((entry, index): Peer => {
    const { hub_id, base_url } = (entry ?? {}) as { hub_id?: unknown; base_url?: unknown };
    if (typeof hub_id !== 'string' || !HUB_ID.test(hub_id)) throw new Error(`${peersFile}: entry ${index} has no valid hub_id`);
    if (typeof base_url !== 'string' || !/^https?:\/\/[^/]+/.test(base_url)) throw new Error(`${peersFile}: entry ${index} has no http(s) base_url`);
    return { hubId: hub_id, baseUrl: base_url.replace(/\/$/, '') };
  });
  const jwks = JSON.parse(fs.readFileSync(peerJwksFile, 'utf8')) as { keys?: unknown };
  if (!Array.isArray(jwks.keys)) throw new Error(`${peerJwksFile}: not a JWKS (no "keys" array)`);
  // kid = hub_id: a key without kid could sign for any hub, so it is refused.
  if (jwks.keys.some((k) => typeof (k as { kid?: unknown }).kid !== 'string')) throw new Error(`${peerJwksFile}: every key needs its hub_id as kid`);
  const resolver = jwksResolver(jwks.keys as never[], peerJwksFile);
  const byId = new Map(peers.map((p) => [p.hubId, p]));
  return {
    self: hubId,
    peer: (id) => byId.get(id),
    all: () => peers,
    // Tokens without kid are never resolved to "the only key": every peer token names its hub.
    keys: (header) => (header.kid ? resolver(header) : undefined),
  };
}
