import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { binaryFor, documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { SSIN as SSIN_SYSTEM } from '../../src/vocabulary';
import { MARIE, LUC } from '../support/personas';

/** Hidden data stays hidden through Binary contexts, history and Patient creation (SPEC §1, §5): each failed before its fix. */
let t: NetworkHub;

beforeAll(async () => {
  t = await startNetworkHub();
  await seed(t, documentFor(LUC, { id: 'luc-hidden-from-els', cls: 'lab-result' }));
});
afterAll(async () => {
  await t.close();
});

// regression: a Binary naming a hidden document was answered unlike one naming a missing document; fixed by answering both alike.
it('a Binary pointing at a hidden document answers exactly like one pointing at a missing document', async () => {
  const hidden = await t.as('nurse-els-goossens').post('/fhir/Binary', binaryFor('b-hidden', 'luc-hidden-from-els'));
  const missing = await t.as('nurse-els-goossens').post('/fhir/Binary', binaryFor('b-missing', 'no-such-document'));
  expect(hidden.status).toBe(missing.status);
  expect(hidden.body.issue[0].details.text).toBe(missing.body.issue[0].details.text);
  expect(JSON.stringify(hidden.body)).not.toContain(LUC);
});

// regression: history served versions filed under another patient or labelled V; fixed by judging every version.
it('history never serves a version filed under another patient, nor one labelled V, type-level included', async () => {
  await seed(t, { ...documentFor(LUC, { id: 'misfiled', cls: 'lab-result' }), description: 'LUC SECRET' });
  await seed(t, { ...documentFor(MARIE, { id: 'misfiled', cls: 'lab-result' }), description: 'corrected' });
  await seed(t, {
    ...documentFor(MARIE, { id: 'was-v', cls: 'lab-result', label: 'V', author: 'Practitioner/physician-koen-wouters' }),
    description: 'VERY SECRET',
  });
  await seed(t, {
    ...documentFor(MARIE, { id: 'was-v', cls: 'lab-result', label: 'N', author: 'Practitioner/physician-koen-wouters' }),
    description: 'now normal',
  });
  for (const persona of ['gp-anna-peeters', 'nurse-els-goossens']) {
    const agent = t.as(persona);
    expect((await agent.get('/fhir/DocumentReference/misfiled/_history/1')).status).toBe(404);
    expect((await agent.get('/fhir/DocumentReference/was-v/_history/1')).status).toBe(404);
    const texts = [
      JSON.stringify((await agent.get('/fhir/DocumentReference/misfiled/_history')).body),
      JSON.stringify((await agent.get('/fhir/DocumentReference/was-v/_history')).body),
      JSON.stringify((await agent.get('/fhir/DocumentReference/_history')).body),
    ].join();
    expect(texts).not.toContain('LUC SECRET');
    expect(texts).not.toContain('VERY SECRET');
    expect(texts).toContain('corrected');
  }
});

// regression: creating a Patient told a caller without the right whether an SSIN was registered; fixed by checking the right first.
it('creating a Patient does not tell a caller without the right whether an SSIN is registered', async () => {
  const patient = (value: string) => ({ resourceType: 'Patient', identifier: [{ system: SSIN_SYSTEM, value }] });
  for (const persona of ['patient-sofia-rossi', 'league-admin', 'junior-lisa-vermeulen']) {
    const existing = await t.as(persona).post('/fhir/Patient', patient('84031212638'));
    const fresh = await t.as(persona).post('/fhir/Patient', patient(makeSsin('1990-01-01', 18)));
    expect(existing.status).toBe(fresh.status);
  }
});
