import type { Request, Response } from 'express';
import { touch } from '../audit/access-log';
import { auditRequest } from '../audit/audit-request';
import type { Hub } from '../hub-parts';
import { requestRepository } from './request-repository';

export interface PeerAccessRecord {
  /** Path and query below /fhir, as the client sent them. */
  url: string;
  status: number;
  interaction: 'search-type' | 'read';
  /** Absolute URLs of the peer resources the caller received (their fullUrl on the peer). */
  resources: string[];
  /** This hub's record of the patient, when it has one. */
  patient?: string;
  query?: string;
}

/**
 * The local side of a peer access (SPEC §11: both hubs record it): what the professional received
 * from peers through this hub, in their own chain (and the patient's, when this hub knows them).
 */
export async function auditPeerAccess(hub: Hub, req: Request, res: Response, record: PeerAccessRecord): Promise<void> {
  const repo = await requestRepository(hub, req, res);
  const access = repo.accessLog.begin(record.interaction, 'DocumentReference', record.query);
  if (record.status >= 400) access.outcome = record.status >= 500 ? '8' : '4';
  for (const resource of record.resources) touch(access, resource, record.patient);
  if (!record.resources.length) touch(access, record.url.split('?')[0], record.patient);
  await auditRequest(hub, repo, { method: 'GET', url: record.url, status: record.status });
}
