import type { NextFunction, Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { PeerFailure, openPeerStream } from '../federation/peer-client';
import type { Hub } from '../hub-parts';
import { principalOf } from './authenticate';
import { auditPeerAccess } from './peer-audit';
import { professionalForPeers } from './professional-for-peers';
import { outcome, sendOutcome } from './send-fhir';
import { message } from '../messages/message';

/**
 * `GET /fhir/DocumentReference/{id}/$content?peer=<hub_id>`: a peer's document content, fetched
 * on the professional's behalf with a token naming them (the peer decides, SPEC §11) and streamed.
 * A peer's refusal reads as not found, as any invisible document does.
 */
export function peerContent(hub: Hub) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const peerId = req.query.peer;
    if (peerId === undefined) {
      next();
      return;
    }
    const federation = hub.federation;
    const caller = principalOf(res);
    const peer = typeof peerId === 'string' && federation?.mode === 'hub' && peerId !== federation.peers.self ? federation.peers.peer(peerId) : undefined;
    if (!peer || !federation || caller.role !== 'practitioner') {
      sendOutcome(req, res, outcome('not-found', message('not-found')), 404);
      return;
    }
    const id = (req.params as Record<string, string>)[0];
    const document = `${peer.baseUrl}/DocumentReference/${id}`;
    const audited = (status: number) =>
      auditPeerAccess(hub, req, res, { url: req.url.replace(/^\/+/, ''), status, interaction: 'read', resources: [document] });
    let opened;
    try {
      opened = await openPeerStream(
        `${document}/$content`,
        federation.tokenFor(peer, await professionalForPeers(hub, req, res)),
        federation.timeoutMs,
        hub.config.contentTotalTimeoutMs
      );
    } catch (err) {
      if (!(err instanceof PeerFailure)) throw err;
      await audited(502);
      sendOutcome(req, res, outcome('transient', message('peer-content-failed', { hub: peer.hubId, failure: err.message })), 502);
      return;
    }
    if (opened.status !== 200 || !opened.body) {
      opened.finished();
      await opened.body?.cancel().catch(() => undefined);
      const invisible = [401, 403, 404, 410].includes(opened.status);
      await audited(invisible ? 404 : 502);
      sendOutcome(
        req,
        res,
        outcome(
          invisible ? 'not-found' : 'transient',
          invisible ? message('not-found') : message('peer-content-answered', { hub: peer.hubId, status: opened.status })
        ),
        invisible ? 404 : 502
      );
      return;
    }
    try {
      await audited(200);
    } catch (err) {
      opened.finished();
      await opened.body.cancel().catch(() => undefined);
      throw err;
    }
    res.status(200).setHeader('Content-Type', opened.contentType);
    res.setHeader('Cache-Control', 'no-store');
    if (opened.contentLength) res.setHeader('Content-Length', opened.contentLength);
    await pipeline(Readable.fromWeb(opened.body as NodeReadableStream<Uint8Array>), res)
      .catch(() => res.destroy())
      .finally(() => opened.finished());
  };
}
