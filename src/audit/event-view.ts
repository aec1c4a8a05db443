import type { AuditEvent, Resource } from '@medplum/fhirtypes';
import type { Facts } from '../policy/facts';

/** The entity role of the Consents and links an access decision rested on (object-role 13, Security Resource). */
const DECISION_ENTITY_ROLE = '13';

/**
 * An AuditEvent as its reader may see it (SPEC §7): a professional reads their own actions but
 * never the decision entities, since the Consents and links behind a decision are the patient's
 * (a link of another professional, a consent's id). The stored event keeps them, sealed; the
 * patient and hub-admin read it whole.
 */
export function auditEventAsSeenBy<T extends Resource>(facts: Facts, resource: T): T {
  if (resource.resourceType !== 'AuditEvent' || facts.kind !== 'practitioner') return resource;
  const event = resource as AuditEvent;
  return { ...event, entity: event.entity?.filter((e) => e.role?.code !== DECISION_ENTITY_ROLE) } as unknown as T;
}
