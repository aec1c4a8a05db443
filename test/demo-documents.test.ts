/**
 * The demo documents (fixtures/documents.json) as the network's users meet them through the API:
 * they load with the same access fields a publication would give them.
 */
import { consentFor, NETWORK_DATE, startNetworkHub, type NetworkHub } from './support/network';
import { MARIE } from './support/personas';

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});
afterEach(() => t.setNow(NETWORK_DATE));

const status = async (persona: string, url: string) => (await t.as(persona).get(`/fhir/${url}`)).status;

describe('demo documents', () => {
  it("Marie's current SUMEHR is her $summary, its entries seen as it is", async () => {
    const res = await t.as('gp-anna-peeters').get(`/fhir/Patient/${MARIE}/$summary`);
    expect(res.status).toBe(200);
    expect(res.body.entry[0].resource.id).toBe('sumehr-marie-2026-11-composition');
    const ids = res.body.entry.map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(ids).toEqual(
      expect.arrayContaining(['Condition/sumehr-marie-2026-11-problem-1', 'AllergyIntolerance/sumehr-marie-2026-11-allergy-1', 'Patient/patient-marie-dubois'])
    );
    expect(await status('nurse-els-goossens', 'Condition/sumehr-marie-2026-11-problem-1')).toBe(200);
    expect(await status('patient-marie-dubois', 'Condition/sumehr-marie-2026-11-problem-1')).toBe(200);
    expect(await status('gp-thomas-lambert', 'Condition/sumehr-marie-2026-11-problem-1')).toBe(404);
    expect(await status('gp-anna-peeters', 'DocumentReference/sumehr-marie-2026-05-document')).toBe(200);
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/sumehr-marie-2026-05-document')).body.status).toBe('superseded');
  });

  it("the lab result of 20 November reaches Marie on the 27th at 10:00, by Hôpital du Parc's default", async () => {
    expect(await status('patient-marie-dubois', 'DocumentReference/doc-marie-lab-2026-11')).toBe(404);
    t.setNow(new Date('2026-11-27T10:00:00Z'));
    expect(await status('patient-marie-dubois', 'DocumentReference/doc-marie-lab-2026-11')).toBe(200);
  });

  it('the radiology report waits for the attending physician, then reaches Marie', async () => {
    expect(await status('patient-marie-dubois', 'DocumentReference/doc-marie-radiology-report')).toBe(404);
    expect((await t.as('gp-anna-peeters').post('/fhir/DocumentReference/doc-marie-radiology-report/$release', {})).status).toBe(200);
    expect(await status('patient-marie-dubois', 'DocumentReference/doc-marie-radiology-report')).toBe(200);
  });

  it('restricted documents: R to author and GP, V to its author only, the restriction hides one from the nurse', async () => {
    expect(await status('gp-anna-peeters', 'DocumentReference/doc-marie-psychiatric-note')).toBe(200);
    expect(await status('physician-koen-wouters', 'DocumentReference/doc-marie-psychiatric-note')).toBe(200);
    expect(await status('nurse-els-goossens', 'DocumentReference/doc-marie-psychiatric-note')).toBe(404);
    const note = await t.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie-gp-note-v/$content');
    expect(note.status).toBe(200);
    expect(note.text).toContain('follow-up in two weeks');
    expect(await status('nurse-els-goossens', 'DocumentReference/doc-marie-gp-note-v/$content')).toBe(404);
    expect(await status('nurse-els-goossens', 'Binary/binary-marie-gp-note-v')).toBe(404);
    expect(await status('nurse-els-goossens', 'DocumentReference/doc-marie-lab-hidden-from-nurse')).toBe(404);
    expect(await status('gp-anna-peeters', 'DocumentReference/doc-marie-lab-hidden-from-nurse')).toBe(200);
  });

  it("a restriction on the SUMEHR's DocumentReference hides its Composition, entries and $summary too", async () => {
    const urls = [
      'DocumentReference/sumehr-marie-2026-11-document',
      'Composition/sumehr-marie-2026-11-composition',
      'Condition/sumehr-marie-2026-11-problem-1',
      `Patient/${MARIE}/$summary`,
    ];
    for (const url of urls) expect({ url, status: await status('nurse-els-goossens', url) }).toEqual({ url, status: 200 });
    const restriction = consentFor(MARIE, 'document-restriction', {
      actor: 'Practitioner/nurse-els-goossens',
      data: 'DocumentReference/sumehr-marie-2026-11-document',
    });
    expect((await t.as('patient-marie-dubois').post('/fhir/Consent', restriction)).status).toBe(201);
    for (const url of urls) {
      expect({ url, els: await status('nurse-els-goossens', url), anna: await status('gp-anna-peeters', url) }).toEqual({ url, els: 404, anna: 200 });
    }
  });

  it('withdrawing a SUMEHR takes its Composition and entries with it', async () => {
    expect((await t.as('gp-anna-peeters').post('/fhir/DocumentReference/sumehr-marie-2026-11-document/$request-deletion', {})).status).toBe(200);
    for (const url of [
      'DocumentReference/sumehr-marie-2026-11-document',
      'Composition/sumehr-marie-2026-11-composition',
      'Condition/sumehr-marie-2026-11-problem-1',
    ]) {
      expect({ url, anna: await status('gp-anna-peeters', url), marie: await status('patient-marie-dubois', url) }).toEqual({ url, anna: 404, marie: 404 });
    }
  });
});
