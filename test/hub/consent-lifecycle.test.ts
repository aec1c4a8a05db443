import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { careTeam, consentFor, documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { SSIN } from '../../src/vocabulary';
import { MARIE, LUCAS, PIETER, SSINS } from '../support/personas';

/** SPEC §4 patients and consents: add patient, consent status, one active consent, revocation, minors, exclusions, grants. */
let t: NetworkHub;
const PATIENT_SCOPE = 'patient/*.rs patient/Consent.cu patient/CareTeam.u patient/RelatedPerson.cu';

const status = async (persona: string, ssin: string) => t.as(persona).get(`/fhir/Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN}|${ssin}`)}`);
const statusOf = (res: { body: { parameter?: { name: string; valueCode?: string }[] } }) => res.body.parameter?.find((p) => p.name === 'status')?.valueCode;
/** Consents of a patient, as the patient (who sees all of them) counts them. */
async function consentsOf(persona: string, patient: string, kind?: string): Promise<{ id: string; status: string }[]> {
  const res = await t
    .as(persona)
    .get(`/fhir/Consent?patient=${patient}${kind ? `&category=https://sharehub.example/fhir/CodeSystem/consent-kind|${kind}` : ''}`);
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e: { resource: { id: string; status: string } }) => e.resource);
}
const patientToken = (ssin: string) => `Bearer ${t.token({ sub: `p-${ssin}`, role: 'patient', ssin, scope: PATIENT_SCOPE })}`;
const onRequest = (patient: string) => ({ verification: [{ verified: true, verifiedWith: { reference: `Patient/${patient}` } }] });

beforeAll(async () => {
  t = await startNetworkHub();
  await seed(t, documentFor(MARIE, { id: 'marie-lab', cls: 'lab-result' }));
});
afterAll(async () => {
  await t.close();
});

describe('add patient', () => {
  it('adding a registered SSIN returns the existing Patient (200); a new one is created once', async () => {
    const existing = await t
      .as('gp-anna-peeters')
      .post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: SSINS.marie }], name: [{ family: 'Other' }] });
    expect(existing.status).toBe(200);
    expect(existing.body.id).toBe(MARIE);
    expect(existing.body.name[0].family).toBe('Dubois');
    const ssin = makeSsin('1979-02-14', 41);
    const added = await t
      .as('gp-thomas-lambert')
      .post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: ssin }], name: [{ family: 'Nouveau' }] });
    expect(added.status).toBe(201);
    const again = await t.as('gp-anna-peeters').post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: ssin }] });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(added.body.id);
    const holders = await t.as('gp-anna-peeters').get(`/fhir/Patient?identifier=${SSIN}|${ssin}`);
    expect(holders.body.entry).toHaveLength(1);
  });

  it('an invalid SSIN is a 400; a patient or an administrator may not add patients; nothing is stored', async () => {
    const bad = await t.as('gp-anna-peeters').post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: '12345678901' }] });
    expect(bad.status).toBe(400);
    const fresh = makeSsin('1988-08-08', 88);
    expect((await t.as('patient-marie-dubois').post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: fresh }] })).status).toBe(
      403
    );
    expect((await t.as('hub-admin').post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: fresh }] })).status).toBe(403);
    expect((await t.as('gp-anna-peeters').get(`/fhir/Patient?identifier=${SSIN}|${fresh}`)).body.entry ?? []).toEqual([]);
  });
});

describe('$consent-status', () => {
  it('answers active, revoked or none to a professional', async () => {
    const marie = await status('nurse-els-goossens', SSINS.marie);
    expect(marie.status).toBe(200);
    expect(statusOf(marie)).toBe('active');
    expect(marie.body.parameter).toContainEqual({ name: 'patient', valueReference: { reference: `Patient/${MARIE}` } });
    expect(statusOf(await status('gp-anna-peeters', SSINS.jan))).toBe('revoked');
    expect(statusOf(await status('gp-anna-peeters', SSINS.pieter))).toBe('none');
    const nobody = await status('gp-anna-peeters', makeSsin('1999-09-09', 99));
    expect(statusOf(nobody)).toBe('none');
    expect(nobody.body.parameter.find((p: { name: string }) => p.name === 'patient')).toBeUndefined();
  });

  it('refuses a malformed SSIN (400) and callers who may not ask (403)', async () => {
    const bad = await status('gp-anna-peeters', '84031212639');
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].expression).toEqual(['identifier']);
    expect((await t.as('gp-anna-peeters').get('/fhir/Patient/$consent-status')).status).toBe(400);
    for (const persona of ['patient-marie-dubois', 'league-admin', 'hub-admin', 'junior-lisa-vermeulen']) {
      expect((await status(persona, SSINS.marie)).status).toBe(403);
    }
  });
});

describe('hub-sharing consent', () => {
  it('a professional registers it; a second active one is refused; revocation ends links; re-consent works', async () => {
    const registered = await t
      .as('gp-anna-peeters')
      .post('/fhir/Consent', consentFor(PIETER, 'hub-sharing', { channel: 'gp', period: { start: '2026-11-23' } }));
    expect(registered.status).toBe(201);
    expect(statusOf(await status('gp-anna-peeters', SSINS.pieter))).toBe('active');
    const second = await t.as('patient-pieter-claes').post('/fhir/Consent', consentFor(PIETER, 'hub-sharing', { channel: 'hub-website' }));
    expect(second.status).toBe(422);
    expect(second.body.issue[0].details.text).toBe('The patient already has an active consent to data sharing');
    expect(await consentsOf('patient-pieter-claes', PIETER, 'hub-sharing')).toHaveLength(1);

    const link = await t
      .as('gp-anna-peeters')
      .post('/fhir/CareTeam', careTeam(PIETER, 'Practitioner/gp-anna-peeters', 'gp-long-term', { start: '2026-11-23' }));
    expect(link.status).toBe(201);
    const consent = registered.body;
    const revoked = {
      ...consent,
      status: 'inactive',
      provision: { ...consent.provision, period: { ...consent.provision.period, end: '2026-11-23T09:00:00Z' } },
    };
    expect((await t.as('patient-pieter-claes').put(`/fhir/Consent/${consent.id}`, revoked)).status).toBe(200);
    expect((await t.as('patient-pieter-claes').get(`/fhir/CareTeam/${link.body.id}`)).body.status).toBe('inactive');
    expect(statusOf(await status('gp-anna-peeters', SSINS.pieter))).toBe('revoked');
    expect((await t.as('gp-anna-peeters').get(`/fhir/Patient/${PIETER}`)).status).toBe(404);

    const again = await t
      .as('patient-pieter-claes')
      .post('/fhir/Consent', consentFor(PIETER, 'hub-sharing', { channel: 'hub-website', period: { start: '2026-11-23T09:00:00Z' } }));
    expect(again.status).toBe(201);
    expect(statusOf(await status('gp-anna-peeters', SSINS.pieter))).toBe('active');
    // The ended link stays ended: access needs a new link.
    expect((await t.as('patient-pieter-claes').get(`/fhir/CareTeam/${link.body.id}`)).body.status).toBe('inactive');
  });
});

describe('minors', () => {
  it('a parent holding a grant registers and revokes the consent of a child under 16', async () => {
    const [consent] = (await consentsOf('patient-marie-dubois', LUCAS, 'hub-sharing')) as unknown as Record<string, unknown>[];
    const provision = consent.provision as { period: Record<string, string> };
    const revoked = { ...consent, status: 'inactive', provision: { ...provision, period: { ...provision.period, end: '2026-11-23T09:00:00Z' } } };
    expect((await t.as('patient-marie-dubois').put(`/fhir/Consent/${consent.id}`, revoked)).status).toBe(200);
    const renewed = await t
      .as('patient-marie-dubois')
      .post('/fhir/Consent', consentFor(LUCAS, 'hub-sharing', { channel: 'pdf-form', period: { start: '2026-11-23T09:00:00Z' } }));
    expect(renewed.status).toBe(201);
    // SPEC §4: a parent holding a grant for a child under 16 also records the child's exclusions, restrictions and grants.
    expect((await t.as('patient-marie-dubois').post('/fhir/Consent', consentFor(LUCAS, 'exclusion', { actor: 'Practitioner/gp-thomas-lambert' }))).status).toBe(
      201
    );
  });

  it('under 16 the patient does not register their own consent; from 16 they do, and the parent no longer does', async () => {
    const teen = await seed(t, {
      resourceType: 'Patient',
      id: 'patient-teen-14',
      birthDate: '2012-06-01',
      identifier: [{ system: SSIN, value: makeSsin('2012-06-01', 21) }],
    });
    const teenSsin = makeSsin('2012-06-01', 21);
    const own = await t
      .as('patient-marie-dubois')
      .post('/fhir/Consent', consentFor(teen.id, 'hub-sharing', { channel: 'hub-website' }))
      .set('Authorization', patientToken(teenSsin));
    expect(own.status).toBe(422);
    expect(own.body.issue[0].details.text).toBe('Under 16, the consent is registered by a parent or guardian');
    const nl = await t
      .as('patient-marie-dubois')
      .post('/fhir/Consent', consentFor(teen.id, 'hub-sharing', { channel: 'hub-website' }))
      .set('Authorization', patientToken(teenSsin))
      .set('Accept-Language', 'nl');
    expect(nl.body.issue[0].details.text).toBe('Onder 16 jaar wordt de toestemming geregistreerd door een ouder of voogd');
    expect(statusOf(await status('gp-anna-peeters', teenSsin))).toBe('none');

    const adultSsin = makeSsin('2009-03-01', 33);
    const adult = await seed(t, {
      resourceType: 'Patient',
      id: 'patient-seventeen',
      birthDate: '2009-03-01',
      identifier: [{ system: SSIN, value: adultSsin }],
    });
    // Marie still holds a parental grant for him (registered when he was a child): it no longer decides for him.
    await seed(t, {
      resourceType: 'RelatedPerson',
      id: 'marie-mother-of-seventeen',
      patient: { reference: `Patient/${adult.id}` },
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
      identifier: [{ system: SSIN, value: SSINS.marie }],
    });
    await seed(
      t,
      consentFor(adult.id, 'grant', { id: 'grant-seventeen-mother', actor: 'RelatedPerson/marie-mother-of-seventeen', period: { start: '2015-01-01' } })
    );
    // SPEC §4: the parental grant stopped on his 16th birthday, so he is no longer hers to reach: refused as a missing patient.
    expect((await t.as('patient-marie-dubois').post('/fhir/Consent', consentFor(adult.id, 'hub-sharing', { channel: 'hub-website' }))).status).toBe(400);
    expect(statusOf(await status('gp-anna-peeters', adultSsin))).toBe('none');
    const self = await t
      .as('patient-marie-dubois')
      .post('/fhir/Consent', consentFor(adult.id, 'hub-sharing', { channel: 'hub-website' }))
      .set('Authorization', patientToken(adultSsin));
    expect(self.status).toBe(201);
    expect(statusOf(await status('gp-anna-peeters', adultSsin))).toBe('active');
  });
});

describe('exclusions, restrictions and grants', () => {
  it("the patient's exclusion ends the professional's link at once and blocks a new one", async () => {
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/marie-lab')).status).toBe(200);
    const exclusion = await t
      .as('patient-marie-dubois')
      .post('/fhir/Consent', consentFor(MARIE, 'exclusion', { actor: 'Practitioner/nurse-els-goossens', period: { start: '2026-11-23T09:00:00Z' } }));
    expect(exclusion.status).toBe(201);
    expect((await t.as('patient-marie-dubois').get('/fhir/CareTeam/link-marie-dubois-els-goossens')).body.status).toBe('inactive');
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/marie-lab')).status).toBe(404);
    const relink = await t
      .as('nurse-els-goossens')
      .post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/nurse-els-goossens', 'referral', { start: '2026-11-23' }));
    expect(relink.status).toBe(422);
    const noActor = await t.as('patient-marie-dubois').post('/fhir/Consent', consentFor(MARIE, 'exclusion'));
    expect(noActor.status).toBe(422);
    expect(noActor.body.issue[0].expression).toEqual(['Consent.provision.actor']);
  });

  it("a professional records a restriction or exclusion only on the patient's explicit request", async () => {
    const before = (await consentsOf('patient-marie-dubois', MARIE)).length;
    // SPEC §4: a restriction is recorded by the document's author only (marie-lab names no author), an exclusion by the patient's GP.
    expect(
      (
        await t
          .as('gp-anna-peeters')
          .post('/fhir/Consent', { ...consentFor(MARIE, 'document-restriction', { data: 'DocumentReference/marie-lab' }), ...onRequest(MARIE) })
      ).status
    ).toBe(403);
    const silent = await t.as('gp-anna-peeters').post('/fhir/Consent', consentFor(MARIE, 'exclusion', { actor: 'Practitioner/gp-thomas-lambert' }));
    expect(silent.status).toBe(422);
    expect(silent.body.issue[0].expression).toEqual(['Consent.verification']);
    expect((await consentsOf('patient-marie-dubois', MARIE)).length).toBe(before);
    const requested = await t
      .as('gp-anna-peeters')
      .post('/fhir/Consent', { ...consentFor(MARIE, 'exclusion', { actor: 'Practitioner/gp-thomas-lambert' }), ...onRequest(MARIE) });
    expect(requested.status).toBe(201);
    expect(requested.body.verification[0].verificationDate).toBe('2026-11-23T09:00:00.000Z');
    // A professional who does not reach the patient records nothing for them.
    expect(
      (
        await t
          .as('pharmacist-ahmed-benali')
          .post('/fhir/Consent', { ...consentFor(MARIE, 'exclusion', { actor: 'Practitioner/gp-thomas-lambert' }), ...onRequest(MARIE) })
      ).status
    ).toBe(403);
    expect((await consentsOf('patient-marie-dubois', MARIE)).length).toBe(before + 1);
  });

  it("a professional revokes a patient's consent only on the patient's explicit request", async () => {
    const sofia = 'patient-sofia-rossi';
    const [consent] = (await consentsOf('patient-sofia-rossi', sofia, 'hub-sharing')) as unknown as Record<string, unknown>[];
    const provision = consent.provision as { period: Record<string, string> };
    const revoked = {
      ...consent,
      meta: undefined,
      status: 'inactive',
      provision: { ...provision, period: { ...provision.period, end: '2026-11-23T09:00:00Z' } },
    };
    const silent = await t.as('pharmacist-ahmed-benali').put(`/fhir/Consent/${consent.id}`, revoked).set('Accept-Language', 'fr');
    expect(silent.status).toBe(422);
    expect(silent.body.issue[0].details.text).toBe('Un prestataire ne l’enregistre qu’à la demande explicite du patient (Consent.verification)');
    expect((await t.as('pharmacist-ahmed-benali').get(`/fhir/Patient/${sofia}`)).status).toBe(200);
    const requested = await t.as('pharmacist-ahmed-benali').put(`/fhir/Consent/${consent.id}`, { ...revoked, ...onRequest(sofia) });
    expect(requested.status).toBe(200);
    expect((await t.as('pharmacist-ahmed-benali').get(`/fhir/Patient/${sofia}`)).status).toBe(404);
    expect((await t.as('patient-sofia-rossi').get('/fhir/CareTeam/link-sofia-rossi-ahmed-benali')).body.status).toBe('inactive');
  });

  it('a trusted person gets in through a grant and is out as soon as the patient ends it', async () => {
    const trustedSsin = makeSsin('1980-10-10', 50);
    const person = await t.as('patient-marie-dubois').post('/fhir/RelatedPerson', {
      resourceType: 'RelatedPerson',
      active: true,
      patient: { reference: `Patient/${MARIE}` },
      identifier: [{ system: SSIN, value: trustedSsin }],
      name: [{ family: 'Trusted' }],
    });
    expect(person.status).toBe(201);
    const grant = await t
      .as('patient-marie-dubois')
      .post('/fhir/Consent', consentFor(MARIE, 'grant', { actor: `RelatedPerson/${person.body.id}`, period: { start: '2026-11-23T09:00:00Z' } }));
    expect(grant.status).toBe(201);
    const asTrusted = () => t.as('patient-marie-dubois').get(`/fhir/Patient/${MARIE}`).set('Authorization', patientToken(trustedSsin));
    expect((await asTrusted()).status).toBe(200);
    const ended = {
      ...grant.body,
      status: 'inactive',
      provision: { ...grant.body.provision, period: { ...grant.body.provision.period, end: '2026-11-23T09:00:00Z' } },
    };
    expect((await t.as('patient-marie-dubois').put(`/fhir/Consent/${grant.body.id}`, ended)).status).toBe(200);
    expect((await asTrusted()).status).toBe(404);
  });
});
