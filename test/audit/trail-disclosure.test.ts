/**
 * What the audit trail discloses (SPEC §5, §7): who reads which events, what the trail itself
 * reveals, and accesses that must leave a trace. Tests marked `regression:` failed before their
 * fix; the others pin attempts that never got through.
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { startNetworkHub, type NetworkHub } from '../support/network';
import { SSIN, SSIN_SYSTEM } from '../support/seeded-hub';
import { countEvents, trailOf } from '../support/audit-trail';
import { MARIE } from '../support/personas';

let net: NetworkHub;
beforeAll(async () => {
  net = await startNetworkHub();
});
afterAll(() => net.close());

const ownTrail = async (persona: string) => (await net.as(persona).get('/fhir/AuditEvent?_summary=count')).body.total as number;

describe('what the trail tells a professional', () => {
  // regression: a search naming a missing patient left an event in the caller's trail and one naming an unreachable patient did not, telling which ids exist; fixed by auditing both as refused.
  it('a search naming an unreachable patient and one naming a missing patient leave the same trace in the caller trail', async () => {
    const search = (patient: string) => net.as('gp-thomas-lambert').get(`/fhir/DocumentReference?patient=${patient}&status=current`);
    const before = await ownTrail('gp-thomas-lambert');
    expect((await search(MARIE)).status).toBe(200);
    const afterHidden = await ownTrail('gp-thomas-lambert');
    const written = await countEvents(net);
    expect((await search('patient-nobody-here')).status).toBe(200);
    const afterMissing = await ownTrail('gp-thomas-lambert');
    expect(afterHidden - before).toBe(afterMissing - afterHidden);
    // The probe of a missing id is still recorded (for the hub-admin), as a refusal naming what was asked.
    expect((await countEvents(net)) - written).toBe(1);
    const all = (await net.admin().get('/fhir/AuditEvent?_count=1000')).body as Bundle;
    const probe = (all.entry ?? [])
      .map((e) => e.resource as AuditEvent)
      .find((e) => e.entity?.some((x) => x.what?.reference === 'Patient/patient-nobody-here'));
    expect(probe?.outcome).toBe('4');
  });

  it('a search that reaches the patient stays in the professional own trail', async () => {
    const before = await ownTrail('gp-anna-peeters');
    await net.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=${MARIE}&status=current`);
    expect((await ownTrail('gp-anna-peeters')) - before).toBe(1);
  });

  // regression: each patient's event carried the whole query, naming the other patients one search looked up; fixed by masking other people's SSINs in a patient's trail.
  it('a patient trail does not name the other patients one search looked up', async () => {
    const search = `Patient?identifier=${encodeURIComponent(`${SSIN_SYSTEM}|${SSIN.marie},${SSIN_SYSTEM}|${SSIN.luc}`)}`;
    const res = await net.as('gp-anna-peeters').get(`/fhir/${search}`);
    // Anna reaches Marie only: a list of SSINs is not an exact look-up, so Luc is not found (SPEC §5).
    expect(res.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([MARIE]);
    const mine = ((await net.as('patient-marie-dubois').get('/fhir/AuditEvent?_count=1000')).body as Bundle).entry?.map((e) => e.resource as AuditEvent) ?? [];
    const queries = mine.flatMap((e) => (e.entity ?? []).filter((x) => x.query).map((x) => Buffer.from(x.query as string, 'base64').toString()));
    expect(queries.some((q) => q.startsWith('Patient?'))).toBe(true);
    expect(queries.filter((q) => q.includes(SSIN.luc) || q.includes('patient-luc-martin'))).toEqual([]);
    expect(JSON.stringify(mine)).not.toContain(SSIN.luc);
  });

  it("professionals never read others' or refused events (read, vread, history, chains, _revinclude); patients only their records", async () => {
    const [event] = (await trailOf(net, MARIE)).filter((e) => e.agent[0].who?.reference === 'Practitioner/gp-anna-peeters');
    for (const url of [`/fhir/AuditEvent/${event.id}`, `/fhir/AuditEvent/${event.id}/_history`, `/fhir/AuditEvent/${event.id}/_history/1`]) {
      expect([url, (await net.as('gp-thomas-lambert').get(url)).status]).toEqual([url, 404]);
    }
    const chained = await net
      .as('gp-thomas-lambert')
      .get(`/fhir/AuditEvent?patient.identifier=${encodeURIComponent(`${SSIN_SYSTEM}|${SSIN.marie}`)}&_count=1000`);
    for (const e of (chained.body as Bundle).entry ?? []) expect((e.resource as AuditEvent).agent[0].who?.reference).toBe('Practitioner/gp-thomas-lambert');
    const revinclude = await net
      .as('gp-thomas-lambert')
      .get(`/fhir/Patient?identifier=${encodeURIComponent(`${SSIN_SYSTEM}|${SSIN.marie}`)}&_revinclude=AuditEvent:patient`);
    for (const e of (revinclude.body as Bundle).entry ?? []) {
      if (e.resource?.resourceType === 'AuditEvent') expect(e.resource.agent[0].who?.reference).toBe('Practitioner/gp-thomas-lambert');
    }
    expect((await net.as('patient-marie-dubois').get('/fhir/AuditEvent?entity=Patient/patient-luc-martin&_summary=count')).body.total).toBe(0);
    expect((await net.as('gp-anna-peeters').get('/fhir/Patient?_has:AuditEvent:patient:outcome=4')).status).toBe(400);
  });

  it('operations and batch entries that read a patient leave an event', async () => {
    let before = await countEvents(net);
    expect((await net.as('gp-anna-peeters').get(`/fhir/Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN_SYSTEM}|${SSIN.luc}`)}`)).status).toBe(
      200
    );
    expect((await countEvents(net)) - before).toBe(1);
    before = await countEvents(net);
    expect(
      (await net.as('gp-thomas-lambert').post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN_SYSTEM, value: SSIN.marie }] })).status
    ).toBe(200);
    expect((await countEvents(net)) - before).toBe(1);
    before = await countEvents(net);
    const batch = await net.as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `Patient/${MARIE}` } }, { request: { method: 'GET', url: `CareTeam?patient=${MARIE}` } }],
    });
    expect(batch.status).toBe(200);
    expect((await countEvents(net)) - before).toBe(2);
  });
});
