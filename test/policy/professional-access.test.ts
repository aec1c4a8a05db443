import { ALL_DOCUMENTS, ANY_DOCUMENT_STATUS, consentFor, documentFor, NETWORK_DATE, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, LUC, JAN, SOFIA } from '../support/personas';

let t: NetworkHub;

beforeAll(async () => {
  t = await startNetworkHub();
  await seed(t, documentFor(MARIE, { id: 'marie-lab', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
  await seed(t, documentFor(MARIE, { id: 'marie-consult', cls: 'consultation-note', loinc: '11488-4', author: 'Practitioner/physician-koen-wouters' }));
  await seed(t, documentFor(MARIE, { id: 'marie-restricted-r', cls: 'lab-result', label: 'R', author: 'Practitioner/physician-koen-wouters' }));
  await seed(t, documentFor(MARIE, { id: 'marie-very-restricted', cls: 'lab-result', label: 'V', author: 'Practitioner/physician-koen-wouters' }));
  await seed(t, documentFor(MARIE, { id: 'marie-by-thomas', cls: 'consultation-note', author: 'Practitioner/gp-thomas-lambert' }));
  await seed(t, documentFor(MARIE, { id: 'marie-entered-in-error', cls: 'lab-result' }));
  await seed(t, { ...documentFor(MARIE, { id: 'marie-eie', cls: 'lab-result' }), status: 'entered-in-error' });
  await seed(t, documentFor(LUC, { id: 'luc-lab', cls: 'lab-result' }));
  await seed(t, documentFor(LUC, { id: 'luc-by-sarah', cls: 'lab-result', author: 'Practitioner/physician-sarah-maes' }));
  await seed(t, documentFor(JAN, { id: 'jan-by-thomas', cls: 'lab-result', author: 'Practitioner/gp-thomas-lambert' }));
  await seed(t, documentFor(SOFIA, { id: 'sofia-medication', cls: 'medication', loinc: '10160-0' }));
  await seed(t, documentFor(SOFIA, { id: 'sofia-discharge', cls: 'discharge-letter', loinc: '18842-5' }));
});
afterAll(async () => {
  await t.close();
});

const visibleIds = async (persona: string, query: string): Promise<string[]> => {
  const res = await t.as(persona).get(`/fhir/${query}`);
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
};
/** Marie's documents in fixtures/documents.json, all visible to her GP. */
const MARIE_FIXTURE_DOCUMENTS = [
  'doc-marie-discharge-letter',
  'doc-marie-gp-note-v',
  'doc-marie-lab-2026-10',
  'doc-marie-lab-2026-11',
  'doc-marie-lab-hidden-from-nurse',
  'doc-marie-psychiatric-note',
  'doc-marie-radiology-report',
  'sumehr-marie-2026-05-document',
  'sumehr-marie-2026-11-document',
];
const readStatus = async (persona: string, url: string) => (await t.as(persona).get(`/fhir/${url}`)).status;

describe('rules 1-7 for professionals (SPEC §5)', () => {
  it("a GP with an active link sees the consented patient's documents, R included, V not, entered-in-error not", async () => {
    expect(await visibleIds('gp-anna-peeters', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toEqual(
      [
        // fixtures/documents.json: her psychiatric note R (GP link), her own V note, superseded SUMEHR included.
        ...MARIE_FIXTURE_DOCUMENTS,
        'marie-by-thomas',
        'marie-consult',
        'marie-entered-in-error',
        'marie-lab',
        'marie-restricted-r',
      ].sort()
    );
    expect(await readStatus('gp-anna-peeters', 'DocumentReference/marie-very-restricted')).toBe(404);
    expect(await readStatus('gp-anna-peeters', 'DocumentReference/marie-eie')).toBe(404);
    const count = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}&_summary=count`);
    expect(count.body.total).toBe(5 + MARIE_FIXTURE_DOCUMENTS.length);
  });

  it('rule 5: a nurse on a referral link sees lab results but not consultation notes; R needs the GP link', async () => {
    expect(await visibleIds('nurse-els-goossens', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toEqual(
      [
        // Fixtures: no psychiatric note, no consultation note, not the lab result Marie hid from her.
        'doc-marie-discharge-letter',
        'doc-marie-lab-2026-10',
        'doc-marie-lab-2026-11',
        'doc-marie-radiology-report',
        'marie-entered-in-error',
        'marie-lab',
        'sumehr-marie-2026-05-document',
        'sumehr-marie-2026-11-document',
      ].sort()
    );
    expect(await readStatus('nurse-els-goossens', 'DocumentReference/doc-marie-lab-hidden-from-nurse')).toBe(404);
    expect(await readStatus('nurse-els-goossens', 'DocumentReference/marie-consult')).toBe(404);
    expect(await readStatus('nurse-els-goossens', 'DocumentReference/marie-restricted-r')).toBe(404);
  });

  it('rule 5: a pharmacist sees medication, not discharge letters', async () => {
    // Fixtures: a lab result yes; the discharge letter and the radiology report no.
    expect(await visibleIds('pharmacist-ahmed-benali', `DocumentReference?patient=${SOFIA}&status=${ANY_DOCUMENT_STATUS}`)).toEqual([
      'doc-sofia-lab-never',
      'sofia-medication',
    ]);
  });

  it('rule 4: without a link only authored documents are visible; the author sees V', async () => {
    expect(await visibleIds('gp-thomas-lambert', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toEqual(['marie-by-thomas']);
    expect(await readStatus('physician-koen-wouters', 'DocumentReference/marie-very-restricted')).toBe(200);
    expect(await readStatus('physician-koen-wouters', 'DocumentReference/marie-lab')).toBe(200);
  });

  it('rule 4: an institution-wide admission link lets its practitioner in only when acting for it', async () => {
    expect(await visibleIds('physician-koen-wouters', `DocumentReference?patient=${SOFIA}&status=${ANY_DOCUMENT_STATUS}`)).toEqual([
      'doc-sofia-delayed-radiology',
      'doc-sofia-discharge-letter',
      'doc-sofia-lab-never',
      'sofia-discharge',
      'sofia-medication',
    ]);
    const claims = { sub: 'koen', role: 'practitioner', nihii: '14567816730', profession: 'physician', scope: 'user/*.cruds' };
    const withoutOrg = await t
      .as('physician-koen-wouters')
      .get(`/fhir/DocumentReference?patient=${SOFIA}&status=${ANY_DOCUMENT_STATUS}`)
      .set('Authorization', `Bearer ${t.token(claims)}`);
    // Only what he wrote himself (the fixtures' Zuid documents, rule 4 authorship), nothing through the link.
    expect(withoutOrg.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([
      'doc-sofia-delayed-radiology',
      'doc-sofia-discharge-letter',
      'doc-sofia-lab-never',
    ]);
    expect(withoutOrg.body.total).toBe(3);
  });

  it('rule 2: no document of a patient whose consent is revoked, not even for its author', async () => {
    expect(await readStatus('gp-thomas-lambert', 'DocumentReference/jan-by-thomas')).toBe(404);
    expect(await visibleIds('gp-thomas-lambert', `Patient?_id=${JAN}`)).toEqual([]);
  });

  it('rule 3: an exclusion hides everything, even what the excluded professional wrote', async () => {
    expect(await readStatus('physician-sarah-maes', 'DocumentReference/luc-by-sarah')).toBe(404);
    expect(await readStatus('physician-sarah-maes', 'DocumentReference/luc-lab')).toBe(404);
    expect(await readStatus('physician-sarah-maes', 'DocumentReference/doc-luc-lab')).toBe(404);
    expect(await visibleIds('gp-thomas-lambert', `DocumentReference?patient=${LUC}&status=${ANY_DOCUMENT_STATUS}`)).toEqual([
      'doc-luc-lab',
      'luc-by-sarah',
      'luc-lab',
      'sumehr-luc-2026-09-document',
    ]);
  });

  it('rule 3: an emergency link does not override an exclusion', async () => {
    await seed(t, {
      resourceType: 'CareTeam',
      id: 'emergency-sarah-luc',
      status: 'active',
      category: [{ coding: [{ system: 'https://sharehub.example/fhir/CodeSystem/link-type', code: 'emergency' }] }],
      subject: { reference: `Patient/${LUC}` },
      participant: [{ member: { reference: 'Practitioner/physician-sarah-maes' } }],
      period: { start: '2026-11-23T08:00:00Z', end: '2026-12-23T08:00:00Z' },
    });
    expect(await readStatus('physician-sarah-maes', 'DocumentReference/luc-lab')).toBe(404);
    expect(await visibleIds('physician-sarah-maes', `Patient?_id=${LUC}`)).toEqual([]);
  });

  it('rule 1: a junior doctor awaiting accreditation sees nothing but its own registry entry', async () => {
    expect(await visibleIds('junior-lisa-vermeulen', ALL_DOCUMENTS)).toEqual([]);
    // It follows its own registration (SPEC §6): its Practitioner entry only, no other professional.
    expect(await visibleIds('junior-lisa-vermeulen', 'Practitioner')).toEqual(['junior-lisa-vermeulen']);
    expect(await visibleIds('junior-lisa-vermeulen', `Patient?_id=${MARIE}`)).toEqual([]);
  });

  it('rule 5: a profession claim that the Practitioner does not hold gives nothing', async () => {
    const claims = { sub: 'els', role: 'practitioner', nihii: '45678981401', profession: 'physician', scope: 'user/*.cruds' };
    const res = await t
      .as('nurse-els-goossens')
      .get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)
      .set('Authorization', `Bearer ${t.token(claims)}`);
    expect(res.body.total).toBe(0);
  });

  it('rule 6: a document restriction hides a document from the named professional, or from all but its author', async () => {
    await seed(t, documentFor(MARIE, { id: 'marie-to-hide-from-anna', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, documentFor(MARIE, { id: 'marie-to-hide-from-all', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    expect(await readStatus('gp-anna-peeters', 'DocumentReference/marie-to-hide-from-anna')).toBe(200);
    await seed(t, restriction('restrict-anna', MARIE, 'marie-to-hide-from-anna', 'Practitioner/gp-anna-peeters'));
    await seed(t, restriction('restrict-all', MARIE, 'marie-to-hide-from-all'));
    expect(await readStatus('gp-anna-peeters', 'DocumentReference/marie-to-hide-from-anna')).toBe(404);
    expect(await readStatus('nurse-els-goossens', 'DocumentReference/marie-to-hide-from-anna')).toBe(200);
    expect(await readStatus('gp-anna-peeters', 'DocumentReference/marie-to-hide-from-all')).toBe(404);
    expect(await readStatus('nurse-els-goossens', 'DocumentReference/marie-to-hide-from-all')).toBe(404);
    expect(await readStatus('physician-koen-wouters', 'DocumentReference/marie-to-hide-from-all')).toBe(200);
  });

  it('rule 7: SMART scopes bound the policy; no scope, no data', async () => {
    const claims = { sub: 'anna', role: 'practitioner', nihii: '11234578003', profession: 'physician', scope: 'user/Patient.rs' };
    const narrowScope = await t
      .as('gp-anna-peeters')
      .get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)
      .set('Authorization', `Bearer ${t.token(claims)}`);
    expect(narrowScope.body.total).toBe(0);
    const { scope: _none, ...noScope } = claims;
    const res = await t
      .as('gp-anna-peeters')
      .get(`/fhir/Patient/${MARIE}`)
      .set('Authorization', `Bearer ${t.token(noScope)}`);
    expect(res.status).toBe(404);
  });
});

describe('time: links are judged at the request time', () => {
  it('a link that ended a second ago gives nothing; a second before its end it still works', async () => {
    t.setNow(new Date('2027-01-14T23:59:59.000Z'));
    expect(await readStatus('nurse-els-goossens', 'DocumentReference/marie-lab')).toBe(200);
    t.setNow(new Date('2027-01-15T00:00:00.001Z'));
    expect(await readStatus('nurse-els-goossens', 'DocumentReference/marie-lab')).toBe(404);
    t.setNow(NETWORK_DATE);
  });
});

describe('patients, consents and links for professionals', () => {
  it('finds a patient by exact SSIN without a link, but not by name', async () => {
    const bySsin = await t
      .as('gp-thomas-lambert')
      .get(`/fhir/Patient?identifier=https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin|84031212638`);
    expect(bySsin.body.total).toBe(1);
    expect(await visibleIds('gp-thomas-lambert', 'Patient?family=Dubois')).toEqual([]);
    expect(await visibleIds('gp-anna-peeters', 'Patient?family=Dubois')).toEqual(['patient-lucas-dubois', MARIE]);
  });

  it('never shows exclusions or restrictions to professionals, even linked ones', async () => {
    const kinds = (await t.as('gp-thomas-lambert').get(`/fhir/Consent?patient=${LUC}`)).body.entry.map(
      (e: { resource: { category: { coding: { code: string }[] }[] } }) => e.resource.category[0].coding[0].code
    );
    expect(kinds).toEqual(['hub-sharing']);
  });

  it("shows a linked professional all the patient's links, and each professional the links that name it", async () => {
    expect(await visibleIds('pharmacist-ahmed-benali', 'CareTeam')).toEqual(['link-sofia-rossi-ahmed-benali', 'link-sofia-rossi-ziekenhuis-zuid']);
    // Jan revoked his consent: Thomas still sees the (ended) link that names him, and nothing else of Jan.
    expect(await visibleIds('gp-thomas-lambert', `CareTeam?patient=${JAN}`)).toEqual(['link-jan-janssens-thomas-lambert']);
    expect(await visibleIds('gp-thomas-lambert', `Consent?patient=${JAN}`)).toEqual([]);
  });
});

describe('administrative roles read no clinical content', () => {
  it.each(['hub-admin', 'league-admin', 'hopital-du-parc-admin'])('%s sees the registry but no patient data', async (persona) => {
    expect(await readStatus(persona, 'DocumentReference/marie-lab')).toBe(404);
    expect(await readStatus(persona, `Patient/${MARIE}`)).toBe(404);
    expect(await readStatus(persona, 'Consent/consent-marie-dubois-hub-sharing')).toBe(404);
    expect(await readStatus(persona, 'Practitioner/gp-anna-peeters')).toBe(200);
  });
});

function restriction(id: string, patient: string, documentId: string, actor?: string) {
  return consentFor(patient, 'document-restriction', { id, actor, data: `DocumentReference/${documentId}` });
}
