/**
 * Reads leak nothing the policy hides (SPEC §1, §2, §5): hidden and missing answer alike through
 * every read path (search, include, chains, history, batch, conditional writes). Tests marked
 * `regression:` failed before their fix; the others pin probes that never leaked. The transaction
 * tests delete or re-key data if they regress, so they run on a hub of their own.
 */
import {
  ALL_DOCUMENTS,
  ANY_DOCUMENT_STATUS,
  binaryFor,
  careTeam,
  consentFor as consent,
  documentFor,
  NETWORK_DATE,
  seed,
  SH,
  startNetworkHub,
  type NetworkHub,
} from '../support/network';
import { MARIE, LUC, SOFIA, PIETER, NIHII_SYSTEM, SSIN, NIHII, ssinOf, entryIds, practitionerClaims, stored } from '../support/seeded-hub';

describe('transactions: a create-by-update on a hidden id leaves the hidden resource as it is', () => {
  let t: NetworkHub;
  beforeAll(async () => {
    t = await startNetworkHub();
    await seed(t, documentFor(LUC, { id: 'rt-luc-by-sarah', cls: 'lab-result', author: 'Practitioner/physician-sarah-maes' }));
  });
  afterAll(async () => {
    await t.close();
  });

  // regression: a transaction PUT to a hidden Patient id rolled back by deleting that Patient; fixed by rolling back only the writes a commit applied.
  it('a transaction PUT to an invisible Patient id does not delete that Patient', async () => {
    expect(await stored(t, 'Patient', PIETER)).toBe(true);
    const res = await t.as('gp-thomas-lambert').post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', id: 'rt-new-patient-1', name: [{ family: 'Nieuw' }] },
          request: { method: 'PUT', url: 'Patient/rt-new-patient-1' },
        },
        { resource: { resourceType: 'Patient', id: PIETER, name: [{ family: 'Probe' }] }, request: { method: 'PUT', url: `Patient/${PIETER}` } },
      ],
    });
    expect(res.status).not.toBe(200);
    expect(await stored(t, 'Patient', PIETER)).toBe(true);
    expect((await t.as('patient-pieter-claes').get(`/fhir/Patient/${PIETER}`)).status).toBe(200);
  });

  // regression: a patient wiped another patient's exclusion the same way, reopening the record to the excluded professional; same fix.
  it("a patient cannot delete another patient's exclusion through a transaction", async () => {
    expect(await stored(t, 'Consent', 'consent-luc-martin-exclusion-sarah-maes')).toBe(true);
    const probe = (id: string) => ({
      resource: { ...consent(SOFIA, 'grant', { actor: 'RelatedPerson/relatedperson-paolo-rossi' }), id },
      request: { method: 'PUT', url: `Consent/${id}` },
    });
    await t.as('patient-sofia-rossi').post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [probe('rt-sofia-grant-1'), probe('consent-luc-martin-exclusion-sarah-maes')],
    });
    expect(await stored(t, 'Consent', 'consent-luc-martin-exclusion-sarah-maes')).toBe(true);
    expect((await t.as('patient-luc-martin').get('/fhir/Consent/consent-luc-martin-exclusion-sarah-maes')).status).toBe(200);
    expect((await t.as('physician-sarah-maes').get('/fhir/DocumentReference/rt-luc-by-sarah')).status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------
describe('reads: the policy as seen through search, include, chains, history', () => {
  let t: NetworkHub;
  beforeAll(async () => {
    t = await startNetworkHub();
    await seed(t, documentFor(MARIE, { id: 'marie-lab', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, documentFor(MARIE, { id: 'marie-v', cls: 'lab-result', label: 'V', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, documentFor(MARIE, { id: 'marie-r', cls: 'lab-result', label: 'R', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, { ...documentFor(MARIE, { id: 'marie-eie', cls: 'lab-result' }), status: 'entered-in-error' });
    await seed(t, documentFor(LUC, { id: 'luc-lab', cls: 'lab-result' }));
    await seed(t, documentFor(LUC, { id: 'luc-by-sarah', cls: 'lab-result', author: 'Practitioner/physician-sarah-maes' }));
    // Binaries in the safe, read under their DocumentReference's policy (SPEC §4).
    await seed(t, documentFor(MARIE, { id: 'marie-safe-restricted', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, binaryFor('bin-restricted', 'marie-safe-restricted'));
    await seed(
      t,
      consent(MARIE, 'document-restriction', { id: 'rt-restrict-anna', actor: 'Practitioner/gp-anna-peeters', data: 'DocumentReference/marie-safe-restricted' })
    );
    await seed(t, documentFor(MARIE, { id: 'marie-safe-withdrawn', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, binaryFor('bin-withdrawn', 'marie-safe-withdrawn'));
    await seed(t, {
      ...documentFor(MARIE, { id: 'marie-safe-withdrawn', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }),
      status: 'entered-in-error',
    });
    // A time-limited hub-sharing consent for Pieter, and a document of his written by Thomas.
    await seed(
      t,
      consent(PIETER, 'hub-sharing', { id: 'rt-pieter-consent', channel: 'gp', period: { start: '2026-01-01T00:00:00Z', end: '2026-12-01T00:00:00Z' } })
    );
    await seed(t, documentFor(PIETER, { id: 'pieter-by-thomas', cls: 'lab-result', author: 'Practitioner/gp-thomas-lambert' }));
    // A document first filed under Luc, then corrected to Marie.
    await seed(t, documentFor(LUC, { id: 'misfiled', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    await seed(t, documentFor(MARIE, { id: 'misfiled', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
    // Sarah's emergency link with Luc, who excluded her.
    await seed(
      t,
      careTeam(LUC, 'Practitioner/physician-sarah-maes', 'emergency', { start: '2026-11-23T08:00:00Z', end: '2026-12-23T08:00:00Z' }, 'rt-emergency-sarah-luc')
    );
  });
  afterAll(async () => {
    await t.close();
  });

  // regression: a restriction added after a Binary was written did not hide it (access fields copied at write); fixed by judging a Binary under its document.
  it("a document restriction also hides the document's Binary", async () => {
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-safe-restricted')).status).toBe(404);
    expect((await t.as('gp-anna-peeters').get('/fhir/Binary/bin-restricted')).status).toBe(404);
  });

  // regression: an entered-in-error document's Binary stayed readable; same fix.
  it('the Binary of an entered-in-error document is gone too', async () => {
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/marie-safe-withdrawn')).status).toBe(404);
    expect((await t.as('gp-anna-peeters').get('/fhir/Binary/bin-withdrawn')).status).toBe(404);
  });

  // regression: an author kept access after the patient's consent period ran out with no write; fixed by judging consent windows at request time.
  it("an author loses access when the patient's consent period has ended", async () => {
    expect((await t.as('gp-thomas-lambert').get('/fhir/DocumentReference/pieter-by-thomas')).status).toBe(200);
    t.setNow(new Date('2026-12-15T00:00:00Z'));
    try {
      expect((await t.as('gp-thomas-lambert').get('/fhir/DocumentReference/pieter-by-thomas')).status).toBe(404);
      expect((await t.as('gp-thomas-lambert').get(`/fhir/DocumentReference?patient=${PIETER}&status=${ANY_DOCUMENT_STATUS}&_summary=count`)).body.total).toBe(
        0
      );
    } finally {
      t.setNow(NETWORK_DATE);
    }
  });

  // Rule 3 on the link and author paths: dropping excludedBy from narrow.ts once made this fail.
  it('an excluded professional sees nothing of the patient, through an emergency link or authorship', async () => {
    expect((await t.as('physician-sarah-maes').get('/fhir/DocumentReference/luc-lab')).status).toBe(404);
    expect((await t.as('physician-sarah-maes').get('/fhir/DocumentReference/luc-by-sarah')).status).toBe(404);
    const count = await t.as('physician-sarah-maes').get(`/fhir/DocumentReference?patient=${LUC}&status=${ANY_DOCUMENT_STATUS}&_summary=count`);
    expect(count.body.total).toBe(0);
    expect((await t.as('physician-sarah-maes').get(`/fhir/Patient/${LUC}`)).status).toBe(404);
  });

  // regression: vread served a version filed under another patient (a corrected misfiling) to the new patient's GP; fixed by checking every version's patient.
  it('vread does not serve a version that belonged to a patient the caller cannot see', async () => {
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/misfiled')).status).toBe(200);
    const v1 = await t.as('gp-anna-peeters').get('/fhir/DocumentReference/misfiled/_history/1');
    expect(v1.status).toBe(404);
    const history = await t.as('gp-anna-peeters').get('/fhir/DocumentReference/misfiled/_history');
    const subjects = (history.body.entry ?? []).map((e: { resource?: { subject?: { reference?: string } } }) => e.resource?.subject?.reference);
    expect(subjects).not.toContain(`Patient/${LUC}`);
  });

  // regression: a guarantor token naming no existing Organization read the registry (SPEC §2); fixed by loading that organization with the facts.
  it('a guarantor token whose organization does not exist gets nothing', async () => {
    const ghost = t.token({ sub: 'ghost', role: 'guarantor', organization: '0999999999', scope: 'user/*.cruds' });
    const res = await t.as('league-admin').get('/fhir/Practitioner?_summary=count').set('Authorization', `Bearer ${ghost}`);
    expect(res.body.total ?? 0).toBe(0);
  });

  it('totals, _summary=count and paging count only what the caller sees', async () => {
    const all = await t.as('nurse-els-goossens').get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`);
    const visible = entryIds(all.body);
    expect(visible).not.toContain('DocumentReference/marie-v');
    expect(visible).not.toContain('DocumentReference/marie-r');
    expect(all.body.total).toBe(visible.length);
    const count = await t.as('nurse-els-goossens').get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}&_summary=count`);
    expect(count.body.total).toBe(visible.length);
    const paged = await t.as('nurse-els-goossens').get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}&_count=${visible.length}`);
    expect((paged.body.link ?? []).map((l: { relation: string }) => l.relation)).not.toContain('next');
    // Hidden vs missing ids in an _id list: same total.
    const ids = await t
      .as('nurse-els-goossens')
      .get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}&_id=marie-v,marie-eie,no-such-doc&_summary=count`);
    expect(ids.body.total).toBe(0);
  });

  it('_include / _revinclude (wildcard, iterate, targetType) add nothing hidden', async () => {
    const hidden = ['DocumentReference/marie-v', 'DocumentReference/marie-r', 'DocumentReference/marie-eie', 'Consent/rt-restrict-anna'];
    const queries = [
      `Patient?_id=${MARIE}&_revinclude=DocumentReference:subject&_revinclude=Consent:patient&_revinclude:iterate=DocumentReference:relatesto`,
      `Patient?_id=${MARIE}&_revinclude=*`,
      `DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}&_include=DocumentReference:subject:Patient&_include=*&_include:iterate=DocumentReference:relatesto`,
      `Patient?identifier=${ssinOf(SSIN.luc)}&_revinclude=DocumentReference:patient&_revinclude=Consent:patient&_revinclude=CareTeam:subject`,
      `Practitioner?_id=physician-sarah-maes&_revinclude=Consent:actor`,
      `CareTeam?_include=CareTeam:subject&_include=CareTeam:patient`,
    ];
    for (const q of queries) {
      const res = await t.as('nurse-els-goossens').get(`/fhir/${q}`);
      expect([200, 400]).toContain(res.status);
      for (const h of hidden) expect(entryIds(res.body)).not.toContain(h);
      expect(entryIds(res.body).filter((id) => id.startsWith('DocumentReference/luc') || id.startsWith('Consent/consent-luc'))).toEqual([]);
    }
    // Thomas (no link with Marie; ended link with Jan) through the exact-SSIN door and his own links.
    const thomas = await t
      .as('gp-thomas-lambert')
      .get(`/fhir/Patient?identifier=${ssinOf(SSIN.marie)}&_revinclude=DocumentReference:subject&_revinclude=Consent:patient&_revinclude=CareTeam:subject`);
    expect(entryIds(thomas.body)).toEqual([`Patient/${MARIE}`]);
    const ownLinks = await t.as('gp-thomas-lambert').get('/fhir/CareTeam?_include=CareTeam:subject&_include=CareTeam:patient');
    expect(entryIds(ownLinks.body)).not.toContain('Patient/patient-jan-janssens');
    // Luc's exclusion never reaches his GP, by revinclude on the excluded professional either.
    const excl = await t.as('gp-thomas-lambert').get('/fhir/Practitioner?_id=physician-sarah-maes&_revinclude=Consent:actor');
    expect(entryIds(excl.body)).toEqual(['Practitioner/physician-sarah-maes']);
  });

  it("chained parameters are evaluated under the caller's policy (no existence probe)", async () => {
    const count = async (persona: string, q: string) => (await t.as(persona).get(`/fhir/${q}&_summary=count`)).body.total;
    expect(await count('gp-thomas-lambert', `DocumentReference?patient.identifier=${ssinOf(SSIN.marie)}&status=${ANY_DOCUMENT_STATUS}`)).toBe(0);
    const typed = await t
      .as('gp-thomas-lambert')
      .get(`/fhir/DocumentReference?subject:Patient.identifier=${ssinOf(SSIN.marie)}&status=${ANY_DOCUMENT_STATUS}&_summary=count`);
    expect(typed.status === 400 || typed.body.total === 0).toBe(true);
    expect(await count('gp-thomas-lambert', `Consent?actor.identifier=${NIHII_SYSTEM}|${NIHII.sarah}`)).toBe(0);
    expect(await count('gp-thomas-lambert', `Consent?patient.identifier=${ssinOf(SSIN.marie)}`)).toBe(0);
    expect(await count('gp-thomas-lambert', `CareTeam?subject.identifier=${ssinOf(SSIN.marie)}`)).toBe(0);
    expect(await count('nurse-els-goossens', `DocumentReference?patient.identifier=${ssinOf(SSIN.luc)}&status=${ANY_DOCUMENT_STATUS}`)).toBe(0);
    // _has is refused, also under lenient handling and in odd casing.
    const has = await t.as('gp-thomas-lambert').get(`/fhir/Patient?_has:Consent:patient:category=${SH}/CodeSystem/consent-kind|exclusion`);
    expect(has.status).toBe(400);
    const lenient = await t
      .as('gp-thomas-lambert')
      .get(`/fhir/Patient?identifier=${ssinOf(SSIN.luc)}&_has:Consent:patient:category=exclusion`)
      .set('Prefer', 'handling=lenient');
    expect(lenient.status).toBe(400);
  });

  it('the exact-SSIN door opens only on the SSIN alone, and does not tell an excluded professional apart', async () => {
    const total = async (persona: string, q: string) => (await t.as(persona).get(`/fhir/${q}`)).body.total;
    expect(await total('gp-thomas-lambert', `Patient?identifier=${ssinOf(SSIN.marie)}`)).toBe(1);
    expect(await total('gp-thomas-lambert', `Patient?identifier=${ssinOf(SSIN.marie)}&family=Dubois`)).toBe(0);
    expect(await total('gp-thomas-lambert', `Patient?identifier=${ssinOf(SSIN.marie)},${ssinOf(SSIN.pieter)}`)).toBe(0);
    expect(await total('gp-thomas-lambert', `Patient?identifier=${SSIN.marie}`)).toBe(0);
    expect(await total('gp-thomas-lambert', `Patient?identifier:not=${ssinOf('00000000000')}`)).toBe(1); // only his own linked patient (Luc)
    expect(await total('gp-thomas-lambert', `Patient?_id=${MARIE},${PIETER}`)).toBe(0);
    // Sarah gets Luc by SSIN exactly as she gets any other patient: the exclusion is not revealed.
    expect(await total('physician-sarah-maes', `Patient?identifier=${ssinOf(SSIN.luc)}`)).toBe(1);
    expect(await total('physician-sarah-maes', `Patient?identifier=${ssinOf(SSIN.marie)}`)).toBe(1);
    // POST _search with form parameters behaves like GET.
    const form = await t
      .as('gp-thomas-lambert')
      .post('/fhir/Patient/_search', undefined)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`identifier=${encodeURIComponent(ssinOf(SSIN.marie))}&family=Dubois`);
    expect(form.status).toBe(200);
    expect(form.body.total).toBe(0);
    const formDocs = await t
      .as('gp-thomas-lambert')
      .post(`/fhir/DocumentReference/_search?patient=${MARIE}`, undefined)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`status=${encodeURIComponent(ANY_DOCUMENT_STATUS)}&_summary=count`);
    expect(formDocs.body.total).toBe(0);
  });

  it('_sort, _elements and _summary only reshape visible resources', async () => {
    const sorted = await t.as('nurse-els-goossens').get(`/fhir/${ALL_DOCUMENTS}&_sort=-date,security-label&_elements=securityLabel,author`);
    for (const h of ['DocumentReference/marie-v', 'DocumentReference/marie-r', 'DocumentReference/luc-lab']) expect(entryIds(sorted.body)).not.toContain(h);
    const summary = await t.as('nurse-els-goossens').get(`/fhir/Consent?_summary=true&patient=${MARIE}`);
    expect(entryIds(summary.body)).not.toContain('Consent/rt-restrict-anna');
  });

  it('read, vread, _history of hidden and missing resources answer alike', async () => {
    const answers = async (url: string) => {
      const res = await t.as('nurse-els-goossens').get(url);
      return { status: res.status, body: JSON.stringify(res.body) };
    };
    for (const suffix of ['', '/_history', '/_history/1']) {
      const hidden = await answers(`/fhir/DocumentReference/marie-v${suffix}`);
      const missing = await answers(`/fhir/DocumentReference/no-such-doc${suffix}`);
      expect(hidden).toEqual(missing);
      expect(hidden.status).toBe(404);
    }
    const typeHistory = await t.as('nurse-els-goossens').get('/fhir/DocumentReference/_history');
    expect(typeHistory.status).toBe(200);
    const ids = new Set(entryIds(typeHistory.body));
    for (const h of ['marie-v', 'marie-r', 'marie-eie', 'marie-safe-withdrawn', 'luc-lab', 'luc-by-sarah', 'pieter-by-thomas']) {
      expect(ids).not.toContain(`DocumentReference/${h}`);
    }
    // Administrative roles: no clinical history, no Consent history.
    const admin = await t.as('hub-admin').get('/fhir/DocumentReference/_history');
    expect(admin.body.entry ?? []).toEqual([]);
    const adminConsents = await t.as('hopital-du-parc-admin').get('/fhir/Consent/_history');
    expect(adminConsents.body.entry ?? []).toEqual([]);
  });

  it('batch entries answer hidden and missing alike', async () => {
    const res = await t.as('nurse-els-goossens').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'DocumentReference/marie-v' } },
        { request: { method: 'GET', url: 'DocumentReference/no-such-doc' } },
        { request: { method: 'GET', url: `DocumentReference?patient=${LUC}&status=${ANY_DOCUMENT_STATUS}&_summary=count` } },
        { request: { method: 'GET', url: 'DocumentReference/marie-lab' } },
      ],
    });
    expect(res.status).toBe(200);
    const [hidden, missing, count, visible] = res.body.entry;
    expect(hidden.response.status).toBe(missing.response.status);
    expect(JSON.stringify(hidden.response.outcome)).toBe(JSON.stringify(missing.response.outcome));
    expect(count.resource.total).toBe(0);
    expect(visible.response.status).toMatch(/^200/);
  });

  it('conditional create / update / delete do not probe hidden data', async () => {
    // Conditional delete on a hidden match: nothing deleted, same answer as no match.
    const hidden = await t.as('nurse-els-goossens').delete('/fhir/DocumentReference?_id=marie-v');
    const missing = await t.as('nurse-els-goossens').delete('/fhir/DocumentReference?_id=no-such-doc');
    expect(hidden.status).toBe(missing.status);
    expect(await stored(t, 'DocumentReference', 'marie-v')).toBe(true);
    // If-None-Exist on a hidden match answers like no match (it creates).
    const ifNone = (id: string) =>
      t
        .as('nurse-els-goossens')
        .post('/fhir/DocumentReference', documentFor(MARIE, { cls: 'lab-result', author: 'Practitioner/nurse-els-goossens' }))
        .set('If-None-Exist', `_id=${id}`);
    const a = await ifNone('marie-v');
    const b = await ifNone('no-such-doc-2');
    expect(a.status).toBe(b.status);
    expect(a.body.id).not.toBe('marie-v');
  });

  it('case variations in types and parameters do not bypass anything', async () => {
    expect((await t.as('nurse-els-goossens').get('/fhir/documentreference/marie-v')).status).toBe(404);
    expect((await t.as('nurse-els-goossens').get('/fhir/DOCUMENTREFERENCE?patient=' + MARIE)).status).toBe(404);
    expect((await t.as('nurse-els-goossens').get(`/fhir/DocumentReference?patient=${LUC}&status=current&Patient=${LUC}`)).status).toBe(400);
    expect((await t.as('nurse-els-goossens').get(`/fhir?_type=DocumentReference`)).status).toBe(404);
  });

  it('tokens that name no one get nothing; a hub token from the user issuer is refused (peers sign their own, SPEC §11)', async () => {
    const nobody = t.token(practitionerClaims('99999999999', 'physician'));
    expect(
      (
        await t
          .as('gp-anna-peeters')
          .get(`/fhir/Patient?identifier=${ssinOf(SSIN.marie)}`)
          .set('Authorization', `Bearer ${nobody}`)
      ).body.total
    ).toBe(0);
    expect(
      (
        await t
          .as('gp-anna-peeters')
          .post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'X' }] })
          .set('Authorization', `Bearer ${nobody}`)
      ).status
    ).toBe(403);
    // A hub's view of a professional is decided on the metahub's national facts (test/federation); a
    // `hub` token minted by the user issuer would let anyone holding that issuer's key speak for anyone.
    const hubFor = (act: Record<string, unknown>) => t.token({ sub: 'peer-hub', role: 'hub', hub_id: 'peer-1', scope: 'system/*.rs', act });
    const forAnna = hubFor({ sub: 'anna', role: 'practitioner', nihii: NIHII.anna, profession: 'physician' });
    const forPatient = hubFor({ sub: 'marie', role: 'patient', ssin: SSIN.marie });
    for (const token of [forAnna, forPatient]) {
      const res = await t
        .as('gp-anna-peeters')
        .get(`/fhir/DocumentReference?patient=${MARIE}&status=${ANY_DOCUMENT_STATUS}`)
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it("patients see their own exclusions and restrictions, professionals never; no patient sees another's record", async () => {
    expect(entryIds((await t.as('patient-marie-dubois').get('/fhir/Consent?patient=' + MARIE)).body)).toContain('Consent/rt-restrict-anna');
    expect(entryIds((await t.as('gp-anna-peeters').get('/fhir/Consent?patient=' + MARIE)).body)).not.toContain('Consent/rt-restrict-anna');
    expect(entryIds((await t.as('trusted-paolo-rossi').get('/fhir/Consent')).body).every((id) => id.startsWith('Consent/consent-sofia'))).toBe(true);
    expect((await t.as('patient-sofia-rossi').get('/fhir/DocumentReference/marie-lab')).status).toBe(404);
    expect((await t.as('patient-sofia-rossi').get(`/fhir/Consent?patient.identifier=${ssinOf(SSIN.marie)}&_summary=count`)).body.total).toBe(0);
    expect((await t.as('patient-luc-martin').get('/fhir/Binary/bin-restricted')).status).toBe(404);
  });
});
