import { careTeam, documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE } from '../support/personas';

let t: NetworkHub;

beforeAll(async () => {
  t = await startNetworkHub();
  await seed(t, documentFor(MARIE, { id: 'marie-doc', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
});
afterAll(async () => {
  await t.close();
});

// regression: a professional without a link could not create the first one with a patient found by SSIN; fixed by letting link rules reach the patient by SSIN.
it('a professional creates the first link with a patient found by SSIN, and then sees the record', async () => {
  expect((await t.as('gp-thomas-lambert').get('/fhir/DocumentReference/marie-doc')).status).toBe(404);
  const res = await t.as('gp-thomas-lambert').post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/gp-thomas-lambert', 'referral', { start: '2026-11-23' }));
  expect(res.status).toBe(201);
  // Omitted end: the type's maximum (3 months for a referral).
  expect(res.body.period.end.slice(0, 10)).toBe('2027-02-23');
  expect((await t.as('gp-thomas-lambert').get('/fhir/DocumentReference/marie-doc')).status).toBe(200);
  const missing = await t
    .as('gp-thomas-lambert')
    .post('/fhir/CareTeam', careTeam('no-such-patient', 'Practitioner/gp-thomas-lambert', 'referral', { start: '2026-11-23' }));
  // SPEC §4: an unknown patient is refused exactly like one without consent or one that excluded the caller.
  expect(missing.status).toBe(422);
  expect(missing.body.issue[0].details.text).toBe('This link cannot be created');
});

// regression: a patient could retype, retarget or extend a link; fixed by letting patients only end links.
it('a patient can end a link but not retype, retarget or extend it', async () => {
  const link = (await t.as('patient-marie-dubois').get('/fhir/CareTeam/link-marie-dubois-els-goossens')).body;
  const retyped = { ...link, category: [{ coding: [{ system: 'https://sharehub.example/fhir/CodeSystem/link-type', code: 'gmd' }] }] };
  expect((await t.as('patient-marie-dubois').put(`/fhir/CareTeam/${link.id}`, retyped)).status).toBe(422);
  const extended = { ...link, period: { ...link.period, end: '2036-01-01' } };
  expect((await t.as('patient-marie-dubois').put(`/fhir/CareTeam/${link.id}`, extended)).status).toBe(422);
  const ended = { ...link, status: 'inactive', period: { ...link.period, end: '2026-11-23T09:00:00Z' } };
  expect((await t.as('patient-marie-dubois').put(`/fhir/CareTeam/${link.id}`, ended)).status).toBe(200);
  expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/marie-doc')).status).toBe(404);
});

// regression: revoking consent left the links in force; fixed by ending them at revocation.
it('revoking consent ends the active links: re-consent does not revive them', async () => {
  const consent = (await t.as('patient-marie-dubois').get('/fhir/Consent/consent-marie-dubois-hub-sharing')).body;
  const revoked = { ...consent, status: 'inactive', provision: { ...consent.provision, period: { ...consent.provision.period, end: '2026-11-23T09:00:00Z' } } };
  expect((await t.as('patient-marie-dubois').put(`/fhir/Consent/${consent.id}`, revoked)).status).toBe(200);
  const anna = (await t.as('patient-marie-dubois').get('/fhir/CareTeam/link-marie-dubois-anna-peeters')).body;
  expect(anna.status).toBe('inactive');
  expect((await t.as('patient-marie-dubois').put(`/fhir/Consent/${consent.id}`, { ...consent, meta: undefined })).status).toBe(200);
  expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-doc')).status).toBe(404);
});
