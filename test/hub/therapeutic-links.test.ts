import { BTG, careTeam, documentFor, seed, SH, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, LUC, PIETER, PARC, ZUID } from '../support/personas';

/** SPEC §4 therapeutic links: renewal, the patient ending links, break-the-glass, institution admission links. */
let t: NetworkHub;

const emergency = (patient: string, member: string, reason?: string) => ({
  ...careTeam(patient, member, 'emergency', { start: '2026-11-23T09:00:00Z' }),
  extension: [
    { url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-bypass' },
    ...(reason ? [{ url: `${SH}/StructureDefinition/link-reason`, valueString: reason }] : []),
  ],
});
const admission = (patient: string, member: string, period: { start: string; end?: string } = { start: '2026-11-23T09:00:00Z' }) => ({
  ...careTeam(patient, member, 'hospital-stay', period),
  extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'hospital-admission' }],
});
/** Links of a patient, as the patient lists them. */
async function linksOf(persona: string, patient: string) {
  const res = await t.as(persona).get(`/fhir/CareTeam?patient=${patient}`);
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e: { resource: Record<string, unknown> }) => e.resource) as {
    id: string;
    status: string;
    meta: { security?: unknown[] };
  }[];
}

beforeAll(async () => {
  t = await startNetworkHub();
  await seed(t, documentFor(MARIE, { id: 'marie-lab', cls: 'lab-result' }));
  await seed(t, documentFor(LUC, { id: 'luc-lab', cls: 'lab-result' }));
});
afterAll(async () => {
  await t.close();
});

describe('renewal', () => {
  it('extends a link in force from now, up to the maximum of its type', async () => {
    const anna = t.as('gp-anna-peeters');
    const link = (await anna.get('/fhir/CareTeam/link-lucas-dubois-anna-peeters')).body;
    const tooLong = await anna.put(`/fhir/CareTeam/${link.id}`, { ...link, period: { start: link.period.start, end: '2027-12-01' } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.issue[0].details.text).toBe('A gmd link lasts at most 12 months');
    const renewed = await anna.put(`/fhir/CareTeam/${link.id}`, { ...link, period: { start: link.period.start } });
    expect(renewed.status).toBe(200);
    // From now (2026-11-23), not from the original start (2026-06-01): 12 months.
    expect(renewed.body.period).toEqual({ start: '2026-06-01', end: '2027-11-23T09:00:00.000Z' });
  });

  it('keeps patient, member and type, and never revives an ended link', async () => {
    const anna = t.as('gp-anna-peeters');
    const link = (await anna.get('/fhir/CareTeam/link-marie-dubois-anna-peeters')).body;
    const retyped = { ...link, category: [{ coding: [{ system: `${SH}/CodeSystem/link-type`, code: 'gmd' }] }] };
    expect((await anna.put(`/fhir/CareTeam/${link.id}`, retyped)).status).toBe(422);
    // Anna also refers Marie to herself; Marie ends that link; Anna still reaches Marie through her GP link.
    const referral = await anna.post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/gp-anna-peeters', 'referral', { start: '2026-11-23' }));
    expect(referral.status).toBe(201);
    const endedByMarie = { ...referral.body, status: 'inactive', period: { ...referral.body.period, end: '2026-11-23T09:00:00Z' } };
    expect((await t.as('patient-marie-dubois').put(`/fhir/CareTeam/${referral.body.id}`, endedByMarie)).status).toBe(200);
    const revived = await anna.put(`/fhir/CareTeam/${referral.body.id}`, {
      ...referral.body,
      meta: undefined,
      status: 'active',
      period: { start: referral.body.period.start },
    });
    expect(revived.status).toBe(422);
    expect(revived.body.issue[0].details.text).toBe('An ended link cannot be renewed: create a new link');
    expect((await anna.get(`/fhir/CareTeam/${referral.body.id}`)).body.status).toBe('inactive');
    // A link ended by revocation names a patient the GP no longer reaches: refused before any rule.
    const jan = (await t.as('gp-thomas-lambert').get('/fhir/CareTeam/link-jan-janssens-thomas-lambert')).body;
    expect([400, 422]).toContain(
      (await t.as('gp-thomas-lambert').put(`/fhir/CareTeam/${jan.id}`, { ...jan, status: 'active', period: { start: jan.period.start } })).status
    );
    expect((await t.as('gp-thomas-lambert').get(`/fhir/CareTeam/${jan.id}`)).body.status).toBe('inactive');
  });
});

describe('the patient and their links', () => {
  it('lists them and ends one; access through it stops at once', async () => {
    const links = await linksOf('patient-marie-dubois', MARIE);
    expect(links.map((l) => l.id)).toEqual(expect.arrayContaining(['link-marie-dubois-anna-peeters', 'link-marie-dubois-els-goossens']));
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/marie-lab')).status).toBe(200);
    const link = (await t.as('patient-marie-dubois').get('/fhir/CareTeam/link-marie-dubois-els-goossens')).body;
    const ended = await t
      .as('patient-marie-dubois')
      .put(`/fhir/CareTeam/${link.id}`, { ...link, status: 'inactive', period: { ...link.period, end: '2026-11-23T09:00:00Z' } });
    expect(ended.status).toBe(200);
    expect((await t.as('nurse-els-goossens').get('/fhir/DocumentReference/marie-lab')).status).toBe(404);
    expect((await t.as('nurse-els-goossens').get(`/fhir/Patient/${MARIE}`)).status).toBe(404);
    // Links are ended, never deleted.
    expect((await t.as('patient-marie-dubois').delete(`/fhir/CareTeam/${link.id}`)).status).toBe(403);
  });
});

describe('break the glass', () => {
  it('needs a physician and a reason; the link is flagged BTG for the patient, for one month at most', async () => {
    const sarah = t.as('physician-sarah-maes');
    const noReason = await sarah.post('/fhir/CareTeam', emergency(MARIE, 'Practitioner/physician-sarah-maes'));
    expect(noReason.status).toBe(422);
    expect((await t.as('nurse-els-goossens').post('/fhir/CareTeam', emergency(MARIE, 'Practitioner/nurse-els-goossens', 'Unconscious at home'))).status).toBe(
      422
    );
    expect((await linksOf('patient-marie-dubois', MARIE)).filter((l) => l.id !== undefined && JSON.stringify(l).includes('emergency'))).toEqual([]);

    const glass = await sarah.post('/fhir/CareTeam', emergency(MARIE, 'Practitioner/physician-sarah-maes', 'Unconscious in the emergency room'));
    expect(glass.status).toBe(201);
    expect(glass.body.meta.security).toContainEqual(expect.objectContaining(BTG));
    expect(glass.body.period.end).toBe('2026-12-23T09:00:00.000Z');
    expect((await sarah.get('/fhir/DocumentReference/marie-lab')).status).toBe(200);
    const seen = (await linksOf('patient-marie-dubois', MARIE)).find((l) => l.id === glass.body.id);
    expect(seen?.meta.security).toContainEqual(expect.objectContaining(BTG));
    const byFlag = await t.as('patient-marie-dubois').get(`/fhir/CareTeam?patient=${MARIE}&_security=${BTG.system}|BTG`);
    expect((byFlag.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id)).toEqual([glass.body.id]);
    // Ending it, the patient cannot take the flag off.
    const unflagged = { ...glass.body, meta: {}, status: 'inactive', period: { ...glass.body.period, end: '2026-11-23T09:00:00Z' } };
    const ended = await t.as('patient-marie-dubois').put(`/fhir/CareTeam/${glass.body.id}`, unflagged);
    expect(ended.status).toBe(200);
    expect(ended.body.meta.security).toContainEqual(expect.objectContaining(BTG));
    expect((await sarah.get('/fhir/DocumentReference/marie-lab')).status).toBe(404);
  });

  it('never overrides an exclusion or a missing consent, and nothing is stored', async () => {
    const sarah = t.as('physician-sarah-maes');
    const excluded = await sarah.post('/fhir/CareTeam', emergency(LUC, 'Practitioner/physician-sarah-maes', 'Cardiac arrest'));
    expect(excluded.status).toBe(422);
    expect(JSON.stringify(excluded.body)).not.toContain('exclu');
    expect((await sarah.get('/fhir/DocumentReference/luc-lab')).status).toBe(404);
    const noConsent = await sarah.post('/fhir/CareTeam', emergency(PIETER, 'Practitioner/physician-sarah-maes', 'Cardiac arrest'));
    expect(noConsent.status).toBe(422);
    expect((await linksOf('patient-luc-martin', LUC)).filter((l) => JSON.stringify(l).includes('emergency'))).toEqual([]);
    expect(await linksOf('patient-pieter-claes', PIETER)).toEqual([]);
  });

  it("the flag is the hub's: a client cannot put it on another link", async () => {
    const referral = { ...careTeam(MARIE, 'Practitioner/gp-thomas-lambert', 'referral', { start: '2026-11-23' }), meta: { security: [BTG] } };
    const res = await t.as('gp-thomas-lambert').post('/fhir/CareTeam', referral);
    expect(res.status).toBe(201);
    expect(res.body.meta.security ?? []).not.toContainEqual(expect.objectContaining(BTG));
  });
});

describe('institution admission links', () => {
  it('a physician acting for the hospital admits a patient for its attending team', async () => {
    const koen = t.as('physician-koen-wouters');
    expect((await koen.get('/fhir/DocumentReference/marie-lab')).status).toBe(404);
    const eid = await koen.post('/fhir/CareTeam', {
      ...admission(MARIE, ZUID),
      extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-read' }],
    });
    expect(eid.status).toBe(422);
    expect((await koen.post('/fhir/CareTeam', admission(MARIE, ZUID, { start: '2026-11-23', end: '2027-06-01' }))).status).toBe(422);
    expect((await koen.post('/fhir/CareTeam', admission(MARIE, PARC))).status).toBe(403);
    // Sofia he reaches (Zuid's link): still, he admits her only for the hospital he acts for.
    // Who may open it is the policy's: an institution's link only for the one he acts for (403).
    const other = await koen.post('/fhir/CareTeam', admission('patient-sofia-rossi', PARC));
    expect(other.status).toBe(403);
    expect((await koen.get('/fhir/DocumentReference/marie-lab')).status).toBe(404);

    // SPEC §4: only an institution that accepted the privacy policy opens admission links.
    const beforeAccepting = await koen.post('/fhir/CareTeam', admission(MARIE, ZUID));
    expect(beforeAccepting.status).toBe(422);
    expect(beforeAccepting.body.issue[0].details.coding[0].code).toBe('privacy-policy-not-accepted');
    expect((await t.as('zuid-admin').post('/fhir/Organization/org-ziekenhuis-zuid/$accept-privacy-policy', {})).status).toBe(200);
    const admitted = await koen.post('/fhir/CareTeam', admission(MARIE, ZUID));
    expect(admitted.status).toBe(201);
    expect(admitted.body.period.end).toBe('2027-02-23T09:00:00.000Z');
    expect((await koen.get('/fhir/DocumentReference/marie-lab')).status).toBe(200);
  });

  it('the institution-admin opens and ends its admission links; exclusions still bite', async () => {
    const admin = t.as('hopital-du-parc-admin');
    expect((await admin.post('/fhir/CareTeam', admission(LUC, ZUID))).status).toBe(403);
    expect((await admin.post('/fhir/CareTeam', admission(PIETER, PARC))).status).toBe(422);
    const admitted = await admin.post('/fhir/CareTeam', admission(LUC, PARC));
    expect(admitted.status).toBe(201);
    // Sarah acts for the hospital, but Luc excluded her: rule 3 keeps her out.
    expect((await t.as('physician-sarah-maes').get('/fhir/DocumentReference/luc-lab')).status).toBe(404);
    // The admin manages the link, not the record.
    expect((await admin.get(`/fhir/CareTeam/${admitted.body.id}`)).status).toBe(200);
    expect((await admin.get(`/fhir/Patient/${LUC}`)).status).toBe(404);
    expect((await admin.get('/fhir/DocumentReference/luc-lab')).status).toBe(404);
    const discharged = await admin.put(`/fhir/CareTeam/${admitted.body.id}`, {
      ...admitted.body,
      status: 'inactive',
      period: { ...admitted.body.period, end: '2026-11-23T09:00:00Z' },
    });
    expect(discharged.status).toBe(200);
    expect((await t.as('patient-luc-martin').get(`/fhir/CareTeam/${admitted.body.id}`)).body.status).toBe('inactive');
  });

  it('other administrators create no links', async () => {
    for (const persona of ['hub-admin', 'league-admin', 'parc-medical-director']) {
      expect((await t.as(persona).post('/fhir/CareTeam', admission(MARIE, PARC))).status).toBe(403);
    }
  });
});
