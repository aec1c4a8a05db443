import { isOk } from '@medplum/core';
import type { Bundle, BundleEntry, DocumentReference } from '@medplum/fhirtypes';
import type { NextFunction, Request, Response } from 'express';
import { askPeers, decodeCursor, mergeResults, outcomeEntry, type PeerQuery } from '../federation/federated-search';
import type { Hub } from '../hub-parts';
import { SSIN } from '../vocabulary';
import { principalOf } from './authenticate';
import { runFhirRequest } from './fhir-endpoint';
import { auditPeerAccess } from './peer-audit';
import { professionalForPeers } from './professional-for-peers';
import { outcome, sendFhir, sendOutcome } from './send-fhir';
import { message } from '../messages/message';

/** `Prefer: federated` (alone or among other preferences). */
const PREFER_FEDERATED = /(^|[\s,;])federated\s*(?=$|[,;])/i;

/**
 * `GET /fhir/DocumentReference?patient.identifier=<ssin system>|n&...&_federated=true` (or
 * `Prefer: federated`): this hub's results and every holding peer's, asked in parallel on the
 * professional's behalf (SPEC §11). A peer's own answer is never federated further: peers are asked
 * without `_federated`, and a peer call (role `hub`) is never federated here.
 */
export function federatedSearch(hub: Hub) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const federation = hub.federation;
    const params = new URLSearchParams(req.url.split('?')[1] ?? '');
    const page = params.get('_federated-page');
    const wanted = params.get('_federated') === 'true' || page !== null || PREFER_FEDERATED.test(req.header('prefer') ?? '');
    if (!federation || federation.mode !== 'hub' || !federation.metahub || !wanted) {
      next();
      return;
    }
    const caller = principalOf(res);
    if (caller.role !== 'practitioner') {
      sendOutcome(req, res, outcome('forbidden', message('federated-search-for-professional')), 403);
      return;
    }
    const professional = await professionalForPeers(hub, req, res);
    const base = hub.config.baseUrl;
    let localUrl: string | undefined;
    let peerQueries: Promise<PeerQuery[]>;
    const warnings: BundleEntry[] = [];
    if (page !== null) {
      const cursor = decodeCursor(page, base, federation);
      if (!cursor || [...params.keys()].some((k) => k !== '_federated' && k !== '_federated-page')) {
        sendOutcome(req, res, outcome('invalid', message('federated-page-invalid'), '_federated-page'), 400);
        return;
      }
      localUrl = cursor.local?.slice(base.length + 1);
      peerQueries = Promise.resolve(cursor.peers);
    } else {
      params.delete('_federated');
      const [system, ssin, ...rest] = (params.get('patient.identifier') ?? '').split('|');
      if (system !== SSIN || !/^\d{11}$/.test(ssin ?? '') || rest.length || params.getAll('patient.identifier').length !== 1) {
        sendOutcome(req, res, outcome('invalid', message('federated-search-one-patient', { ssinSystem: SSIN }), 'patient.identifier'), 400);
        return;
      }
      const query = params.toString();
      localUrl = `DocumentReference?${query}`;
      // A peer answers documents only (peer-access.ts): what would add other resources stays local.
      const forPeers = new URLSearchParams([...params].filter(([name]) => !/^_(include|revinclude)(:|$)/.test(name))).toString();
      const metahub = federation.metahub;
      peerQueries = metahub.holders(ssin).then(
        (peers) => peers.map((peer) => ({ peer, url: `${peer.baseUrl}/DocumentReference?${forPeers}` })),
        () => {
          warnings.push(outcomeEntry(message('federated-search-local-only')));
          return [];
        }
      );
    }
    const [local, results] = await Promise.all([
      localUrl ? runFhirRequest(hub, req, res, 'GET', localUrl) : Promise.resolve(undefined),
      peerQueries.then((queries) => askPeers(federation, professional, queries)),
    ]);
    if (local && (!local.resource || !isOk(local.result))) {
      sendOutcome(req, res, local.result, local.status);
      return;
    }
    const selfUrl = `${base}${req.url.startsWith('/') ? '' : '/'}${req.url}`;
    const merged = mergeResults(local?.resource as Bundle | undefined, results, warnings, base, selfUrl);
    const received = results.flatMap((r) => ('entries' in r ? r.entries.map((e) => e.fullUrl as string) : []));
    if (received.length) {
      // This hub's record of the patient, when its own results name one.
      const patient = ((local?.resource as Bundle | undefined)?.entry ?? [])
        .map((e) => (e.resource as DocumentReference | undefined)?.subject?.reference)
        .find((r): r is string => !!r && r.startsWith('Patient/'));
      await auditPeerAccess(hub, req, res, {
        url: req.url.replace(/^\/+/, ''),
        status: 200,
        interaction: 'search-type',
        resources: received,
        patient,
        query: localUrl,
      });
    }
    sendFhir(req, res, 200, merged);
  };
}
