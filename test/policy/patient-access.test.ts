import { ALL_DOCUMENTS, ANY_DOCUMENT_STATUS, documentFor, NETWORK_DATE, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, LUCAS, SOFIA, LUC } from '../support/personas';

let t: NetworkHub;

beforeAll(async () => {
  t = await startNetworkHub();
  await seed(t, documentFor(MARIE, { id: 'marie-immediate', release: { rule: 'immediate' } }));
  await seed(t, documentFor(MARIE, { id: 'marie-delayed', release: { rule: 'delayed', date: '2026-12-01T00:00:00Z' } }));
  await seed(t, documentFor(MARIE, { id: 'marie-never', release: { rule: 'never' } }));
  await seed(t, documentFor(MARIE, { id: 'marie-awaiting-physician', release: { rule: 'on-physician-release' } }));
  await seed(t, documentFor(MARIE, { id: 'marie-released-by-physician', release: { rule: 'on-physician-release', date: '2026-11-21T08:00:00Z' } }));
  // No rule and no institution default: 7 days after the document's date.
  await seed(t, documentFor(MARIE, { id: 'marie-default-delay', date: '2026-11-20T10:00:00Z' }));
  // Hôpital du Parc delays its lab results 7 days by default (fixtures).
  await seed(t, {
    ...documentFor(MARIE, { id: 'marie-parc-lab', date: '2026-11-22T10:00:00Z' }),
    custodian: { reference: 'Organization/org-hopital-du-parc' },
  });
  await seed(t, documentFor(LUCAS, { id: 'lucas-immediate', release: { rule: 'immediate' } }));
  await seed(t, documentFor(SOFIA, { id: 'sofia-immediate', release: { rule: 'immediate' } }));
  await seed(t, documentFor(LUC, { id: 'luc-immediate', release: { rule: 'immediate' } }));
});
afterAll(async () => {
  await t.close();
});

/** Marie's documents in fixtures/documents.json released to her on the network's date (sorted). */
const MARIE_RELEASED_FIXTURES = [
  'doc-marie-discharge-letter',
  'doc-marie-lab-2026-10',
  'doc-marie-lab-hidden-from-nurse',
  'sumehr-marie-2026-05-document',
  'sumehr-marie-2026-11-document',
];
const ids = async (persona: string, query: string): Promise<string[]> => {
  const res = await t.as(persona).get(`/fhir/${query}`);
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
};

describe('release rules for patient access', () => {
  it('shows immediate and released documents now; delayed, never and unreleased ones not yet', async () => {
    expect(await ids('patient-marie-dubois', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toEqual(
      [...MARIE_RELEASED_FIXTURES, 'marie-immediate', 'marie-released-by-physician'].sort()
    );
    // Fixtures: delayed (Hôpital du Parc default), never released, awaiting physician release.
    for (const id of ['doc-marie-lab-2026-11', 'doc-marie-psychiatric-note', 'doc-marie-gp-note-v', 'doc-marie-radiology-report']) {
      expect({ id, status: (await t.as('patient-marie-dubois').get(`/fhir/DocumentReference/${id}`)).status }).toEqual({ id, status: 404 });
    }
    expect((await t.as('patient-marie-dubois').get('/fhir/DocumentReference/marie-delayed')).status).toBe(404);
  });

  it('shows delayed documents from their date, with no job running (clock moved, never slept)', async () => {
    t.setNow(new Date('2026-11-27T10:00:01Z'));
    expect(await ids('patient-marie-dubois', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toEqual(
      [
        ...MARIE_RELEASED_FIXTURES.slice(0, 2),
        'doc-marie-lab-2026-11',
        ...MARIE_RELEASED_FIXTURES.slice(2),
        'marie-default-delay',
        'marie-immediate',
        'marie-released-by-physician',
      ].sort()
    );
    t.setNow(new Date('2026-12-01T00:00:00Z'));
    expect(await ids('patient-marie-dubois', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toEqual(
      [
        ...MARIE_RELEASED_FIXTURES.slice(0, 2),
        'doc-marie-lab-2026-11',
        ...MARIE_RELEASED_FIXTURES.slice(2),
        'marie-default-delay',
        'marie-delayed',
        'marie-immediate',
        'marie-parc-lab',
        'marie-released-by-physician',
      ].sort()
    );
    t.setNow(new Date('2099-01-01T00:00:00Z'));
    const later = await ids('patient-marie-dubois', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`);
    expect(later).not.toContain('marie-never');
    expect(later).not.toContain('marie-awaiting-physician');
    expect(later).not.toContain('doc-marie-psychiatric-note');
    expect(later).not.toContain('doc-marie-radiology-report');
    t.setNow(NETWORK_DATE);
  });
});

describe('portal channel and grants', () => {
  it('a patient whose consent was registered by the GP sees no documents, but sees their consents and links', async () => {
    expect(await ids('patient-luc-martin', ALL_DOCUMENTS)).toEqual([]);
    expect(await ids('patient-luc-martin', 'Consent')).toEqual(['consent-luc-martin-exclusion-sarah-maes', 'consent-luc-martin-hub-sharing']);
    expect(await ids('patient-luc-martin', 'CareTeam')).toEqual(['link-luc-martin-thomas-lambert']);
  });

  it('a trusted person with a grant sees what the patient sees', async () => {
    expect(await ids('trusted-paolo-rossi', ALL_DOCUMENTS)).toEqual(['sofia-immediate']);
    expect(await ids('trusted-paolo-rossi', `Patient?_id=${SOFIA}`)).toEqual([SOFIA]);
  });

  it("a parent with a grant sees the child's record as well as their own", async () => {
    expect(await ids('patient-marie-dubois', `DocumentReference?patient=${LUCAS}&status=${ANY_DOCUMENT_STATUS}`)).toEqual(['lucas-immediate']);
    expect(await ids('patient-marie-dubois', 'Patient')).toEqual([LUCAS, MARIE]);
  });

  it("a patient never sees another patient's record", async () => {
    expect((await t.as('patient-sofia-rossi').get(`/fhir/DocumentReference/marie-immediate`)).status).toBe(404);
    expect((await t.as('patient-sofia-rossi').get(`/fhir/Patient/${MARIE}`)).status).toBe(404);
    expect(await ids('patient-sofia-rossi', `Consent?patient=${MARIE}`)).toEqual([]);
    expect(await ids('patient-pieter-claes', ALL_DOCUMENTS)).toEqual([]);
  });

  it('a patient cannot write clinical data', async () => {
    const res = await t.as('patient-marie-dubois').post('/fhir/DocumentReference', documentFor(MARIE, {}));
    expect(res.status).toBe(403);
  });
});

describe('revocation takes effect at once', () => {
  it('revoking consent stops professional and portal access in the same request', async () => {
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-immediate')).status).toBe(200);
    const consent = (await t.as('patient-marie-dubois').get('/fhir/Consent/consent-marie-dubois-hub-sharing')).body;
    const revoked = {
      ...consent,
      status: 'inactive',
      provision: { ...consent.provision, period: { ...consent.provision?.period, end: '2026-11-23T09:00:00Z' } },
    };
    const res = await t.as('patient-marie-dubois').put('/fhir/Consent/consent-marie-dubois-hub-sharing', revoked);
    expect(res.status).toBe(200);
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-immediate')).status).toBe(404);
    expect(await ids('patient-marie-dubois', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toEqual([]);
    // The patient still sees their own consents and links.
    expect(await ids('patient-marie-dubois', `Consent?patient=${MARIE}`)).toEqual([
      'consent-marie-dubois-hub-sharing',
      'consent-marie-dubois-restriction-lab-els',
    ]);
    // Re-consent restores the patient's portal; professionals need a new link (revocation ended theirs).
    const again = await t.as('patient-marie-dubois').put('/fhir/Consent/consent-marie-dubois-hub-sharing', consent);
    expect(again.status).toBe(200);
    expect(await ids('patient-marie-dubois', `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)).toContain('marie-immediate');
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-immediate')).status).toBe(404);
  });
});
