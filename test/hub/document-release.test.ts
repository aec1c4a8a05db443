/**
 * Release rules for patient access, `$release` and `$request-deletion` (SPEC §4). Time moves by
 * the injected clock only: a delayed document reaches the patient at its date with no job running.
 */
import { binaryFor, documentFor, NETWORK_DATE, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, SOFIA } from '../support/personas';

const DAY = 86_400_000;
const at = (days: number, extraMs = 0) => new Date(NETWORK_DATE.getTime() + days * DAY + extraMs);

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
  const koen = 'Practitioner/physician-koen-wouters';
  await seed(t, documentFor(MARIE, { id: 'rel-awaiting', author: koen, release: { rule: 'on-physician-release' } }));
  await seed(t, documentFor(MARIE, { id: 'rel-delayed', author: koen, release: { rule: 'delayed', date: at(3).toISOString() } }));
  await seed(t, documentFor(MARIE, { id: 'rel-never', author: koen, release: { rule: 'never' } }));
  // No rule of its own, custodian without a default for the class: 7 days after its date.
  await seed(
    t,
    documentFor(MARIE, {
      id: 'rel-default',
      cls: 'imaging-report',
      loinc: '18748-4',
      author: koen,
      custodian: 'Organization/org-ziekenhuis-zuid',
      date: at(-6).toISOString(),
    })
  );
  // Hôpital du Parc: lab results 7 days after their date (its release-default), whatever the hub default.
  await seed(t, documentFor(MARIE, { id: 'rel-parc-lab', cls: 'lab-result', author: koen, date: at(-5).toISOString() }));
  // A laboratory whose results wait for the attending physician by default.
  await seed(t, {
    resourceType: 'Organization',
    id: 'org-test-lab',
    active: true,
    name: 'Test laboratory',
    extension: [
      {
        url: 'https://sharehub.example/fhir/StructureDefinition/release-default',
        extension: [
          { url: 'class', valueCode: 'lab-result' },
          { url: 'rule', valueCode: 'on-physician-release' },
        ],
      },
    ],
  });
  await seed(t, documentFor(MARIE, { id: 'rel-lab-default', cls: 'lab-result', author: koen, custodian: 'Organization/org-test-lab' }));
  for (const id of ['del-by-author', 'del-with-binary']) await seed(t, documentFor(MARIE, { id, author: koen, release: { rule: 'immediate' } }));
  await seed(t, binaryFor('del-binary', 'del-with-binary'));
  await seed(t, documentFor(SOFIA, { id: 'del-by-custodian', author: 'Practitioner/gp-anna-peeters', custodian: 'Organization/org-ziekenhuis-zuid' }));
});
afterAll(async () => {
  await t.close();
});
afterEach(() => t.setNow(NETWORK_DATE));

const marieSees = async (id: string) => (await t.as('patient-marie-dubois').get(`/fhir/DocumentReference/${id}`)).status === 200;

describe('patient access by release rule, at request time', () => {
  it('a delayed document appears to the patient at its date, in reads and searches', async () => {
    expect(await marieSees('rel-delayed')).toBe(false);
    t.setNow(at(3, -1000));
    expect(await marieSees('rel-delayed')).toBe(false);
    t.setNow(at(3));
    expect(await marieSees('rel-delayed')).toBe(true);
    const search = await t.as('patient-marie-dubois').get(`/fhir/DocumentReference?patient=${MARIE}&status=current`);
    expect(search.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toContain('rel-delayed');
  });

  it('without a rule: the custodian default for the class, else 7 days after the document date', async () => {
    expect(await marieSees('rel-default')).toBe(false);
    t.setNow(at(1));
    expect(await marieSees('rel-default')).toBe(true);
    expect(await marieSees('rel-parc-lab')).toBe(false);
    t.setNow(at(2));
    expect(await marieSees('rel-parc-lab')).toBe(true);
  });

  it('never-released and physician-release documents stay hidden however time passes; professionals see them', async () => {
    t.setNow(at(3650));
    expect(await marieSees('rel-never')).toBe(false);
    expect(await marieSees('rel-awaiting')).toBe(false);
    expect(await marieSees('rel-lab-default')).toBe(false);
    t.setNow(NETWORK_DATE);
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/rel-never')).status).toBe(200);
  });
});

describe('$release', () => {
  it('the attending physician releases a document awaiting release: the patient sees it from then on', async () => {
    expect(await marieSees('rel-awaiting')).toBe(false);
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference/rel-awaiting/$release', {});
    expect(res.status).toBe(200);
    const rule = res.body.extension.find((e: { url: string }) => e.url.endsWith('/release-rule'));
    expect(rule.extension).toEqual([
      { url: 'rule', valueCode: 'on-physician-release' },
      { url: 'releaseDate', valueDateTime: NETWORK_DATE.toISOString() },
    ]);
    expect(await marieSees('rel-awaiting')).toBe(true);
    // Again: nothing changes.
    const again = await t.as('gp-anna-peeters').post('/fhir/DocumentReference/rel-awaiting/$release', {});
    expect(again.status).toBe(200);
    expect(again.body.meta.versionId).toBe(res.body.meta.versionId);
  });

  it("releases a document that awaits release by its custodian's default", async () => {
    expect((await t.as('gp-anna-peeters').post('/fhir/DocumentReference/rel-lab-default/$release', {})).status).toBe(200);
    expect(await marieSees('rel-lab-default')).toBe(true);
  });

  it('refuses a nurse (403), a physician without a link (404, as missing), and a document that does not await release (422)', async () => {
    expect((await t.as('nurse-els-goossens').post('/fhir/DocumentReference/rel-lab-default/$release', {})).status).toBe(403);
    expect((await t.as('gp-thomas-lambert').post('/fhir/DocumentReference/rel-never/$release', {})).status).toBe(404);
    expect((await t.as('gp-thomas-lambert').post('/fhir/DocumentReference/no-such-doc/$release', {})).status).toBe(404);
    // The author without a link is not attending.
    expect((await t.as('physician-koen-wouters').post('/fhir/DocumentReference/rel-never/$release', {})).status).toBe(403);
    const never = await t.as('gp-anna-peeters').post('/fhir/DocumentReference/rel-never/$release', {});
    expect(never.status).toBe(422);
    expect(never.body.issue[0].details.text).toBe('Only a document awaiting physician release can be released');
    expect(await marieSees('rel-never')).toBe(false);
    expect((await t.as('patient-marie-dubois').post('/fhir/DocumentReference/rel-never/$release', {})).status).toBe(404);
  });
});

describe('$request-deletion', () => {
  it('by its author: entered-in-error, invisible to everyone, every version kept', async () => {
    expect(await marieSees('del-by-author')).toBe(true);
    const res = await t.as('physician-koen-wouters').post('/fhir/DocumentReference/del-by-author/$request-deletion', {});
    expect(res.body.issue[0].details.text).toBe('The document is withdrawn from the hub');
    expect(res.status).toBe(200);
    for (const persona of ['physician-koen-wouters', 'gp-anna-peeters', 'nurse-els-goossens', 'patient-marie-dubois']) {
      expect({ persona, status: (await t.as(persona).get('/fhir/DocumentReference/del-by-author')).status }).toEqual({ persona, status: 404 });
      const search = await t.as(persona).get(`/fhir/DocumentReference?patient=${MARIE}&status=entered-in-error`);
      expect(search.body.total ?? search.body.entry?.length ?? 0).toBe(0);
    }
    const versions = await t.database.db.collection('History').find({ t: 'DocumentReference', id: 'del-by-author' }).sort({ v: 1 }).toArray();
    expect(versions.map((v) => (v.r as { status: string }).status)).toEqual(['current', 'entered-in-error']);
  });

  it("takes the document's Binary with it", async () => {
    expect((await t.as('gp-anna-peeters').get('/fhir/Binary/del-binary')).status).toBe(200);
    expect((await t.as('physician-koen-wouters').post('/fhir/DocumentReference/del-with-binary/$request-deletion', {})).status).toBe(200);
    expect((await t.as('gp-anna-peeters').get('/fhir/Binary/del-binary')).status).toBe(404);
    expect((await t.as('patient-marie-dubois').get('/fhir/Binary/del-binary')).status).toBe(404);
  });

  it('by a professional acting for the custodian institution', async () => {
    expect((await t.as('pharmacist-ahmed-benali').post('/fhir/DocumentReference/del-by-custodian/$request-deletion', {})).status).toBe(403);
    expect((await t.as('physician-koen-wouters').post('/fhir/DocumentReference/del-by-custodian/$request-deletion', {})).status).toBe(200);
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/del-by-custodian')).status).toBe(404);
  });

  it('refuses anyone else: 403 when they see it, 404 when they do not', async () => {
    expect((await t.as('gp-anna-peeters').post('/fhir/DocumentReference/rel-never/$request-deletion', {})).status).toBe(403);
    expect((await t.as('gp-thomas-lambert').post('/fhir/DocumentReference/rel-never/$request-deletion', {})).status).toBe(404);
    expect((await t.as('patient-marie-dubois').post('/fhir/DocumentReference/rel-delayed/$request-deletion', {})).status).toBe(404);
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/rel-never')).status).toBe(200);
  });
});
