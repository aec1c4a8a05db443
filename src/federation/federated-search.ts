import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, BundleLink, DocumentReference, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { type Message, message, messageDetails } from '../messages/message';
import type { Principal } from '../policy/principal';
import type { Federation } from './federation';
import { callPeer, PeerFailure } from './peer-client';
import type { Peer } from './peers';

/**
 * Paging a merged result: every source (this hub, each peer) is paged on its own with the same
 * `_count`, and the merged `next` link carries one cursor per source (`_federated-page`). A page
 * holds up to `_count` entries of each source; entries never move between pages, and a source that
 * has no more pages simply stops contributing. `total` is the sum only when every source answered.
 */
export interface FederatedCursor {
  /** This hub's next page, as its own `next` link. */
  local?: string;
  /** Each peer's next page, by hub_id, as the peer's own `next` link. */
  peers: Record<string, string>;
}

export type PeerResult = { peer: Peer; entries: BundleEntry[]; next?: string; total?: number } | { peer: Peer; failure: string };

export interface PeerQuery {
  peer: Peer;
  url: string;
}

export function encodeCursor(cursor: FederatedCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** A cursor from the client: only our own base for the local part, only known peers' bases for theirs. */
export function decodeCursor(text: string, localBase: string, federation: Federation): { local?: string; peers: PeerQuery[] } | undefined {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as FederatedCursor;
    if (!cursor || typeof cursor !== 'object' || typeof cursor.peers !== 'object' || cursor.peers === null) return undefined;
    if (cursor.local !== undefined && (typeof cursor.local !== 'string' || !cursor.local.startsWith(`${localBase}/DocumentReference?`))) return undefined;
    const peers: PeerQuery[] = [];
    for (const [hubId, url] of Object.entries(cursor.peers)) {
      const peer = federation.peers.peer(hubId);
      if (!peer || hubId === federation.peers.self || typeof url !== 'string' || !url.startsWith(`${peer.baseUrl}/DocumentReference?`)) return undefined;
      peers.push({ peer, url });
    }
    return { local: cursor.local, peers };
  } catch {
    return undefined;
  }
}

/** Asks every peer in parallel, each within PEER_TIMEOUT_MS, on behalf of the professional; never throws. */
export async function askPeers(federation: Federation, caller: Principal, queries: PeerQuery[]): Promise<PeerResult[]> {
  return Promise.all(
    queries.map(async ({ peer, url }): Promise<PeerResult> => {
      try {
        const answer = await callPeer(url, { token: federation.tokenFor(peer, caller), timeoutMs: federation.timeoutMs });
        if (answer.status !== 200) throw new PeerFailure(`answered HTTP ${answer.status}`);
        return { peer, ...searchResultOf(answer.json, peer) };
      } catch (err) {
        return { peer, failure: err instanceof PeerFailure ? err.message : 'failed' };
      }
    })
  );
}

/** A peer's searchset, checked entry by entry: anything else is garbage and the whole answer is dropped. */
function searchResultOf(json: unknown, peer: Peer): { entries: BundleEntry[]; next?: string; total?: number } {
  const bundle = json as Bundle;
  if (!bundle || bundle.resourceType !== 'Bundle' || bundle.type !== 'searchset' || (bundle.entry !== undefined && !Array.isArray(bundle.entry))) {
    throw new PeerFailure('answered something that is not a search result');
  }
  const prefix = `${peer.baseUrl}/`;
  const entries = (bundle.entry ?? []).filter((e) => e?.search?.mode !== 'outcome');
  for (const entry of entries) {
    const resource = entry?.resource as Resource | undefined;
    const wellFormed =
      !!resource &&
      typeof resource.resourceType === 'string' &&
      typeof resource.id === 'string' &&
      typeof entry.fullUrl === 'string' &&
      entry.fullUrl.startsWith(prefix);
    if (!wellFormed) throw new PeerFailure('answered a search result with malformed entries');
  }
  const next = bundle.link?.find((l) => l.relation === 'next')?.url;
  return {
    entries,
    ...(typeof next === 'string' && next.startsWith(`${peer.baseUrl}/DocumentReference?`) ? { next } : {}),
    ...(typeof bundle.total === 'number' ? { total: bundle.total } : {}),
  };
}

/** One warning entry per peer left out, naming it (SPEC §11: never a 5xx because of a peer). */
export function outcomeEntry(m: Message): BundleEntry {
  const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'incomplete', details: messageDetails(m) }] };
  return { fullUrl: `urn:uuid:${randomUUID()}`, resource: outcome, search: { mode: 'outcome' } };
}

/**
 * The merged page: local entries, then each peer's (fullUrl kept on the peer; a peer document's
 * content is opened through our `$content?peer=`), then the warnings.
 */
export function mergeResults(local: Bundle | undefined, results: PeerResult[], warnings: BundleEntry[], localBase: string, selfUrl: string): Bundle {
  const peerEntries = results.flatMap((r) => ('entries' in r ? r.entries.map((e) => throughLocalContent(e, r.peer, localBase)) : []));
  const failures = results.flatMap((r) => ('failure' in r ? [outcomeEntry(message('peer-results-missing', { hub: r.peer.hubId, failure: r.failure }))] : []));
  const localEntries = (local?.entry ?? []).filter((e) => e.search?.mode !== 'outcome');
  const localOutcomes = (local?.entry ?? []).filter((e) => e.search?.mode === 'outcome');
  const cursor: FederatedCursor = { peers: {} };
  const localNext = local?.link?.find((l) => l.relation === 'next')?.url;
  if (localNext) cursor.local = localNext;
  for (const r of results) if ('next' in r && r.next) cursor.peers[r.peer.hubId] = r.next;
  const links: BundleLink[] = [{ relation: 'self', url: selfUrl }];
  if (cursor.local || Object.keys(cursor.peers).length)
    links.push({ relation: 'next', url: `${localBase}/DocumentReference?_federated=true&_federated-page=${encodeCursor(cursor)}` });
  const complete =
    !failures.length && !warnings.length && typeof local?.total === 'number' && results.every((r) => 'total' in r && typeof r.total === 'number');
  const total = complete ? (local?.total ?? 0) + results.reduce((sum, r) => sum + ('total' in r && r.total ? r.total : 0), 0) : undefined;
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total !== undefined ? { total } : {}),
    link: links,
    entry: [...localEntries, ...peerEntries, ...localOutcomes, ...failures, ...warnings],
  };
}

function throughLocalContent(entry: BundleEntry, peer: Peer, localBase: string): BundleEntry {
  const resource = entry.resource as Resource;
  if (resource.resourceType !== 'DocumentReference') return entry;
  const document = resource as DocumentReference;
  const proxied = `${localBase}/DocumentReference/${document.id}/$content?peer=${encodeURIComponent(peer.hubId)}`;
  return { ...entry, resource: { ...document, content: (document.content ?? []).map((c) => ({ ...c, attachment: { ...c.attachment, url: proxied } })) } };
}
