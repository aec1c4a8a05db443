import type { AuditEvent } from '@medplum/fhirtypes';
import type { Db } from 'mongodb';
import type { PendingAuditEvent } from '../../src/audit/audit-event';
import { AuditTrail } from '../../src/audit/audit-trail';
import { AuditStore } from '../../src/store/audit-store';
import type { HubClient } from './http-client';
import { hubSearchPath } from './preflight';

/** What one burst measurement found: the audited hub against the same hub without audit. */
export interface AuditBurstFigures {
  requests: number;
  rounds: number;
  /** Wall time of all rounds, audited and unaudited. */
  auditedSeconds: number;
  unauditedSeconds: number;
  /** Events the audited rounds added to the patient's chain (one per successful request). */
  events: number;
  /** Requests answered other than 200 (audited, unaudited): reported, not hidden. */
  failed: { audited: number; unaudited: number };
  /** Batches (store writes) that carried them: events / batches is the group size reached. */
  batches: number;
  eventsPerSecond: number;
  /** Audited wall time over unaudited: what the trail costs under the burst (1.0 = nothing). */
  onOffRatio: number;
  /** The trail alone (no HTTP, no policy): events/s appended to one chain by concurrent writers. */
  trailOnlyEventsPerSecond: number;
}

export interface AuditBurstSetup {
  db: Db;
  baseUrl: string;
  audited: HubClient;
  unaudited: HubClient;
  /** The patient every request of the burst touches (one chain). */
  patientId: string;
  /** Store writes of the audited hub's trail so far (StoreFaults.beforeAuditWrite counts them). */
  auditWrites: () => number;
  /** Progress, one line per burst. */
  note?: (message: string) => void;
}

/**
 * SPEC §7 under a burst: `requests` concurrent document searches by one GP on one patient, `rounds`
 * times, on the audited hub and then on the same hub without audit, alternating so both see the
 * same database. Fails if a request fails or the chain did not grow by one event per request.
 */
export async function measureAuditBurst(setup: AuditBurstSetup, requests: number, rounds: number): Promise<AuditBurstFigures> {
  const chain = `Patient/${setup.patientId}`;
  const events = setup.db.collection('AuditEvent');
  const path = hubSearchPath(setup.patientId);
  const failed = { audited: 0, unaudited: 0 };
  const burst = async (client: HubClient, which: keyof typeof failed): Promise<number> => {
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: requests }, () =>
        client.request('GET', path).then(
          (a) => a.status,
          () => 0
        )
      )
    );
    failed[which] += answers.filter((status) => status !== 200).length;
    const seconds = (performance.now() - started) / 1000;
    setup.note?.(`${which} burst of ${requests}: ${seconds.toFixed(2)} s`);
    return seconds;
  };
  await burst(setup.unaudited, 'unaudited'); // warm-up: definitions, connection pool, sockets
  failed.unaudited = 0;
  const before = await events.countDocuments({ 'a:chain': chain });
  const writesBefore = setup.auditWrites();
  let auditedSeconds = 0;
  let unauditedSeconds = 0;
  for (let round = 0; round < rounds; round++) {
    auditedSeconds += await burst(setup.audited, 'audited');
    unauditedSeconds += await burst(setup.unaudited, 'unaudited');
  }
  const added = (await events.countDocuments({ 'a:chain': chain })) - before;
  // A failed request may or may not have reached its audit step; a success always has its event.
  const succeeded = requests * rounds - failed.audited;
  if (added < succeeded) throw new Error(`the chain grew by ${added} events for ${succeeded} successful audited requests`);
  return {
    requests,
    rounds,
    auditedSeconds,
    unauditedSeconds,
    events: added,
    failed,
    batches: setup.auditWrites() - writesBefore,
    eventsPerSecond: added / auditedSeconds,
    onOffRatio: auditedSeconds / unauditedSeconds,
    trailOnlyEventsPerSecond: await trailOnly(setup.db, setup.baseUrl, requests * rounds),
  };
}

/** `count` events written concurrently to a fresh chain straight through the trail. */
async function trailOnly(db: Db, baseUrl: string, count: number): Promise<number> {
  const trail = new AuditTrail(new AuditStore(db), baseUrl);
  const chain = `Patient/bench-trail-${Date.now()}`;
  const pending = (i: number): PendingAuditEvent => {
    const event: AuditEvent = {
      resourceType: 'AuditEvent',
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      recorded: new Date().toISOString(),
      outcome: '0',
      agent: [{ requestor: true, altId: 'bench' }],
      source: { observer: { display: 'sharehub' } },
      entity: [{ what: { reference: chain }, role: { code: '1' } }, { what: { reference: `DocumentReference/bench-${i}` } }],
    };
    return { patient: chain, outcome: '0', event };
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => trail.write([pending(i)], 'bench')));
  return count / ((performance.now() - started) / 1000);
}

export function auditBurstSummary(f: AuditBurstFigures): string {
  return [
    `audit trail under a burst (${f.rounds} x ${f.requests} concurrent searches by one GP on one patient):`,
    `  audited:   ${f.auditedSeconds.toFixed(2)} s, ${f.events} events in ${f.batches} batches (${(f.events / Math.max(f.batches, 1)).toFixed(1)} events per batch), ${f.eventsPerSecond.toFixed(1)} events/s`,
    `  audit off: ${f.unauditedSeconds.toFixed(2)} s; audit-on/off ratio ${f.onOffRatio.toFixed(2)}`,
    `  failed requests: ${f.failed.audited} audited, ${f.failed.unaudited} unaudited`,
    `  trail alone: ${f.trailOnlyEventsPerSecond.toFixed(1)} events/s (${f.events} concurrent appends to one chain)`,
  ].join('\n');
}
