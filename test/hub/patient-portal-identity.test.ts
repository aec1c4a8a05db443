import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, LUCAS, SSIN_SYSTEM, SSIN } from '../support/seeded-hub';

describe("identity: the SSIN is the key to a patient's portal", () => {
  let t: NetworkHub;
  const strangerSsin = makeSsin('1990-01-01', 123);
  beforeAll(async () => {
    t = await startNetworkHub();
    await seed(t, documentFor(LUCAS, { id: 'lucas-immediate', cls: 'lab-result', release: { rule: 'immediate' } }));
  });
  afterAll(async () => {
    await t.close();
  });

  // regression: a professional created a second Patient with someone's SSIN, locking the real patient out of their portal; fixed by one Patient per SSIN.
  it('a second Patient with an existing SSIN is refused, and the patient keeps their portal', async () => {
    const dup = await t
      .as('gp-thomas-lambert')
      .post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN_SYSTEM, value: SSIN.marie }], name: [{ family: 'Dubois' }] });
    expect((await t.as('patient-marie-dubois').get(`/fhir/Patient/${MARIE}`)).status).toBe(200);
    // "Add patient" with a registered SSIN answers the existing Patient (issue #5), never a second one.
    expect([200, 400, 409, 422]).toContain(dup.status);
    if (dup.status === 200) expect(dup.body.id).toBe(MARIE);
    const holders = await t.as('gp-thomas-lambert').get(`/fhir/Patient?identifier=${SSIN_SYSTEM}|${SSIN.marie}`);
    expect(holders.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([MARIE]);
  });

  // regression: a linked professional re-keyed a patient's SSIN, and whoever logged in with the new one read the record; fixed by the SSIN being a field nobody changes.
  it("a professional cannot hand a patient's portal to another SSIN", async () => {
    const lucas = (await t.as('gp-anna-peeters').get(`/fhir/Patient/${LUCAS}`)).body;
    expect(lucas.id).toBe(LUCAS);
    await t.as('gp-anna-peeters').put(`/fhir/Patient/${LUCAS}`, { ...lucas, identifier: [{ system: SSIN_SYSTEM, value: strangerSsin }] });
    const stranger = t.token({ sub: 'stranger', role: 'patient', ssin: strangerSsin, scope: 'patient/*.rs' });
    const res = await t.as('patient-marie-dubois').get('/fhir/DocumentReference/lucas-immediate').set('Authorization', `Bearer ${stranger}`);
    expect(res.status).toBe(404);
  });
});
