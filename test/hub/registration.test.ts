import { registrationTask, SH, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { LEAGUE, PARC, ZUID, ETANGS } from '../support/personas';

/** SPEC §6 registration workflows, as the personas file, see and decide them over HTTP. */
let t: NetworkHub;
const INPUT = `${SH}/CodeSystem/registration-input`;

const task = registrationTask;
const evidence = (certificate = true, rules = true, continuity = true) => ({
  input: [
    ...(certificate
      ? [
          {
            type: { coding: [{ system: INPUT, code: 'medical-office-certificate' }] },
            valueAttachment: { contentType: 'application/pdf', data: 'JVBERi0xLjQK', title: 'Signed certificate' },
          },
        ]
      : []),
    { type: { coding: [{ system: INPUT, code: 'operating-rules-read' }] }, valueBoolean: rules },
    { type: { coding: [{ system: INPUT, code: 'continuity-of-care' }] }, valueBoolean: continuity },
  ],
});
/** Tasks about a subject, as the hub-admin (who sees them all) counts them. */
async function tasksAbout(subject: string, status?: string): Promise<number> {
  const res = await t.as('hub-admin').get(`/fhir/Task?subject=${subject}${status ? `&status=${status}` : ''}&_summary=count`);
  expect(res.status).toBe(200);
  return res.body.total;
}
const practitioner = async (id: string) => (await t.as('hub-admin').get(`/fhir/Practitioner/${id}`)).body;
const approve = (persona: string, id: string) => t.as(persona).post(`/fhir/Task/${id}/$approve`, { resourceType: 'Parameters' });

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

describe('junior-accreditation', () => {
  const LISA = 'Practitioner/junior-lisa-vermeulen';
  it('needs a guarantor, the signed certificate and both acknowledgements; nothing is stored otherwise', async () => {
    const lisa = t.as('junior-lisa-vermeulen');
    const noCertificate = await lisa.post('/fhir/Task', task('junior-accreditation', LISA, LEAGUE, evidence(false)));
    expect(noCertificate.status).toBe(422);
    expect(noCertificate.body.issue[0].expression).toEqual(['Task.input']);
    expect((await lisa.post('/fhir/Task', task('junior-accreditation', LISA, LEAGUE, evidence(true, true, false)))).status).toBe(422);
    expect((await lisa.post('/fhir/Task', task('junior-accreditation', LISA, undefined, evidence()))).status).toBe(422);
    // Ziekenhuis Zuid is a member but has not accepted the privacy policy: not a guarantor yet.
    const zuid = await lisa.post('/fhir/Task', task('junior-accreditation', LISA, ZUID, evidence()));
    expect(zuid.status).toBe(422);
    expect(zuid.body.issue[0].details.text).toBe('The institution has not accepted the privacy policy');
    const french = await lisa.post('/fhir/Task', task('junior-accreditation', LISA, ETANGS, evidence())).set('Accept-Language', 'fr');
    expect(french.status).toBe(422);
    expect(french.body.issue[0].details.text).toBe("L'organisation désignée n'est pas un garant du hub");
    expect(await tasksAbout(LISA)).toBe(0);
  });

  it('is filed by the junior, seen by its guarantor only, approved once, and then the junior may act', async () => {
    const lisa = t.as('junior-lisa-vermeulen');
    expect((await lisa.get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current')).body.total ?? 0).toBe(0);
    const filed = await lisa.post('/fhir/Task', task('junior-accreditation', LISA, LEAGUE, evidence()));
    expect(filed.status).toBe(201);
    expect(filed.body.status).toBe('requested');
    expect(filed.body.requester).toMatchObject({ reference: LISA, identifier: { value: 'junior-lisa-vermeulen' } });
    const again = await lisa.post('/fhir/Task', task('junior-accreditation', LISA, LEAGUE, evidence()));
    expect(again.status).toBe(422);
    expect(await tasksAbout(LISA)).toBe(1);

    const id = filed.body.id;
    expect((await lisa.get(`/fhir/Task/${id}`)).status).toBe(200);
    expect((await t.as('league-admin').get(`/fhir/Task/${id}`)).status).toBe(200);
    // Another guarantor does not see it; the junior cannot approve itself; hub-admin is not its guarantor.
    expect((await t.as('parc-medical-director').get(`/fhir/Task/${id}`)).status).toBe(404);
    expect((await approve('parc-medical-director', id)).status).toBe(404);
    expect((await approve('junior-lisa-vermeulen', id)).status).toBe(403);
    expect((await approve('hub-admin', id)).status).toBe(403);
    expect((await practitioner('junior-lisa-vermeulen')).active).toBe(false);

    // A read-only token of the guarantor does not decide.
    const readOnly = t.token({ sub: 'league-reader', role: 'guarantor', organization: '0812345603', scope: 'user/*.rs' });
    expect((await approve('league-admin', id).set('Authorization', `Bearer ${readOnly}`)).status).toBe(403);
    expect((await t.as('league-admin').get(`/fhir/Task/${id}`)).body.status).toBe('requested');

    const approved = await approve('league-admin', id);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('completed');
    const lisaEntry = await practitioner('junior-lisa-vermeulen');
    expect(lisaEntry.active).toBe(true);
    const accreditation = lisaEntry.extension.find((e: { url: string }) => e.url === `${SH}/StructureDefinition/junior-accreditation`);
    expect(accreditation.extension).toContainEqual({ url: 'status', valueCode: 'accredited' });
    // Accredited: rule 1 holds, the junior reads the registry like any professional.
    expect((await lisa.get('/fhir/Practitioner?_summary=count')).body.total).toBeGreaterThan(1);

    const twice = await approve('league-admin', id);
    expect(twice.status).toBe(422);
    expect(twice.body.issue[0].details.text).toBe('This registration request was already decided');
    expect((await t.as('league-admin').post(`/fhir/Task/${id}/$reject`, { resourceType: 'Parameters' })).status).toBe(422);
  });
});

describe('practitioner-registration', () => {
  const NADIA = 'Practitioner/gp-nadia-haddad';
  const PENDING = 'task-registration-nadia-haddad';

  it('is refused to those who may not file it, and without a real guarantor', async () => {
    const before = await tasksAbout(NADIA);
    expect((await t.as('gp-anna-peeters').post('/fhir/Task', task('practitioner-registration', NADIA, LEAGUE))).status).toBe(403);
    expect((await t.as('patient-marie-dubois').post('/fhir/Task', task('practitioner-registration', NADIA, LEAGUE))).status).toBe(403);
    expect((await t.as('etangs-admin').post('/fhir/Task', task('practitioner-registration', NADIA, LEAGUE))).status).toBe(403);
    const marc = 'Practitioner/physician-marc-dupont';
    const noGuarantor = await t.as('physician-marc-dupont').post('/fhir/Task', task('practitioner-registration', marc));
    expect(noGuarantor.status).toBe(422);
    expect(noGuarantor.body.issue[0].expression).toEqual(['Task.owner']);
    expect((await t.as('physician-marc-dupont').post('/fhir/Task', task('practitioner-registration', marc, ETANGS))).status).toBe(422);
    expect((await t.as('physician-marc-dupont').post('/fhir/Task', task('practitioner-registration', marc, LEAGUE, { status: 'completed' }))).status).toBe(422);
    expect((await t.as('gp-anna-peeters').post('/fhir/Task', task('practitioner-registration', 'Practitioner/gp-anna-peeters', LEAGUE))).status).toBe(422);
    expect(await tasksAbout(NADIA)).toBe(before);
    expect(await tasksAbout(marc, 'requested')).toBe(1); // only the fixture's user-authorization
  });

  it('moves only through $approve / $reject: no direct update, no delete', async () => {
    const current = (await t.as('league-admin').get(`/fhir/Task/${PENDING}`)).body;
    expect((await t.as('league-admin').put(`/fhir/Task/${PENDING}`, { ...current, status: 'completed' })).status).toBe(403);
    expect((await t.as('hub-admin').put(`/fhir/Task/${PENDING}`, { ...current, status: 'completed' })).status).toBe(403);
    expect((await t.as('league-admin').delete(`/fhir/Task/${PENDING}`)).status).toBe(403);
    expect((await t.as('league-admin').get(`/fhir/Task/${PENDING}`)).body.status).toBe('requested');
    expect((await practitioner('gp-nadia-haddad')).active).toBe(false);
  });

  it('the guarantor rejects with a reason; refiled, it approves; only then is the Practitioner active', async () => {
    expect((await t.as('gp-nadia-haddad').get(`/fhir/Task/${PENDING}`)).status).toBe(200);
    expect((await t.as('etangs-admin').get(`/fhir/Task/${PENDING}`)).status).toBe(404);
    expect((await t.as('gp-nadia-haddad').post(`/fhir/Task/${PENDING}/$approve`, {})).status).toBe(403);
    const rejected = await t
      .as('league-admin')
      .post(`/fhir/Task/${PENDING}/$reject`, { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'Missing diploma' }] });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', statusReason: { text: 'Missing diploma' } });
    expect((await practitioner('gp-nadia-haddad')).active).toBe(false);
    // Not active: rule 1 still denies her anything clinical or about patients.
    expect((await t.as('gp-nadia-haddad').get('/fhir/Patient?_summary=count')).body.total).toBe(0);

    const refiled = await t.as('gp-nadia-haddad').post('/fhir/Task', task('practitioner-registration', NADIA, LEAGUE));
    expect(refiled.status).toBe(201);
    expect((await approve('league-admin', refiled.body.id)).status).toBe(200);
    expect((await practitioner('gp-nadia-haddad')).active).toBe(true);
    expect((await t.as('gp-nadia-haddad').post('/fhir/Task', task('practitioner-registration', NADIA, LEAGUE))).status).toBe(422);
  });

  it('a guarantor cannot approve a request it filed itself', async () => {
    const prac = await seed(t, {
      resourceType: 'Practitioner',
      id: 'gp-filed-by-league',
      active: false,
      identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional', value: '19999999003' }],
      qualification: [{ code: { coding: [{ system: `${SH}/CodeSystem/profession`, code: 'physician' }] } }],
    });
    const filed = await t.as('league-admin').post('/fhir/Task', task('practitioner-registration', `Practitioner/${prac.id}`, LEAGUE));
    expect(filed.status).toBe(201);
    const own = await approve('league-admin', filed.body.id);
    // Who may decide is the policy's (mayOperate): nobody decides a request they filed, 403 like any action it may not take.
    expect(own.status).toBe(403);
    expect((await practitioner(prac.id)).active).toBe(false);
  });

  it('a self-employed nurse registers herself without guarantor and may act at once', async () => {
    const sophie = t.as('nurse-sophie-leclercq');
    // Acting for an institution she is not self-employed: without guarantor her request waits (for the hub-admin).
    const claims = {
      sub: 'sophie-at-parc',
      role: 'practitioner',
      nihii: '46789038401',
      profession: 'nurse',
      organization: '71012314000',
      scope: 'user/*.cruds',
    };
    const atHospital = await sophie
      .post('/fhir/Task', task('practitioner-registration', 'Practitioner/nurse-sophie-leclercq'))
      .set('Authorization', `Bearer ${t.token(claims)}`);
    expect(atHospital.status).toBe(201);
    expect(atHospital.body.status).toBe('requested');
    expect((await practitioner('nurse-sophie-leclercq')).active).toBe(false);
    expect((await t.as('hub-admin').post(`/fhir/Task/${atHospital.body.id}/$reject`, {})).status).toBe(200);

    expect((await sophie.get('/fhir/Practitioner?_summary=count')).body.total).toBe(1);
    const filed = await sophie.post('/fhir/Task', task('practitioner-registration', 'Practitioner/nurse-sophie-leclercq'));
    expect(filed.status).toBe(201);
    expect(filed.body.status).toBe('completed');
    expect((await practitioner('nurse-sophie-leclercq')).active).toBe(true);
    expect((await sophie.get('/fhir/Practitioner?_summary=count')).body.total).toBeGreaterThan(1);
  });
});

describe('institution-membership and user-authorization', () => {
  it('the hub-admin approves a membership; the institution then files user authorizations', async () => {
    const pending = 'task-membership-clinique-des-etangs';
    expect((await t.as('etangs-admin').post('/fhir/Task', task('institution-membership', ETANGS))).status).toBe(422);
    expect((await t.as('hopital-du-parc-admin').post('/fhir/Task', task('institution-membership', ETANGS))).status).toBe(403);
    expect((await t.as('league-admin').get(`/fhir/Task/${pending}`)).status).toBe(404);
    expect((await approve('etangs-admin', pending)).status).toBe(403);
    // Not a member yet: it cannot ask to authorize users.
    const early = await t.as('etangs-admin').post('/fhir/Task', task('user-authorization', 'Practitioner/gp-nadia-haddad', ETANGS));
    expect(early.status).toBe(422);
    expect(early.body.issue[0].details.text).toBe('The institution is not a member of the hub');

    const approved = await approve('hub-admin', pending);
    expect(approved.body).toMatchObject({ status: 'completed' });
    const org = (await t.as('hub-admin').get(`/fhir/${ETANGS}`)).body;
    expect(org.extension.map((e: { url: string }) => e.url)).toContain(`${SH}/StructureDefinition/hub-membership`);
    expect((await t.as('etangs-admin').post('/fhir/Task', task('institution-membership', ETANGS))).status).toBe(422);
  });

  it("the medical directorate authorizes a hospital's practitioner only after the privacy policy is accepted", async () => {
    const prac = await seed(t, {
      resourceType: 'Practitioner',
      id: 'physician-zuid-new',
      active: false,
      identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional', value: '19888888580' }],
      qualification: [{ code: { coding: [{ system: `${SH}/CodeSystem/profession`, code: 'physician' }] } }],
    });
    const filed = await t.as('zuid-admin').post('/fhir/Task', task('user-authorization', `Practitioner/${prac.id}`, ZUID));
    expect(filed.status).toBe(201);
    expect((await approve('zuid-admin', filed.body.id)).status).toBe(403);
    const refused = await approve('zuid-medical-director', filed.body.id);
    expect(refused.status).toBe(422);
    expect(refused.body.issue[0].details.text).toBe('The institution has not accepted the privacy policy');
    expect((await practitioner(prac.id)).active).toBe(false);

    expect((await t.as('etangs-admin').post(`/fhir/${ZUID}/$accept-privacy-policy`, {})).status).toBe(403);
    const accepted = await t.as('zuid-admin').post(`/fhir/${ZUID}/$accept-privacy-policy`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body.extension.map((e: { url: string }) => e.url)).toContain(`${SH}/StructureDefinition/privacy-policy-accepted`);

    expect((await approve('zuid-medical-director', filed.body.id)).status).toBe(200);
    expect((await practitioner(prac.id)).active).toBe(true);
    const roles = await t.as('hub-admin').get(`/fhir/PractitionerRole?practitioner=Practitioner/${prac.id}`);
    expect(roles.body.entry.map((e: { resource: { organization: { reference: string } } }) => e.resource.organization.reference)).toEqual([ZUID]);
  });

  it('the fixture user authorization of Hôpital du Parc is approved by its medical directorate', async () => {
    const id = 'task-authorization-marc-dupont';
    expect((await t.as('hopital-du-parc-admin').get(`/fhir/Task/${id}`)).status).toBe(200);
    expect((await t.as('physician-marc-dupont').get(`/fhir/Task/${id}`)).status).toBe(200);
    expect((await approve('league-admin', id)).status).toBe(404);
    expect((await approve('parc-medical-director', id)).status).toBe(200);
    expect((await practitioner('physician-marc-dupont')).active).toBe(true);
    // He now acts for the hospital (its organization claim is backed by the new PractitionerRole).
    expect((await t.as('physician-marc-dupont').get(`/fhir/${PARC}`)).status).toBe(200);
  });
});
