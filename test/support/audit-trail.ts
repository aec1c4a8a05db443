import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { PendingAuditEvent } from '../../src/audit/audit-event';
import type { NetworkHub } from './network';

/** Every AuditEvent of a patient's chain, read by hub-admin (whose reads of the trail are not themselves audited). */
export async function trailOf(net: NetworkHub, patient: string): Promise<AuditEvent[]> {
  const res = await net.admin().get(`/fhir/AuditEvent?patient=Patient/${patient}&_count=1000`);
  expect(res.status).toBe(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent).sort((a, b) => seqOf(a) - seqOf(b));
}

export function seqOf(event: AuditEvent): number {
  return event.extension?.find((e) => e.url.endsWith('/audit-chain'))?.extension?.find((e) => e.url === 'sequence')?.valueInteger ?? 0;
}

export function entitiesOf(event: AuditEvent, role: string): string[] {
  return (event.entity ?? []).filter((e) => e.role?.code === role).map((e) => e.what?.reference ?? '');
}

export async function countEvents(net: NetworkHub): Promise<number> {
  return net.database.db.collection('AuditEvent').countDocuments({});
}

/** The events added to a patient's trail by `action`. */
export async function newEvents(net: NetworkHub, patient: string, action: () => Promise<unknown>): Promise<AuditEvent[]> {
  const before = (await trailOf(net, patient)).length;
  await action();
  return (await trailOf(net, patient)).slice(before);
}

/**
 * An event as the hub would hand it to the trail, written straight to an AuditTrail: what another
 * hub process (or a bulk load) appends to the same chain. It names the patient and one resource.
 */
export function pendingEvent(patient: string, what: string, writer: string, recorded = new Date()): PendingAuditEvent {
  return {
    patient,
    outcome: '0',
    event: {
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: recorded.toISOString(),
      outcome: '0',
      agent: [{ requestor: true, altId: writer }],
      source: { observer: { display: 'sharehub' } },
      entity: [
        { what: { reference: patient }, role: { code: '1' } },
        { what: { reference: what }, role: { code: '4' } },
      ],
    },
  };
}
