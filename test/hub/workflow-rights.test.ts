/**
 * Who may act in the care-network workflows (SPEC §4, §5, §6): registration Tasks and their
 * decisions, privacy-policy acceptance, add patient, `$consent-status`, consent rules, links, each
 * tried as the wrong party. Tests marked `regression:` failed before their fix; the others pin
 * attempts that were always refused, so a later change cannot reopen them silently.
 */
import type { Resource } from '@medplum/fhirtypes';
import supertest from 'supertest';
import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { careTeam, consentFor, registrationTask, SH, startNetworkHub, type NetworkHub } from '../support/network';
import { SSIN, SSIN_SYSTEM } from '../support/seeded-hub';
import { LISA, PARC } from '../support/personas';
import { transactionOf } from '../support/test-hub';

const consentStatusOf = (ssin: string) => `/fhir/Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN_SYSTEM}|${ssin}`)}`;

const task = registrationTask;

/** One transaction that creates the same resource twice (each entry under a fullUrl of its own). */
const twiceInOneTransaction = (type: string, resource: object) =>
  transactionOf(
    ['urn:uuid:7c1d4f0e-0000-4000-8000-000000000001', 'urn:uuid:7c1d4f0e-0000-4000-8000-000000000002'].map((fullUrl) => ({
      fullUrl,
      request: { method: 'POST', url: type },
      resource: resource as Resource,
    }))
  );

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(() => t.close());

describe('registration decisions', () => {
  // regression: approving a user authorization accredited a junior doctor with no accreditation request or evidence (SPEC §6); fixed by accrediting only through her own request.
  it('a user authorization does not accredit a junior doctor', async () => {
    const filed = await t.as('hopital-du-parc-admin').post('/fhir/Task', task('user-authorization', LISA, PARC));
    expect(filed.status).toBe(201);
    expect((await t.as('parc-medical-director').post(`/fhir/Task/${filed.body.id}/$approve`, {})).status).toBe(200);
    const lisa = (await t.admin().get(`/fhir/${LISA}`)).body;
    const accreditation = lisa.extension?.find((e: { url: string }) => e.url.endsWith('/junior-accreditation'));
    expect(accreditation?.extension).toContainEqual({ url: 'status', valueCode: 'awaiting' });
    expect((await t.as('junior-lisa-vermeulen').get(consentStatusOf(SSIN.marie))).status).toBe(403);
  });

  it('nobody decides on a request it does not own, its own request, or a decided one; Tasks move only by operation', async () => {
    // Not the owner: the Task is invisible (404), or visible but not theirs to decide (403).
    expect((await t.as('parc-medical-director').post('/fhir/Task/task-registration-nadia-haddad/$approve', {})).status).toBe(404);
    expect((await t.as('zuid-medical-director').post('/fhir/Task/task-authorization-marc-dupont/$approve', {})).status).toBe(404);
    expect((await t.as('hopital-du-parc-admin').post('/fhir/Task/task-authorization-marc-dupont/$approve', {})).status).toBe(403);
    expect((await t.as('gp-nadia-haddad').post('/fhir/Task/task-registration-nadia-haddad/$approve', {})).status).toBe(403);
    expect((await t.as('etangs-admin').post('/fhir/Task/task-membership-clinique-des-etangs/$approve', {})).status).toBe(403);
    // Directly: PUT and PATCH of a Task are refused, also inside a batch.
    const marc = (await t.as('parc-medical-director').get('/fhir/Task/task-authorization-marc-dupont')).body;
    expect((await t.as('parc-medical-director').put('/fhir/Task/task-authorization-marc-dupont', { ...marc, status: 'completed' })).status).toBe(403);
    const patch = await supertest(t.app)
      .patch('/fhir/Task/task-authorization-marc-dupont')
      .set('Authorization', `Bearer ${t.token({ sub: 'md-2', role: 'guarantor', organization: '71012314000', scope: 'user/*.cruds' })}`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/status', value: 'completed' }]);
    expect(patch.status).toBe(403);
    const batch = await t.as('hopital-du-parc-admin').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'POST', url: 'Task/task-authorization-marc-dupont/$approve' }, resource: { resourceType: 'Parameters' } }],
    });
    expect(batch.body.entry[0].response.status).toBe('403');
    expect((await t.as('parc-medical-director').get('/fhir/Task/task-authorization-marc-dupont')).body.status).toBe('requested');
    // A rejected request is not approved afterwards.
    expect((await t.as('league-admin').post('/fhir/Task/task-registration-nadia-haddad/$reject', {})).status).toBe(200);
    expect((await t.as('league-admin').post('/fhir/Task/task-registration-nadia-haddad/$approve', {})).status).toBe(422);
    expect((await t.admin().get('/fhir/Practitioner/gp-nadia-haddad')).body.active).not.toBe(true);
  });

  // regression: one transaction filed the same user authorization twice, both pending (checked against the store only); fixed by a guard per kind and subject.
  it('one transaction cannot file the same request twice', async () => {
    const ua = task('user-authorization', 'Practitioner/gp-thomas-lambert', PARC);
    const tx = await t.as('hopital-du-parc-admin').post('/fhir', twiceInOneTransaction('Task', ua));
    expect(tx.status).toBe(422);
    expect(await t.store.readFacts('Task', { field: 'keys.subject', in: ['Practitioner/gp-thomas-lambert'] }, 10)).toHaveLength(0);
  });

  it('only the institution-admin of an organization accepts its privacy policy', async () => {
    expect((await t.as('zuid-admin').post(`/fhir/${PARC}/$accept-privacy-policy`, {})).status).toBe(403);
    expect((await t.as('zuid-medical-director').post('/fhir/Organization/org-ziekenhuis-zuid/$accept-privacy-policy', {})).status).toBe(403);
    expect((await t.as('gp-anna-peeters').post('/fhir/Organization/org-ziekenhuis-zuid/$accept-privacy-policy', {})).status).toBe(403);
  });
});

describe('patients, consents and links as the wrong party', () => {
  it('$consent-status answers eligible professionals only; add patient tells others nothing', async () => {
    for (const persona of ['patient-marie-dubois', 'league-admin', 'hopital-du-parc-admin', 'hub-admin', 'junior-lisa-vermeulen', 'gp-nadia-haddad']) {
      expect([persona, (await t.as(persona).get(consentStatusOf(SSIN.marie))).status]).toEqual([persona, 403]);
    }
    const existing = { resourceType: 'Patient', identifier: [{ system: SSIN_SYSTEM, value: SSIN.marie }], name: [{ family: 'Probe' }] };
    const fresh = { ...existing, identifier: [{ system: SSIN_SYSTEM, value: makeSsin('1990-01-01', 11) }] };
    for (const persona of ['hopital-du-parc-admin', 'league-admin', 'patient-pieter-claes', 'junior-lisa-vermeulen']) {
      const a = await t.as(persona).post('/fhir/Patient', existing);
      const b = await t.as(persona).post('/fhir/Patient', fresh);
      expect([persona, a.status, b.status]).toEqual([persona, 403, 403]);
    }
  });

  it('under 16 the patient does not revoke their consent; a parent no longer decides after 16', async () => {
    const lucas = `Bearer ${t.token({ sub: 'lucas', role: 'patient', ssin: makeSsin('2016-05-14', 3), scope: 'patient/*.rs patient/Consent.cu' })}`;
    const revoked = consentFor('patient-lucas-dubois', 'hub-sharing', {
      id: 'consent-lucas-dubois-hub-sharing',
      status: 'inactive',
      channel: 'pdf-form',
      period: { start: '2024-05-02T10:30:00Z', end: '2026-11-23T09:00:00Z' },
    });
    const own = await supertest(t.app)
      .put('/fhir/Consent/consent-lucas-dubois-hub-sharing')
      .set('Authorization', lucas)
      .set('Content-Type', 'application/fhir+json')
      .send(revoked);
    expect(own.status).toBe(422);
    t.setNow(new Date('2032-06-01T09:00:00Z'));
    try {
      // SPEC §4: her parental grant ended on his 16th birthday: his consent is no longer hers to see (404) nor to change.
      expect((await t.as('patient-marie-dubois').put('/fhir/Consent/consent-lucas-dubois-hub-sharing', revoked)).status).toBe(404);
    } finally {
      t.setNow(new Date('2026-11-23T09:00:00Z'));
    }
  });

  it('professionals never reach an exclusion, not even the excluded one or with a claimed patient request', async () => {
    const ended = {
      ...consentFor('patient-luc-martin', 'exclusion', {
        id: 'consent-luc-martin-exclusion-sarah-maes',
        status: 'inactive',
        actor: 'Practitioner/physician-sarah-maes',
      }),
      verification: [{ verified: true, verifiedWith: { reference: 'Patient/patient-luc-martin' } }],
    };
    for (const persona of ['gp-thomas-lambert', 'physician-sarah-maes']) {
      expect((await t.as(persona).put('/fhir/Consent/consent-luc-martin-exclusion-sarah-maes', ended)).status).toBe(404);
    }
  });

  it('institutions open admission links for themselves only, and only as members', async () => {
    const stay = (member: string) => ({
      ...careTeam('patient-marie-dubois', member, 'hospital-stay', { start: '2026-11-23T09:00:00Z' }),
      extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'hospital-admission' }],
    });
    expect((await t.as('hopital-du-parc-admin').post('/fhir/CareTeam', stay('Organization/org-ziekenhuis-zuid'))).status).toBe(403);
    expect((await t.as('parc-medical-director').post('/fhir/CareTeam', stay(PARC))).status).toBe(403);
    expect((await t.as('etangs-admin').post('/fhir/CareTeam', stay('Organization/org-clinique-des-etangs'))).status).toBe(422);
    // Sarah acts for Parc and does not reach Marie: refused before the link rules.
    expect((await t.as('physician-sarah-maes').post('/fhir/CareTeam', stay('Organization/org-ziekenhuis-zuid'))).status).toBe(403);
    // Not acting for Parc: the policy refuses her an institution's link (403), before the link rules.
    expect((await t.as('gp-anna-peeters').post('/fhir/CareTeam', stay(PARC))).status).toBe(403);
  });

  // regression: a patient under 16 granted anyone access to their record, or excluded their GP, alone (SPEC §4); fixed by refusing consents written by patients under 16.
  it('a patient under 16 grants nobody access to their record (nor excludes a professional) alone', async () => {
    const lucas = `Bearer ${t.token({ sub: 'lucas', role: 'patient', ssin: makeSsin('2016-05-14', 3), scope: 'patient/*.rs patient/Consent.cu patient/RelatedPerson.cu' })}`;
    const post = (url: string, body: unknown) =>
      supertest(t.app)
        .post(url)
        .set('Authorization', lucas)
        .set('Content-Type', 'application/fhir+json')
        .send(body as object);
    const strangerSsin = makeSsin('1980-02-02', 55);
    const person = await post('/fhir/RelatedPerson', {
      resourceType: 'RelatedPerson',
      patient: { reference: 'Patient/patient-lucas-dubois' },
      identifier: [{ system: SSIN_SYSTEM, value: strangerSsin }],
    });
    const grant = await post('/fhir/Consent', consentFor('patient-lucas-dubois', 'grant', { actor: `RelatedPerson/${person.body.id}` }));
    expect(grant.status).toBe(422);
    const stranger = `Bearer ${t.token({ sub: 'stranger', role: 'patient', ssin: strangerSsin, scope: 'patient/*.rs' })}`;
    const links = await supertest(t.app).get('/fhir/CareTeam?patient=patient-lucas-dubois').set('Authorization', stranger);
    expect(links.body.entry ?? []).toHaveLength(0);
    expect((await post('/fhir/Consent', consentFor('patient-lucas-dubois', 'exclusion', { actor: 'Practitioner/gp-anna-peeters' }))).status).toBe(422);
  });

  // regression: one transaction registered two active hub-sharing consents, so revoking one left the patient shared; fixed by one consent guard per patient.
  it('one transaction cannot register two active hub-sharing consents for a patient', async () => {
    const pieter = 'patient-pieter-claes';
    const sharing = consentFor(pieter, 'hub-sharing', { channel: 'gp' });
    const tx = await t.as('gp-anna-peeters').post('/fhir', twiceInOneTransaction('Consent', sharing));
    expect(tx.status).toBe(422);
    const stored = await t.store.readFacts('Consent', { field: 'keys.patient', in: [`Patient/${pieter}`] }, 10);
    expect(stored).toHaveLength(0);
  });
});
