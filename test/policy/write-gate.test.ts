/**
 * The write gate (SPEC §1, §4, §5 "Writes and operations", §6), over HTTP against the demo network
 * on a real database: who records what, which fields are the hub's, and no oracle through writes.
 * Tests marked `regression:` failed before the write side was decided by the policy (mayWrite,
 * mayOperate); a regression here widens access, so each block runs on a hub of its own.
 */
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { BTG, careTeam, consentFor, documentFor, NETWORK_DATE, personaClaims, seed, SH, LOINC, submissionSetEntry } from '../support/network';
import { LUC, MARIE, PIETER, SSIN, SSIN_SYSTEM, ownHub, stored } from '../support/seeded-hub';
import { LUCAS } from '../support/personas';

const onRequest = (patient: string) => ({ verification: [{ verified: true, verifiedWith: { reference: `Patient/${patient}` } }] });
const SUMEHR_DOC = 'DocumentReference/sumehr-marie-2026-11-document';
const SUMEHR_COMPOSITION = 'Composition/sumehr-marie-2026-11-composition';
const SUMEHR_CONDITION = 'Condition/sumehr-marie-2026-11-problem-1';
const daysFrom = (days: number) => new Date(NETWORK_DATE.getTime() + days * 86_400_000).toISOString();

describe("who records the patient's decisions (SPEC §4)", () => {
  const hub = ownHub();

  // regression: a nurse with a referral link recorded an exclusion of the patient's GP by claiming the patient had asked; fixed by the policy deciding every write (mayWrite, mayOperate).
  it("a nurse with a referral link records no exclusion of the patient's GP, whatever verification she claims", async () => {
    const t = hub();
    const exclusion = await t
      .as('nurse-els-goossens')
      .post('/fhir/Consent', { ...consentFor(MARIE, 'exclusion', { actor: 'Practitioner/gp-anna-peeters' }), ...onRequest(MARIE) });
    expect(exclusion.status).toBe(403);
    // The GP keeps her access and her link.
    expect((await t.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie-lab-2026-11')).status).toBe(200);
    expect((await t.as('gp-anna-peeters').get('/fhir/CareTeam/link-marie-dubois-anna-peeters')).body.status).toBe('active');
  });

  // regression: a professional recorded a grant, to itself or to a stranger; fixed by the policy deciding every write (mayWrite, mayOperate).
  it('no professional records a grant, to itself or to a stranger', async () => {
    const t = hub();
    for (const actor of ['Practitioner/nurse-els-goossens', 'Practitioner/gp-thomas-lambert']) {
      const grant = await t.as('nurse-els-goossens').post('/fhir/Consent', { ...consentFor(MARIE, 'grant', { actor }), ...onRequest(MARIE) });
      expect({ actor, status: grant.status }).toEqual({ actor, status: 403 });
    }
    expect((await t.as('gp-thomas-lambert').get('/fhir/DocumentReference/doc-marie-lab-2026-11')).status).toBe(404);
    // The patient's GP records none either.
    expect(
      (await t.as('gp-anna-peeters').post('/fhir/Consent', { ...consentFor(MARIE, 'grant', { actor: 'Practitioner/gp-thomas-lambert' }), ...onRequest(MARIE) }))
        .status
    ).toBe(403);
  });

  // regression: an exclusion carried the verification date the client sent; fixed by the hub dating it.
  it("the patient's own GP records an exclusion on request, dated by the hub (not by the client); the patient records a grant", async () => {
    const t = hub();
    const byGp = await t.as('gp-anna-peeters').post('/fhir/Consent', {
      ...consentFor(MARIE, 'exclusion', { actor: 'Practitioner/gp-thomas-lambert' }),
      verification: [{ verified: true, verifiedWith: { reference: `Patient/${MARIE}` }, verificationDate: '2020-01-01T00:00:00Z' }],
    });
    expect(byGp.status).toBe(201);
    expect(byGp.body.verification[0].verificationDate).toBe(NETWORK_DATE.toISOString());
    expect(
      (await t.as('patient-marie-dubois').post('/fhir/Consent', consentFor(MARIE, 'grant', { actor: 'Practitioner/pharmacist-ahmed-benali' }))).status
    ).toBe(201);
  });

  // regression: any linked professional recorded a restriction on a document it did not author; fixed by the policy deciding every write (mayWrite, mayOperate).
  it("a document restriction is recorded by the document's author only", async () => {
    const t = hub();
    const byOther = await t
      .as('gp-anna-peeters')
      .post('/fhir/Consent', { ...consentFor(MARIE, 'document-restriction', { data: 'DocumentReference/doc-marie-radiology-report' }), ...onRequest(MARIE) });
    expect(byOther.status).toBe(403);
    const byAuthor = await t
      .as('gp-anna-peeters')
      .post('/fhir/Consent', { ...consentFor(MARIE, 'document-restriction', { data: 'DocumentReference/doc-marie-gp-note-v' }), ...onRequest(MARIE) });
    expect(byAuthor.status).toBe(201);
  });
});

describe('the safe and the SUMEHR (SPEC §4)', () => {
  const hub = ownHub();

  // regression: a document pointing at another's SUMEHR or Binary withdrew it when withdrawn itself; fixed by the policy deciding every write (mayWrite, mayOperate).
  it("a document cannot point at another's SUMEHR or Binary in the safe, so withdrawing it withdraws nothing else", async () => {
    const t = hub();
    for (const url of [SUMEHR_COMPOSITION, 'Binary/binary-marie-gp-note-v']) {
      const doc = {
        ...documentFor(MARIE, { author: 'Practitioner/nurse-els-goossens', cls: 'summary', custodian: false }),
        content: [{ attachment: { url, contentType: 'application/fhir+json' } }],
      };
      const res = await t.as('nurse-els-goossens').post('/fhir/DocumentReference', doc);
      expect({ url, status: res.status }).toEqual({ url, status: 422 });
    }
    expect((await t.as('gp-anna-peeters').get(`/fhir/${SUMEHR_COMPOSITION}`)).body.status).toBe('final');
  });

  // Held for the scoped $request-deletion and $summary (request-scope.ts): another patient's SUMEHR never becomes a document's content.
  it("no write gives a document of one patient another patient's SUMEHR as content: create, PUT, PATCH, ITI-65, transaction", async () => {
    const t = hub();
    const anna = t.as('gp-anna-peeters');
    const auth = `Bearer ${t.token(personaClaims('gp-anna-peeters'))}`;
    // Anna reaches Marie and Lucas, so only the safe's rules stand between Lucas's document and Marie's SUMEHR.
    // Content in the safe: a GP acting for no institution names no custodian (custodian-claims.test.ts).
    const pointing = (extra: Record<string, unknown> = {}) => ({
      ...documentFor(LUCAS, { author: 'Practitioner/gp-anna-peeters', cls: 'summary', loinc: '60591-5', custodian: false }),
      content: [{ attachment: { url: SUMEHR_COMPOSITION, contentType: 'application/fhir+json' } }],
      ...extra,
    });
    const answers: Record<string, number> = {};
    answers.create = (await anna.post('/fhir/DocumentReference', pointing())).status;
    // Anna's own document of Lucas, its content a Binary of its own in the safe (ITI-65).
    const [ownSet, ownDoc, ownBinary] = [0, 1, 2].map(() => `urn:uuid:${randomUUID()}`);
    const provided = await anna.post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        submissionSetEntry(ownSet, LUCAS, 'Practitioner/gp-anna-peeters', [ownDoc]),
        {
          fullUrl: ownDoc,
          resource: {
            ...documentFor(LUCAS, { author: 'Practitioner/gp-anna-peeters', custodian: false }),
            content: [{ attachment: { url: ownBinary, contentType: 'text/plain' } }],
          },
          request: { method: 'POST', url: 'DocumentReference' },
        },
        {
          fullUrl: ownBinary,
          resource: { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from('note').toString('base64') },
          request: { method: 'POST', url: 'Binary' },
        },
      ],
    });
    expect(provided.status).toBe(200);
    const own = { body: { id: String(provided.body.entry[1].response.location).split('/')[1] } };
    answers.put = (await anna.put(`/fhir/DocumentReference/${own.body.id}`, pointing({ id: own.body.id }))).status;
    answers.patch = (
      await supertest(t.app)
        .patch(`/fhir/DocumentReference/${own.body.id}`)
        .set('Authorization', auth)
        .set('Content-Type', 'application/json-patch+json')
        .send([{ op: 'replace', path: '/content/0/attachment/url', value: SUMEHR_COMPOSITION }])
    ).status;
    const [setUrl, docUrl, compositionUrl] = [0, 1, 2].map(() => `urn:uuid:${randomUUID()}`);
    answers.iti65 = (
      await anna.post('/fhir', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          submissionSetEntry(setUrl, LUCAS, 'Practitioner/gp-anna-peeters', [docUrl]),
          { fullUrl: docUrl, resource: pointing(), request: { method: 'POST', url: 'DocumentReference' } },
        ],
      })
    ).status;
    // A SUMEHR of Marie's written in the same transaction as Lucas's document: SUMEHRs come only from $publish-sumehr.
    const sumehr = (await anna.get(`/fhir/${SUMEHR_COMPOSITION}`)).body;
    answers.transaction = (
      await anna.post('/fhir', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: compositionUrl, resource: { ...sumehr, id: undefined, meta: undefined }, request: { method: 'POST', url: 'Composition' } },
          {
            resource: { ...pointing(), content: [{ attachment: { url: compositionUrl, contentType: 'application/fhir+json' } }] },
            request: { method: 'POST', url: 'DocumentReference' },
          },
        ],
      })
    ).status;
    expect(answers).toEqual({ create: 422, put: 422, patch: 422, iti65: 422, transaction: 422 });
    const lucasDocuments = (await anna.get(`/fhir/DocumentReference?patient=${LUCAS}&status=current,superseded,entered-in-error`)).body;
    const contentUrls = (lucasDocuments.entry ?? []).flatMap((e: { resource: { content?: { attachment?: { url?: string } }[] } }) =>
      (e.resource.content ?? []).map((c) => c.attachment?.url)
    );
    expect(contentUrls.filter((url: string | undefined) => url?.startsWith('Composition/'))).toEqual([]);
  });

  // regression: another Composition listing a SUMEHR's entries changed who could read them; fixed by the policy deciding every write (mayWrite, mayOperate).
  it("another Composition may not list a SUMEHR's entries, and the entries keep their SUMEHR's access", async () => {
    const t = hub();
    const note = {
      resourceType: 'Composition',
      status: 'final',
      type: { coding: [{ system: LOINC, code: '34746-8', display: 'Nurse note' }] },
      subject: { reference: `Patient/${MARIE}` },
      date: '2026-11-22T10:00:00Z',
      author: [{ reference: 'Practitioner/nurse-els-goossens' }],
      title: 'Home visit',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] },
      section: [{ title: 'Problems', entry: [{ reference: SUMEHR_CONDITION }] }],
    };
    const res = await t.as('nurse-els-goossens').post('/fhir/Composition', note);
    expect(res.status).toBe(422);
    expect((await t.as('gp-anna-peeters').get(`/fhir/${SUMEHR_CONDITION}`)).status).toBe(200);
  });

  // regression: a SUMEHR's author rewrote its entries by plain writes; fixed by the policy deciding every write (mayWrite, mayOperate).
  it("a SUMEHR's entries are written only through $publish-sumehr, even by its author", async () => {
    const t = hub();
    const condition = (await t.as('gp-anna-peeters').get(`/fhir/${SUMEHR_CONDITION}`)).body;
    const res = await t.as('gp-anna-peeters').put(`/fhir/${SUMEHR_CONDITION}`, { ...condition, note: [{ text: 'rewritten' }] });
    expect(res.status).toBe(422);
    const composition = (await t.as('gp-anna-peeters').get(`/fhir/${SUMEHR_COMPOSITION}`)).body;
    expect((await t.as('gp-anna-peeters').put(`/fhir/${SUMEHR_COMPOSITION}`, { ...composition, title: 'rewritten' })).status).toBe(422);
    const plain = await t.as('gp-anna-peeters').post('/fhir/Composition', { ...composition, id: undefined, meta: undefined });
    expect(plain.status).toBe(422);
    expect(plain.body.issue[0].details.text).toContain('$publish-sumehr');
  });

  // regression: a label added to a SUMEHR's DocumentReference left its Composition and entries readable; fixed by the policy deciding every write (mayWrite, mayOperate).
  it("a label added to a SUMEHR's DocumentReference reaches its Composition and entries", async () => {
    const t = hub();
    expect((await t.as('nurse-els-goossens').get(`/fhir/${SUMEHR_COMPOSITION}`)).status).toBe(200);
    const doc = (await t.as('gp-anna-peeters').get(`/fhir/${SUMEHR_DOC}`)).body;
    const labelled = { ...doc, securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] }] };
    expect((await t.as('gp-anna-peeters').put(`/fhir/${SUMEHR_DOC}`, labelled)).status).toBe(200);
    for (const target of [SUMEHR_DOC, SUMEHR_COMPOSITION, SUMEHR_CONDITION]) {
      expect({ target, status: (await t.as('nurse-els-goossens').get(`/fhir/${target}`)).status }).toEqual({ target, status: 404 });
      expect({ target, status: (await t.as('gp-anna-peeters').get(`/fhir/${target}`)).status }).toEqual({ target, status: 200 });
    }
  });
});

describe('fields nobody changes, fields the hub owns (SPEC §4, §5)', () => {
  const hub = ownHub();

  // regression: a patient moved a consent the GP registered to a portal channel; fixed by the policy deciding every write (mayWrite, mayOperate).
  it('a patient cannot move a consent registered by the GP to a portal channel', async () => {
    const t = hub();
    const consent = (await t.as('patient-luc-martin').get('/fhir/Consent/consent-luc-martin-hub-sharing')).body;
    const moved = { ...consent, extension: [{ url: `${SH}/StructureDefinition/consent-channel`, valueCode: 'hub-website' }] };
    expect((await t.as('patient-luc-martin').put('/fhir/Consent/consent-luc-martin-hub-sharing', moved)).status).toBe(403);
    expect((await t.as('patient-luc-martin').get('/fhir/Consent/consent-luc-martin-hub-sharing')).body.extension).toEqual(consent.extension);
    const docs = await t.as('patient-luc-martin').get(`/fhir/DocumentReference?patient=${LUC}&status=current`);
    expect(docs.body.total ?? docs.body.entry?.length ?? 0).toBe(0);
  });

  // regression: a break-the-glass link started when the client said and its end could be moved later; fixed by the hub owning its period.
  it('break the glass starts now whatever the client says, and its end never moves later', async () => {
    const t = hub();
    const glass = await t.as('physician-sarah-maes').post('/fhir/CareTeam', {
      ...careTeam(MARIE, 'Practitioner/physician-sarah-maes', 'emergency', { start: daysFrom(-20) }),
      extension: [
        { url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-bypass' },
        { url: `${SH}/StructureDefinition/link-reason`, valueString: 'Unconscious' },
      ],
    });
    expect(glass.status).toBe(201);
    expect(Date.parse(glass.body.period.start)).toBe(NETWORK_DATE.getTime());
    // At most one month from the hub's start: 20 days back plus 25 ahead was 45 days of access.
    expect(Date.parse(glass.body.period.end)).toBeLessThanOrEqual(Date.parse(daysFrom(31)));
    const longer = await t
      .as('physician-sarah-maes')
      .put(`/fhir/CareTeam/${glass.body.id}`, { ...glass.body, period: { ...glass.body.period, end: daysFrom(40) } });
    expect(longer.status).toBe(422);
    const backdated = await t
      .as('physician-sarah-maes')
      .put(`/fhir/CareTeam/${glass.body.id}`, { ...glass.body, period: { ...glass.body.period, start: daysFrom(-20) } });
    expect(backdated.status).toBe(403);
    expect((await t.as('patient-marie-dubois').get(`/fhir/CareTeam/${glass.body.id}`)).body.period).toEqual(glass.body.period);
  });

  // regression: any link was renewed, by anyone, for any length; fixed by the policy deciding every write (mayWrite, mayOperate).
  it('only a GMD link is renewed, by its holder, up to 12 months from now', async () => {
    const t = hub();
    const gp = (await t.as('gp-anna-peeters').get('/fhir/CareTeam/link-marie-dubois-anna-peeters')).body;
    expect(
      (await t.as('gp-anna-peeters').put(`/fhir/${'CareTeam/link-marie-dubois-anna-peeters'}`, { ...gp, period: { ...gp.period, end: daysFrom(400) } })).status
    ).toBe(422);
    const gmd = (await t.as('gp-anna-peeters').get('/fhir/CareTeam/link-lucas-dubois-anna-peeters')).body;
    const renewed = await t
      .as('gp-anna-peeters')
      .put('/fhir/CareTeam/link-lucas-dubois-anna-peeters', { ...gmd, period: { ...gmd.period, end: daysFrom(360) } });
    expect(renewed.status).toBe(200);
    expect(renewed.body.period.start).toBe(gmd.period.start);
    expect(
      (
        await t
          .as('gp-anna-peeters')
          .put('/fhir/CareTeam/link-lucas-dubois-anna-peeters', { ...renewed.body, period: { ...renewed.body.period, end: daysFrom(400) } })
      ).status
    ).toBe(422);
  });

  // regression: break the glass was open to any physician, on no emergency or on-call duty; fixed by the policy deciding every write (mayWrite, mayOperate).
  it('break the glass needs an emergency or on-call duty', async () => {
    const t = hub();
    const glass = {
      ...careTeam(LUCAS, 'Practitioner/gp-anna-peeters', 'emergency', { start: NETWORK_DATE.toISOString() }),
      extension: [
        { url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-bypass' },
        { url: `${SH}/StructureDefinition/link-reason`, valueString: 'Seizure' },
      ],
    };
    const res = await t.as('gp-anna-peeters').post('/fhir/CareTeam', glass);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['CareTeam.category']);
  });

  // regression: a physician could not refer a patient to some registered professions (a midwife); fixed by the link rules naming every registered profession.
  it('a physician refers a patient to any registered profession (a midwife)', async () => {
    const t = hub();
    await seed(t, {
      resourceType: 'Practitioner',
      id: 'midwife-eva',
      active: true,
      identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional', value: '39999999004' }],
      qualification: [{ code: { coding: [{ system: `${SH}/CodeSystem/profession`, code: 'midwife' }] } }],
    });
    const referral = await t
      .as('gp-anna-peeters')
      .post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/midwife-eva', 'referral', { start: NETWORK_DATE.toISOString() }));
    expect(referral.status).toBe(201);
  });

  // regression: a client set the break-the-glass label or an on-physician-release date itself; fixed by the hub owning both fields.
  it("the break-the-glass label and an on-physician-release date are the hub's, not the client's", async () => {
    const t = hub();
    const doc = {
      ...documentFor(MARIE, {
        author: 'Practitioner/gp-anna-peeters',
        cls: 'lab-result',
        release: { rule: 'on-physician-release', date: '2026-11-01T00:00:00Z' },
      }),
      meta: { security: [BTG] },
    };
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', doc);
    expect(res.status).toBe(201);
    expect(res.body.meta.security ?? []).not.toContainEqual(expect.objectContaining(BTG));
    const rule = res.body.extension.find((e: { url: string }) => e.url.endsWith('/release-rule'));
    expect(rule.extension.map((e: { url: string }) => e.url)).toEqual(['rule']);
    expect((await t.as('patient-marie-dubois').get(`/fhir/DocumentReference/${res.body.id}`)).status).toBe(404);
  });

  // regression: a hub-admin named another requester on a Task and then decided it; fixed by the policy deciding every write (mayWrite, mayOperate).
  it("who filed a Task is the hub's: a hub-admin naming another requester still cannot decide it", async () => {
    const t = hub();
    const task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: `${SH}/CodeSystem/registration`, code: 'institution-membership' }] },
      for: { reference: 'Organization/org-clinique-des-etangs' },
      requester: { reference: 'Organization/org-clinique-des-etangs' },
      authoredOn: '2020-01-01T00:00:00Z',
    };
    const own = await t
      .admin()
      .post('/fhir/Task')
      .send({ ...task, for: { reference: 'Organization/org-brussels-gp-league' }, requester: { reference: 'Organization/org-brussels-gp-league' } });
    expect(own.status).toBe(201);
    expect(own.body.requester.identifier.value).toBe('admin-1');
    expect(own.body.authoredOn).toBe(NETWORK_DATE.toISOString());
    expect((await t.admin().post(`/fhir/Task/${own.body.id}/$approve`).send({})).status).toBe(403);
  });
});

describe('no oracle through writes (SPEC §1, §4)', () => {
  const hub = ownHub();

  // regression: registering a consent answered the excluded professional differently from anyone else; fixed by the policy deciding every write (mayWrite, mayOperate).
  it('registering a consent answers the excluded professional as it answers anyone', async () => {
    const t = hub();
    const register = (persona: string) => t.as(persona).post('/fhir/Consent', consentFor(LUC, 'hub-sharing', { channel: 'hospital' }));
    const excluded = await register('physician-sarah-maes');
    const other = await register('physician-koen-wouters');
    expect(excluded.status).toBe(other.status);
    expect(excluded.body.issue).toEqual(other.body.issue);
  });

  // regression: a link attempt told apart a patient who excluded the caller, one without consent and an unknown one; fixed by the policy deciding every write (mayWrite, mayOperate).
  it('a link for a patient that excluded the caller, one without consent and an unknown one are refused alike', async () => {
    const t = hub();
    const link = (patient: string) =>
      t
        .as('physician-sarah-maes')
        .post('/fhir/CareTeam', careTeam(patient, 'Practitioner/physician-sarah-maes', 'referral', { start: NETWORK_DATE.toISOString() }));
    const answers = await Promise.all([LUC, PIETER, 'no-such-patient'].map(link));
    for (const answer of answers) {
      expect(answer.status).toBe(422);
      expect(answer.body.issue).toEqual(answers[0].body.issue);
    }
    const admit = (patient: string) =>
      t.as('hopital-du-parc-admin').post('/fhir/CareTeam', {
        ...careTeam(patient, 'Organization/org-hopital-du-parc', 'hospital-stay', { start: NETWORK_DATE.toISOString() }),
        extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'hospital-admission' }],
      });
    const [noConsent, unknown] = [await admit(PIETER), await admit('no-such-patient')];
    expect(noConsent.status).toBe(422);
    expect(unknown.status).toBe(noConsent.status);
    expect(unknown.body.issue).toEqual(noConsent.body.issue);
    expect(await stored(t, 'CareTeam', 'no-such-patient')).toBe(false);
  });

  it('a Task naming a patient answers the excluded professional as for an unknown patient or one without consent', async () => {
    const t = hub();
    const file = (patient: string) =>
      t.as('physician-sarah-maes').post('/fhir/Task', {
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        code: { coding: [{ system: `${SH}/CodeSystem/registration`, code: 'practitioner-registration' }] },
        for: { reference: `Patient/${patient}` },
      });
    const answers = [await file(LUC), await file(PIETER), await file('no-such-patient')];
    for (const answer of answers) {
      expect(answer.status).toBe(answers[0].status);
      expect(answer.body.issue[0].details.text.replace(/Patient\/[\w-]+/, 'Patient/x')).toBe(
        answers[0].body.issue[0].details.text.replace(/Patient\/[\w-]+/, 'Patient/x')
      );
    }
  });

  it('"add patient" with the SSIN of a patient who excluded the caller answers 200 with that patient, as to anyone', async () => {
    const t = hub();
    const add = (persona: string) => t.as(persona).post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN_SYSTEM, value: SSIN.luc }] });
    const [excluded, other] = [await add('physician-sarah-maes'), await add('physician-koen-wouters')];
    expect([excluded.status, excluded.body.id]).toEqual([200, LUC]);
    expect([other.status, other.body.id]).toEqual([200, LUC]);
  });
});

describe('a parental grant ends at 16 (SPEC §4)', () => {
  const hub = ownHub();

  // regression: a parent kept reading the record of a child who had turned 16; fixed by the policy deciding every write (mayWrite, mayOperate).
  it('the parent no longer reads the record of a child who turned 16', async () => {
    const t = hub();
    const read = await t.as('patient-marie-dubois').get(`/fhir/Patient/${LUCAS}`);
    expect(read.status).toBe(200);
    const lucas = read.body;
    const [y, m, d] = lucas.birthDate.split('-').map(Number);
    t.setNow(new Date(Date.UTC(y + 16, m - 1, d, 12)));
    expect((await t.as('patient-marie-dubois').get(`/fhir/Patient/${LUCAS}`)).status).toBe(404);
    expect((await t.as('patient-marie-dubois').get(`/fhir/Consent?patient=${LUCAS}`)).body.total ?? 0).toBe(0);
  });
});
