import type { HubRepository } from '../fhir/hub-repository';
import type { Hub } from '../hub-parts';
import { auditEventsFor } from './audit-event';

/** What the HTTP layer knows of a finished request when it audits it. */
export interface AuditedRequest {
  method: string;
  /** Path and query below /fhir, as the client sent them. */
  url: string;
  /** The HTTP status about to be sent. */
  status: number;
}

/**
 * Records the accesses of one request (SPEC §7) before its response leaves. Throws when the
 * trail cannot be written; the caller then answers 500 and sends no data.
 */
export async function auditRequest(hub: Hub, repo: HubRepository, request: AuditedRequest): Promise<void> {
  const { policy, now, baseUrl } = repo.ctx;
  const events = auditEventsFor({ principal: policy.principal, facts: policy.facts, now, baseUrl, request }, repo.accessLog.accesses);
  if (events.length) await hub.audit.write(events, policy.principal.sub);
}
