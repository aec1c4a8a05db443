/**
 * Writes neither reveal nor take over what the caller may not touch (SPEC §1, §2, §5). Tests
 * marked `regression:` failed before their fix. A regression here deletes links, widens access or
 * ends consents, so each block runs on a hub of its own: one cannot hide or fake another.
 */
import supertest from 'supertest';
import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { careTeam, consentFor as consent, documentFor, NETWORK_DATE } from '../support/network';
import { MARIE, LUC, PIETER, SSIN_SYSTEM, NIHII_SYSTEM, NIHII, practitionerClaims, stored, ownHub } from '../support/seeded-hub';

describe('writes: hidden vs missing', () => {
  const hub = ownHub();

  // regression: PUT answered 409 on a hidden id and 201 on a missing one, an existence oracle for any id; fixed by answering hidden writes like missing ones.
  it('PUT to a hidden id answers exactly like PUT to a missing id (never 409)', async () => {
    const t = hub();
    const hidden = await t.as('gp-anna-peeters').put('/fhir/DocumentReference/w-marie-v', documentFor(MARIE, { id: 'w-marie-v', cls: 'lab-result' }));
    const missing = await t.as('gp-anna-peeters').put('/fhir/DocumentReference/w-no-such-doc', documentFor(MARIE, { id: 'w-no-such-doc', cls: 'lab-result' }));
    expect(hidden.status).not.toBe(409);
    expect(hidden.status).toBe(missing.status);
    const patientHidden = await t.as('gp-thomas-lambert').put(`/fhir/Patient/${PIETER}`, { resourceType: 'Patient', id: PIETER, name: [{ family: 'Probe' }] });
    const patientMissing = await t
      .as('gp-thomas-lambert')
      .put('/fhir/Patient/w-no-such-patient', { resourceType: 'Patient', id: 'w-no-such-patient', name: [{ family: 'Probe' }] });
    expect(patientHidden.status).not.toBe(409);
    expect(patientHidden.status).toBe(patientMissing.status);
  });

  it('other hidden-vs-missing write paths answer alike (PATCH, DELETE, If-Match, references)', async () => {
    const t = hub();
    const pair = async (make: (id: string) => PromiseLike<{ status: number; body: unknown }>, hiddenId: string, missingId: string) => {
      const h = await make(hiddenId);
      const m = await make(missingId);
      expect(h.status).toBe(m.status);
      return [h, m];
    };
    await pair((id) => t.as('nurse-els-goossens').delete(`/fhir/DocumentReference/${id}`), 'w-marie-v', 'w-missing');
    await pair(
      (id) =>
        t
          .as('nurse-els-goossens')
          .put(`/fhir/DocumentReference/${id}`, documentFor(MARIE, { id, cls: 'lab-result' }))
          .set('If-Match', 'W/"1"'),
      'w-marie-v',
      'w-missing'
    );
    const els = `Bearer ${t.token(practitionerClaims(NIHII.els, 'nurse'))}`;
    await pair(
      (id) =>
        supertest(t.app)
          .patch(`/fhir/DocumentReference/${id}`)
          .set('Authorization', els)
          .set('Content-Type', 'application/json-patch+json')
          .send([{ op: 'replace', path: '/description', value: 'x' }]),
      'w-marie-v',
      'w-missing'
    );
    // A write referencing a hidden resource vs a missing one: same status, same text (modulo the id).
    const referencing = (id: string) =>
      t.as('nurse-els-goossens').post('/fhir/DocumentReference', {
        ...documentFor(MARIE, { cls: 'lab-result' }),
        relatesTo: [{ code: 'appends', target: { reference: `DocumentReference/${id}` } }],
      });
    const [h, m] = await pair(referencing, 'w-marie-v', 'w-missing');
    expect(JSON.stringify(h.body).replace('w-marie-v', 'X')).toBe(JSON.stringify(m.body).replace('w-missing', 'X'));
    // Documents for a patient the practitioner cannot reach vs a missing patient.
    await pair((p) => t.as('nurse-els-goossens').post('/fhir/DocumentReference', documentFor(p, { cls: 'lab-result' })), LUC, 'w-missing-patient');
    // Patients write no clinical data, nor another patient's consent.
    expect((await t.as('patient-marie-dubois').post('/fhir/DocumentReference', documentFor(MARIE, {}))).status).toBe(403);
    const other = consent(MARIE, 'hub-sharing', { id: 'consent-marie-dubois-hub-sharing', status: 'inactive' });
    expect((await t.as('patient-sofia-rossi').put('/fhir/Consent/consent-marie-dubois-hub-sharing', other)).status).toBe(404);
    expect(await stored(t, 'DocumentReference', 'w-marie-v')).toBe(true);
  });

  // regression: a link attempt answered 404 where the patient had excluded the caller and 400 for other unseen patients; fixed by refusing them alike.
  it('an excluded professional cannot tell, from a link attempt, that the patient excluded them', async () => {
    const t = hub();
    const attempt = (patient: string) =>
      t
        .as('physician-sarah-maes')
        .post(
          '/fhir/CareTeam',
          careTeam(patient, 'Practitioner/physician-sarah-maes', 'emergency', { start: '2026-11-23T09:00:00Z', end: '2026-12-01T00:00:00Z' })
        );
    const excludedMe = await attempt(LUC);
    const notMine = await attempt(PIETER);
    expect(excludedMe.status).toBe(notMine.status);
  });

  // regression: a restriction naming its document by absolute reference hid nothing (rule 6 failed open); fixed by reading absolute references.
  it('a restriction written with an absolute reference still hides the document', async () => {
    const t = hub();
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/w-marie-abs')).status).toBe(200);
    const res = await t
      .as('patient-marie-dubois')
      .post(
        '/fhir/Consent',
        consent(MARIE, 'document-restriction', { actor: 'Practitioner/gp-anna-peeters', data: `${t.config.baseUrl}/DocumentReference/w-marie-abs` })
      );
    expect(res.status).toBe(201);
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/w-marie-abs')).status).toBe(404);
  });
});

// regression: links were not checked against SPEC §4 (any type, any length, for anyone, no end = for ever); fixed by the link rules.
describe('writes: therapeutic links follow SPEC §4', () => {
  const hub = ownHub();

  it('a nurse cannot give herself a 10-year GP link (422), nor read R documents through it', async () => {
    const t = hub();
    const res = await t
      .as('nurse-els-goossens')
      .post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/nurse-els-goossens', 'gp-long-term', { start: '2026-11-23', end: '2036-11-23' }));
    expect(res.status).toBe(422);
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/w-marie-r')).status).toBe(404);
  });

  it("a link without an end lasts its type's maximum, not for ever", async () => {
    const t = hub();
    // Anna refers Marie to the pharmacist with no end: a referral lasts 3 months at most.
    await t.as('gp-anna-peeters').post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/pharmacist-ahmed-benali', 'referral', { start: '2026-11-23' }));
    t.setNow(new Date('2028-11-23T00:00:00Z'));
    try {
      expect((await t.as('pharmacist-ahmed-benali').get('/fhir/DocumentReference/w-marie-lab-3')).status).toBe(404);
    } finally {
      t.setNow(NETWORK_DATE);
    }
  });

  it('no link can be created for a professional the patient excluded (422)', async () => {
    const t = hub();
    const res = await t
      .as('gp-thomas-lambert')
      .post('/fhir/CareTeam', careTeam(LUC, 'Practitioner/physician-sarah-maes', 'referral', { start: '2026-11-23', end: '2027-01-23' }));
    expect(res.status).toBe(422);
  });
});

// regression: a linked nurse added herself as author of someone else's document and kept it after her link ended; fixed by the write rules per role.
describe("writes: authorship is not the caller's to claim", () => {
  const hub = ownHub();
  it("a practitioner cannot make herself author of someone else's document to keep it after the link ends", async () => {
    const t = hub();
    const doc = (await t.as('nurse-els-goossens').get('/fhir/DocumentReference/w-marie-lab-2')).body;
    await t
      .as('nurse-els-goossens')
      .put('/fhir/DocumentReference/w-marie-lab-2', { ...doc, author: [...(doc.author ?? []), { reference: 'Practitioner/nurse-els-goossens' }] });
    t.setNow(new Date('2027-02-01T00:00:00Z'));
    try {
      expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/w-marie-lab-2')).status).toBe(404);
    } finally {
      t.setNow(NETWORK_DATE);
    }
  });
});

// regression: a linked practitioner wrote a grant naming itself; fixed by the write rules per role.
describe("writes: grants are the patient's to give", () => {
  const hub = ownHub();
  it('a practitioner cannot grant itself access that outlives its link', async () => {
    const t = hub();
    await t
      .as('nurse-els-goossens')
      .post('/fhir/Consent', consent(MARIE, 'grant', { actor: 'Practitioner/nurse-els-goossens', period: { start: '2026-11-23T00:00:00Z' } }));
    t.setNow(new Date('2027-06-01T00:00:00Z'));
    try {
      expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/w-marie-lab')).status).toBe(404);
    } finally {
      t.setNow(NETWORK_DATE);
    }
  });

  // Variant: a linked GP makes a RelatedPerson with any SSIN plus a grant to it; whoever logs in
  // with that SSIN (role patient) sees the patient's record, exclusions and restrictions included.
  it("a practitioner cannot make a stranger the patient's trusted person", async () => {
    const t = hub();
    const ssin = makeSsin('1991-02-03', 45);
    const person = await t.as('gp-anna-peeters').post('/fhir/RelatedPerson', {
      resourceType: 'RelatedPerson',
      active: true,
      patient: { reference: `Patient/${MARIE}` },
      identifier: [{ system: SSIN_SYSTEM, value: ssin }],
      name: [{ family: 'Stranger' }],
    });
    if (person.status === 201) {
      await t.as('gp-anna-peeters').post('/fhir/Consent', consent(MARIE, 'grant', { actor: `RelatedPerson/${person.body.id}` }));
    }
    const stranger = t.token({ sub: 'stranger-2', role: 'patient', ssin, scope: 'patient/*.rs' });
    const res = await t.as('patient-marie-dubois').get(`/fhir/Consent?patient=${MARIE}`).set('Authorization', `Bearer ${stranger}`);
    expect(res.body.total ?? 0).toBe(0);
  });
});

// regression: a linked practitioner rewrote or deleted a document it did not author; fixed by the write rules per role ($request-deletion by author or custodian).
describe("writes: other people's documents", () => {
  const hub = ownHub();
  it('a practitioner cannot delete or rewrite a document it did not author', async () => {
    const t = hub();
    const rewrite = await t.as('nurse-els-goossens').put('/fhir/DocumentReference/w-marie-lab', {
      ...documentFor(MARIE, { id: 'w-marie-lab', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }),
      description: 'rewritten by the nurse',
    });
    const del = await t.as('nurse-els-goossens').delete('/fhir/DocumentReference/w-marie-lab');
    expect((await t.as('physician-koen-wouters').get('/fhir/DocumentReference/w-marie-lab')).status).toBe(200);
    expect(rewrite.status).toBe(403);
    expect(del.status).toBe(403);
  });
});

// regression: a linked GP deleted a colleague's link and the patient's hub-sharing consent; fixed by the write rules per role.
describe('writes: links and consents are not deleted by professionals', () => {
  const hub = ownHub();
  it("a practitioner cannot delete a link or the patient's consent", async () => {
    const t = hub();
    const link = await t.as('gp-anna-peeters').delete('/fhir/CareTeam/link-marie-dubois-els-goossens');
    expect([403, 405]).toContain(link.status);
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/w-marie-lab-2')).status).toBe(200);
    const revoke = await t.as('gp-anna-peeters').delete('/fhir/Consent/consent-marie-dubois-hub-sharing');
    expect(revoke.status).toBe(403);
    expect((await t.as('patient-marie-dubois').get('/fhir/Consent/consent-marie-dubois-hub-sharing')).status).toBe(200);
  });
});

// regression: an exclusion naming the professional by NIHII identifier excluded no one (rule 3 failed open); fixed by matching consents by NIHII too.
describe('writes: exclusions by NIHII', () => {
  const hub = ownHub();
  it('an exclusion naming the professional by NIHII identifier excludes them', async () => {
    const t = hub();
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/w-marie-lab-2')).status).toBe(200);
    const res = await t
      .as('patient-marie-dubois')
      .post('/fhir/Consent', consent(MARIE, 'exclusion', { actor: { identifier: { system: NIHII_SYSTEM, value: NIHII.els } } }));
    expect(res.status).toBe(201);
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/w-marie-lab-2')).status).toBe(404);
  });
});
