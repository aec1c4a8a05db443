/**
 * The trail keeps up with bursts (SPEC §7): concurrent requests on one patient are sealed and
 * appended together (group commit), gap-free and verifiable, also when two hub processes share
 * the database. The hub runs on a real port and the requests are real HTTP requests.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AuditEvent } from '@medplum/fhirtypes';
import { auditEventId } from '../../src/audit/audit-chain';
import { AuditTrail } from '../../src/audit/audit-trail';
import { verifyAuditTrail } from '../../src/audit/verify-trail';
import { AuditStore } from '../../src/store/audit-store';
import { documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE } from '../support/personas';
import { pendingEvent } from '../support/audit-trail';

jest.setTimeout(400_000);
const personas = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../fixtures/personas.json'), 'utf8')) as {
  personas: Record<string, { claims: Record<string, unknown> }>;
};

let net: NetworkHub;
let server: http.Server;
let base: string;
/** Calls of the trail's store write: one per batch. */
let auditWrites = 0;

beforeAll(async () => {
  net = await startNetworkHub({}, { faults: { beforeAuditWrite: () => void auditWrites++ } });
  await seed(net, documentFor(MARIE, { id: 'burst-doc', author: 'Practitioner/gp-anna-peeters' }));
  server = http.createServer(net.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await net.close();
});

const chainLength = async (chain: string) => net.database.db.collection('AuditEvent').countDocuments({ 'a:chain': chain });

describe('group commit of the audit trail', () => {
  it('200 concurrent searches of one patient: one event per successful request, fewer writes than events, the chain verifies', async () => {
    const chain = `Patient/${MARIE}`;
    const before = await chainLength(chain);
    const writesBefore = auditWrites;
    const token = net.token(personas.personas['gp-anna-peeters'].claims);
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const res = await fetch(`${base}/DocumentReference?patient=${MARIE}&status=current`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        return res.status;
      })
    );
    const succeeded = statuses.filter((s) => s === 200).length;
    expect(succeeded).toBe(200);
    expect((await chainLength(chain)) - before).toBe(succeeded);
    // Sealed together: at least one batch carried several requests' events (one write per event before).
    expect(auditWrites - writesBefore).toBeLessThan(succeeded);
    const report = await verifyAuditTrail(new AuditStore(net.database.db));
    expect(report.broken).toBeUndefined();
    // Gap-free: every position from 1 to the end holds an event.
    const seqs = (await net.database.db.collection('AuditEvent').find({ 'a:chain': chain }).project({ 'a:seq': 1 }).toArray())
      .map((d) => d['a:seq'] as number)
      .sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it('two hub processes appending to one chain at once never fork it: every event stored once, the chain verifies', async () => {
    const chain = 'Patient/two-writers';
    // Two trails with their own caches on one database: what two hub processes are to each other.
    const first = new AuditTrail(new AuditStore(net.database.db), net.config.baseUrl);
    const second = new AuditTrail(new AuditStore(net.database.db), net.config.baseUrl);
    const event = (writer: string, i: number) => pendingEvent(chain, `DocumentReference/${writer}-${i}`, writer);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [first.write([event('first', i), event('first', i + 100)], 'x'), second.write([event('second', i)], 'y')]).flat()
    );
    expect(await chainLength(chain)).toBe(60);
    const report = await verifyAuditTrail(new AuditStore(net.database.db));
    expect(report.broken).toBeUndefined();
    // Each event is in the chain exactly once, and one request's events stay in their order.
    const stored = await Promise.all(
      Array.from({ length: 60 }, (_, i) => net.database.db.collection('AuditEvent').findOne({ _id: auditEventId(chain, i + 1) as never }))
    );
    const what = stored.map((d) => ((d?.r as AuditEvent).entity ?? [])[1].what?.reference);
    expect(new Set(what).size).toBe(60);
    for (let i = 0; i < 20; i++) expect(what.indexOf(`DocumentReference/first-${i}`)).toBeLessThan(what.indexOf(`DocumentReference/first-${i + 100}`));
  });
});
