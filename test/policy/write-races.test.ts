/**
 * The write side under concurrency, as a hostile client would drive it (SPEC §4, §5: "the
 * invariants hold under any concurrency"): twenty identical writes at once racing a consent
 * revocation, a link end or a withdrawal. After every answer is in, what is stored must agree with
 * every 2xx answered, and nothing may be visible (or reopen later) that the policy refuses.
 */
import { fieldIn } from '../../src/store/condition';
import { careTeam, consentFor, documentFor, NETWORK_DATE, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { ANNA, MARIE } from '../support/personas';
import { annasReferral, revokeConsent, seedConsentedPatient, twentyReferralsAround, WriteHold } from '../support/race-patients';

let t: NetworkHub;

const hold = new WriteHold();
const holdNextWrite = (type: string) => hold.next(type);

beforeAll(async () => {
  t = await startNetworkHub(
    {},
    {
      faults: {
        beforeWrite: hold.beforeWrite,
      },
    }
  );
}, 120_000);
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  hold.clear();
});

const status = async (persona: string, url: string) => (await t.as(persona).get(`/fhir/${url}`)).status;

const consentedPatient = (id: string, serial: number) => seedConsentedPatient(t, id, serial);

const revoke = (patient: string) => revokeConsent(t, patient);
async function reconsent(patient: string): Promise<void> {
  await seed(t, consentFor(patient, 'hub-sharing', { id: `${patient}-consent-again`, channel: 'gp', period: { start: NETWORK_DATE.toISOString() } }));
}

const referral = annasReferral;
const linksOf = (patient: string) => t.store.readFacts('CareTeam', fieldIn('access.patient', [`Patient/${patient}`]));
const activeLinks = async (patient: string) => (await linksOf(patient)).filter((l) => (l.r as { status?: string }).status === 'active');

describe('a link written while the consent is revoked is ended like the links the revocation ended', () => {
  it('one link held between its consent look-up and its commit: after a re-consent it opens nothing', async () => {
    await consentedPatient('patient-revive-one', 51);
    const held = holdNextWrite('CareTeam');
    const creating = t
      .as('gp-anna-peeters')
      .post('/fhir/CareTeam', referral('patient-revive-one'))
      .then((r) => r);
    await held.reached;
    await revoke('patient-revive-one');
    held.release();
    expect((await creating).status).toBe(201);
    await reconsent('patient-revive-one');
    // SPEC §4: a revocation ends every active link; a re-consent does not revive them.
    expect(await activeLinks('patient-revive-one')).toEqual([]);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-revive-one-lab')).toBe(404);
    expect(await status('gp-anna-peeters', 'Patient/patient-revive-one')).toBe(404);
  });

  it('twenty links at once with a revocation, then a re-consent: no link stays active, the record stays closed', async () => {
    await consentedPatient('patient-revive-many', 52);
    // The revocation passes whole while the first link waits at its commit, the others still in flight.
    const answers = await twentyReferralsAround(t, hold, 'patient-revive-many', () => revoke('patient-revive-many'), { whole: true });
    for (const answer of answers) expect([201, 422]).toContain(answer.status);
    expect((await linksOf('patient-revive-many')).length).toBe(answers.filter((a) => a.status === 201).length);
    await reconsent('patient-revive-many');
    expect(await activeLinks('patient-revive-many')).toEqual([]);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-revive-many-lab')).toBe(404);
  });
});

describe('a link written while its professional is excluded is ended like the links the exclusion ended', () => {
  it('a link held between its exclusion look-up and its commit: once the exclusion is lifted it opens nothing', async () => {
    await consentedPatient('patient-excludes-late', 53);
    const held = holdNextWrite('CareTeam');
    const creating = t
      .as('gp-anna-peeters')
      .post('/fhir/CareTeam', referral('patient-excludes-late'))
      .then((r) => r);
    await held.reached;
    const exclusion = await seed(t, consentFor('patient-excludes-late', 'exclusion', { id: 'patient-excludes-late-exclusion', actor: ANNA }));
    held.release();
    expect((await creating).status).toBe(201);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-excludes-late-lab')).toBe(404);
    // The patient lifts the exclusion: SPEC §4, the links it ended are not revived, this one included.
    await seed(t, { ...exclusion, status: 'inactive' });
    expect(await activeLinks('patient-excludes-late')).toEqual([]);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-excludes-late-lab')).toBe(404);
  });
});

describe('twenty writes racing the end of the link they rest on', () => {
  it('twenty identical documents by the nurse while the patient ends her link: each 201 stored, nothing else; no 500; a stranger sees none', async () => {
    const link = 'link-marie-dubois-els-goossens';
    const current = (await t.store.readFactById('CareTeam', link))?.r as unknown as Record<string, unknown>;
    const before = await t.store.count('DocumentReference', fieldIn('access.patient', [`Patient/${MARIE}`]));
    const body = documentFor(MARIE, { author: 'Practitioner/nurse-els-goossens', cls: 'lab-result' });
    const writes = Array.from({ length: 20 }, () =>
      t
        .as('nurse-els-goossens')
        .post('/fhir/DocumentReference', body)
        .then((r) => r)
    );
    const ending = t
      .as('patient-marie-dubois')
      .put(`/fhir/CareTeam/${link}`, { ...current, status: 'inactive', period: { ...(current.period as object), end: NETWORK_DATE.toISOString() } })
      .then((r) => r);
    const [answers, ended] = await Promise.all([Promise.all(writes), ending]);
    expect(ended.status).toBe(200);
    for (const answer of answers) expect([201, 400, 403, 404]).toContain(answer.status);
    const created = answers.filter((a) => a.status === 201).map((a) => (a.body as { id: string }).id);
    expect(await t.store.count('DocumentReference', fieldIn('access.patient', [`Patient/${MARIE}`]))).toBe(before + created.length);
    for (const id of created) expect(await status('gp-thomas-lambert', `DocumentReference/${id}`)).toBe(404);
    // The link is ended: a new document is refused.
    expect((await t.as('nurse-els-goossens').post('/fhir/DocumentReference', body)).status).toBeGreaterThanOrEqual(400);
  });

  it('twenty GMD renewals by the holder racing the patient ending the link: the stored link agrees with the answers, and an ended link is never renewed', async () => {
    const created = await t.as('gp-anna-peeters').post('/fhir/CareTeam', careTeam(MARIE, ANNA, 'gmd', { start: NETWORK_DATE.toISOString() }));
    expect(created.status).toBe(201);
    const link = created.body as Record<string, unknown> & { id: string; period: object };
    const renewal = { ...link, meta: undefined, status: 'active', period: { start: link.period && (link.period as { start?: string }).start } };
    const end = { ...link, meta: undefined, status: 'inactive', period: { ...link.period, end: NETWORK_DATE.toISOString() } };
    const renewals = Array.from({ length: 20 }, () =>
      t
        .as('gp-anna-peeters')
        .put(`/fhir/CareTeam/${link.id}`, renewal)
        .then((r) => r)
    );
    const ending = t
      .as('patient-marie-dubois')
      .put(`/fhir/CareTeam/${link.id}`, end)
      .then((r) => r);
    const [answers, ended] = await Promise.all([Promise.all(renewals), ending]);
    for (const answer of [...answers, ended]) expect([200, 409, 412, 422]).toContain(answer.status);
    const stored = (await t.store.readFactById('CareTeam', link.id))?.r as unknown as { status: string };
    // The versions: one per success, no more.
    const successes = [...answers, ended].filter((a) => a.status === 200).length;
    expect((await t.store.readFactById('CareTeam', link.id))?.v).toBe(1 + successes);
    if (ended.status === 200) expect(stored.status).toBe('inactive');
    // Whoever won, the patient can end it now, and after that no renewal revives it.
    if (stored.status === 'active') {
      const latest = (await t.store.readFactById('CareTeam', link.id))?.r as unknown as Record<string, unknown>;
      expect(
        (
          await t
            .as('patient-marie-dubois')
            .put(`/fhir/CareTeam/${link.id}`, { ...latest, status: 'inactive', period: { ...(latest.period as object), end: NETWORK_DATE.toISOString() } })
        ).status
      ).toBe(200);
    }
    expect((await t.as('gp-anna-peeters').put(`/fhir/CareTeam/${link.id}`, renewal)).status).toBe(422);
    expect(((await t.store.readFactById('CareTeam', link.id))?.r as unknown as { status: string }).status).toBe('inactive');
  });
});

describe('a request deciding on the copy it read while another request writes a newer version', () => {
  it('a withdrawal held after its read loses to a relabel that landed meanwhile (409): the newer version stands, nothing is overwritten', async () => {
    const created = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA }));
    const id = (created.body as { id: string }).id;
    const held = holdNextWrite('DocumentReference');
    const withdrawing = t
      .as('gp-anna-peeters')
      .post(`/fhir/DocumentReference/${id}/$request-deletion`, {})
      .then((r) => r);
    await held.reached;
    // While the withdrawal waits with version 1 in hand, the author labels the document V (version 2).
    const relabelled = await t.as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, {
      ...created.body,
      securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] }],
    });
    expect(relabelled.status).toBe(200);
    held.release();
    const withdrawn = await withdrawing;
    expect(withdrawn.status).toBe(409);
    const stored = await t.store.readFactById('DocumentReference', id, true);
    expect(stored?.v).toBe(2);
    expect((stored?.r as unknown as { status: string; securityLabel: { coding: { code: string }[] }[] }).status).toBe('current');
    expect((stored?.r as unknown as { securityLabel: { coding: { code: string }[] }[] }).securityLabel[0].coding[0].code).toBe('V');
    // Retried, it withdraws the version that stands.
    expect((await t.as('gp-anna-peeters').post(`/fhir/DocumentReference/${id}/$request-deletion`, {})).status).toBe(200);
  });
});

describe('twenty operations racing a withdrawal', () => {
  it('twenty $release with one $request-deletion: a withdrawal answered 200 is final, the patient never sees the document', async () => {
    const created = await t
      .as('gp-anna-peeters')
      .post('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA, release: { rule: 'on-physician-release' } }));
    const id = (created.body as { id: string }).id;
    const releases = Array.from({ length: 20 }, () =>
      t
        .as('gp-anna-peeters')
        .post(`/fhir/DocumentReference/${id}/$release`, {})
        .then((r) => r)
    );
    const withdrawal = t
      .as('gp-anna-peeters')
      .post(`/fhir/DocumentReference/${id}/$request-deletion`, {})
      .then((r) => r);
    const [answers, withdrawn] = await Promise.all([Promise.all(releases), withdrawal]);
    for (const answer of [...answers, withdrawn]) expect([200, 404, 409]).toContain(answer.status);
    const stored = (await t.store.readFactById('DocumentReference', id, true))?.r as unknown as { status: string };
    if (withdrawn.status === 200) {
      expect(stored.status).toBe('entered-in-error');
      expect(await status('patient-marie-dubois', `DocumentReference/${id}`)).toBe(404);
      expect(await status('gp-anna-peeters', `DocumentReference/${id}`)).toBe(404);
    }
    // Withdrawn at the latest now; nobody sees it afterwards.
    if (withdrawn.status !== 200) expect((await t.as('gp-anna-peeters').post(`/fhir/DocumentReference/${id}/$request-deletion`, {})).status).toBe(200);
    expect(await status('patient-marie-dubois', `DocumentReference/${id}`)).toBe(404);
    expect(((await t.store.readFactById('DocumentReference', id, true))?.r as unknown as { status: string }).status).toBe('entered-in-error');
  });
});
