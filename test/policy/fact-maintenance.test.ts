import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { binaryFor, careTeam, consentFor, documentFor, NETWORK_DATE, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE } from '../support/personas';

/**
 * The facts a professional's request loads no longer read each linked patient's consents: the
 * patient's consent window rides on the links and grants, and a restriction without actor rides
 * on the documents it hides. These tests change those facts over HTTP (or by the clock) and check
 * that access follows at once, through the link path, the grant path and the author path.
 */
let t: NetworkHub;
const SSIN = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin';
const DAY = 86_400_000;
const at = (days: number) => new Date(NETWORK_DATE.getTime() + days * DAY);

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});
afterEach(() => t.setNow(NETWORK_DATE));

const status = async (persona: string, url: string) => (await t.as(persona).get(`/fhir/${url}`)).status;

/** A patient with a hub-sharing consent, a GP link to Anna and a document Anna did not write. */
async function linkedPatient(id: string, serial: number, consentPeriod: { start: string; end?: string }): Promise<void> {
  await seed(t, { resourceType: 'Patient', id, birthDate: '1970-01-01', identifier: [{ system: SSIN, value: makeSsin('1970-01-01', serial) }] });
  await seed(t, consentFor(id, 'hub-sharing', { id: `${id}-consent`, channel: 'gp', period: consentPeriod }));
  await seed(t, careTeam(id, 'Practitioner/gp-anna-peeters', 'gp-long-term', { start: at(-10).toISOString(), end: at(300).toISOString() }, `${id}-link`));
  await seed(t, documentFor(id, { id: `${id}-lab`, cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
}

describe('consent window on links and grants', () => {
  it('a consent that expires closes the link path at its end, while the link itself stays active', async () => {
    await linkedPatient('patient-expiring', 11, { start: at(-100).toISOString(), end: at(1).toISOString() });
    expect(await status('gp-anna-peeters', 'Patient/patient-expiring')).toBe(200);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-expiring-lab')).toBe(200);
    t.setNow(at(2));
    // Patient is reached only through a link with a consented patient: the link's own window decides.
    expect(await status('gp-anna-peeters', 'Patient/patient-expiring')).toBe(404);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-expiring-lab')).toBe(404);
    expect((await t.store.readFactById('CareTeam', 'patient-expiring-link'))?.r).toMatchObject({ status: 'active' });
  });

  it('a revocation closes the link path at once; the re-consent reopens a grant (links stay ended)', async () => {
    await linkedPatient('patient-revoking', 12, { start: at(-100).toISOString() });
    // A professional grant: Thomas has no link, the patient let him in.
    await seed(t, consentFor('patient-revoking', 'grant', { id: 'patient-revoking-grant-thomas', actor: 'Practitioner/gp-thomas-lambert' }));
    expect(await status('gp-anna-peeters', 'Patient/patient-revoking')).toBe(200);
    expect(await status('gp-thomas-lambert', 'Patient/patient-revoking')).toBe(200);
    expect(await status('gp-thomas-lambert', 'DocumentReference/patient-revoking-lab')).toBe(200);

    const consent = (await t.store.readFactById('Consent', 'patient-revoking-consent'))?.r as unknown as { resourceType: string; provision: object };
    const provision = consent.provision;
    await seed(t, { ...consent, status: 'inactive', provision: { ...provision, period: { start: at(-100).toISOString(), end: NETWORK_DATE.toISOString() } } });
    for (const persona of ['gp-anna-peeters', 'gp-thomas-lambert']) {
      expect(await status(persona, 'Patient/patient-revoking')).toBe(404);
      expect(await status(persona, 'DocumentReference/patient-revoking-lab')).toBe(404);
      expect(await status(persona, 'Consent/patient-revoking-consent')).toBe(404);
    }

    await seed(
      t,
      consentFor('patient-revoking', 'hub-sharing', { id: 'patient-revoking-consent-2', channel: 'gp', period: { start: NETWORK_DATE.toISOString() } })
    );
    // The grant was not ended by the revocation: it counts again with the new consent's window.
    expect(await status('gp-thomas-lambert', 'Patient/patient-revoking')).toBe(200);
    expect(await status('gp-thomas-lambert', 'DocumentReference/patient-revoking-lab')).toBe(200);
    // The revocation ended Anna's link (SPEC §4): she needs a new one.
    expect(await status('gp-anna-peeters', 'Patient/patient-revoking')).toBe(404);
  });
});

describe('restrictions without actor on the documents they hide', () => {
  const restrictionOf = (id: string, document: string, period?: { start?: string; end?: string }) =>
    consentFor(MARIE, 'document-restriction', { id, data: `DocumentReference/${document}`, ...(period ? { period } : {}) });

  it('the patient writes one: the document and its Binary are hidden from all but the author; ending it shows them again', async () => {
    // Released to Marie: a patient restricts only what she sees.
    await seed(
      t,
      documentFor(MARIE, { id: 'marie-safe-note', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters', release: { rule: 'immediate' } })
    );
    await seed(t, binaryFor('marie-safe-binary', 'marie-safe-note'));
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-safe-note')).toBe(200);
    expect(await status('gp-anna-peeters', 'Binary/marie-safe-binary')).toBe(200);

    const written = await t.as('patient-marie-dubois').post('/fhir/Consent', restrictionOf('ignored', 'marie-safe-note'));
    expect(written.status).toBe(201);
    for (const url of ['DocumentReference/marie-safe-note', 'Binary/marie-safe-binary']) {
      expect(await status('gp-anna-peeters', url)).toBe(404);
      expect(await status('nurse-els-goossens', url)).toBe(404);
      expect(await status('physician-koen-wouters', url)).toBe(200);
    }
    const search = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=${MARIE}&status=current&_id=marie-safe-note`);
    expect(search.body.total).toBe(0);

    const ended = await t.as('patient-marie-dubois').put(`/fhir/Consent/${written.body.id}`, { ...written.body, status: 'inactive' });
    expect(ended.status).toBe(200);
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-safe-note')).toBe(200);
    expect(await status('gp-anna-peeters', 'Binary/marie-safe-binary')).toBe(200);
  });

  it("a SUMEHR's restriction hides its Composition and entries too", async () => {
    expect(await status('nurse-els-goossens', 'Composition/sumehr-marie-2026-05-composition')).toBe(200);
    expect(await status('nurse-els-goossens', 'Condition/sumehr-marie-2026-05-problem-1')).toBe(200);
    const written = await t.as('patient-marie-dubois').post('/fhir/Consent', restrictionOf('ignored', 'sumehr-marie-2026-05-document'));
    expect(written.status).toBe(201);
    for (const url of [
      'DocumentReference/sumehr-marie-2026-05-document',
      'Composition/sumehr-marie-2026-05-composition',
      'Condition/sumehr-marie-2026-05-problem-1',
    ]) {
      expect(await status('nurse-els-goossens', url)).toBe(404);
      // Anna wrote that SUMEHR.
      expect(await status('gp-anna-peeters', url)).toBe(200);
    }
  });

  it('a restriction with a period hides the document during it only, judged at request time', async () => {
    await seed(t, documentFor(MARIE, { id: 'marie-hidden-a-while', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, documentFor(MARIE, { id: 'marie-hidden-later', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, restrictionOf('restrict-a-while', 'marie-hidden-a-while', { start: at(-1).toISOString(), end: at(1).toISOString() }));
    await seed(t, restrictionOf('restrict-later', 'marie-hidden-later', { start: at(5).toISOString() }));
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-hidden-a-while')).toBe(404);
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-hidden-later')).toBe(200);
    t.setNow(at(2));
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-hidden-a-while')).toBe(200);
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-hidden-later')).toBe(200);
    t.setNow(at(6));
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-hidden-later')).toBe(404);
    expect(await status('physician-koen-wouters', 'DocumentReference/marie-hidden-later')).toBe(200);
  });

  it('an update of a restricted document keeps it restricted', async () => {
    const doc = await seed(t, documentFor(MARIE, { id: 'marie-restricted-then-edited', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, restrictionOf('restrict-edited', 'marie-restricted-then-edited'));
    await seed(t, { ...doc, description: 'corrected by its author' });
    expect(await status('gp-anna-peeters', 'DocumentReference/marie-restricted-then-edited')).toBe(404);
    expect(await status('physician-koen-wouters', 'DocumentReference/marie-restricted-then-edited')).toBe(200);
  });
});

describe('facts for the one patient a request concerns', () => {
  const ids = async (persona: string, query: string): Promise<string[]> => {
    const res = await t.as(persona).get(`/fhir/${query}`);
    expect(res.status).toBe(200);
    return (res.body.entry ?? [])
      .map((e: { resource: { id: string; subject?: { reference?: string } } }) => e.resource)
      .filter((r: { subject?: { reference?: string } }) => r.subject?.reference === `Patient/${MARIE}`)
      .map((r: { id: string }) => r.id)
      .sort();
  };

  // Anna and Els are linked to Marie; Thomas is not; Koen reaches her documents as their author.
  it.each([
    ['gp-anna-peeters', true],
    ['nurse-els-goossens', true],
    ['gp-thomas-lambert', false],
    ['physician-koen-wouters', true],
  ])('%s: a search naming one patient (scoped facts) answers as one naming two (full facts), for that patient', async (persona, seesSome) => {
    const full = await ids(persona, `DocumentReference?patient=${MARIE},patient-luc-martin&status=current&_count=500`);
    expect(full.length > 0).toBe(seesSome);
    for (const named of [`patient=${MARIE}`, `patient=Patient/${MARIE}`, `subject=Patient/${MARIE}`]) {
      expect(await ids(persona, `DocumentReference?${named}&status=current&_count=500`)).toEqual(full);
    }
  });
});
