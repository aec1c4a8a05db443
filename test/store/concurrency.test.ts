import supertest from 'supertest';
import personas from '../../fixtures/personas.json';
import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { consentFor, documentFor, registrationTask, SH, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { SSIN } from '../../src/vocabulary';
import { MARIE, PIETER, LEAGUE } from '../support/personas';

/**
 * SPEC §5 invariants under concurrency: 20 requests at once (Promise.all over HTTP), exactly one
 * winner, the others a clean 4xx (or add-patient's documented 200), the database holding one.
 */
let t: NetworkHub;
const N = 20;

const bearer = (persona: string) => `Bearer ${t.token((personas.personas as Record<string, { claims: Record<string, unknown> }>)[persona].claims)}`;
const times = <T>(n: number, run: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => run(i)));
const statuses = (responses: { status: number }[]) => responses.map((r) => r.status).sort();
const count = (all: number[], status: number) => all.filter((s) => s === status).length;

/** Versions of a resource as the database holds them (history entries; the current document's version). */
async function versionsOf(type: string, id: string): Promise<string[]> {
  const history = await t.database.db.collection('History').find({ t: type, id }).toArray();
  const current = await t.database.db.collection(type).findOne({ _id: id as never });
  expect(history.map((h) => h.v).sort()).toEqual(Array.from({ length: current?.v ?? 0 }, (_, i) => i + 1));
  return history.map((h) => `W/"${h.v}"`).sort();
}

async function annasDocument(label: string): Promise<string> {
  const created = await t
    .as('gp-anna-peeters')
    .post('/fhir/DocumentReference', { ...documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' }), description: label });
  expect(created.status).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

describe('If-Match: exactly one of several concurrent updates of one version wins, the others get 412', () => {
  it('PUT', async () => {
    const id = await annasDocument('put race');
    const current = (await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}`)).body;
    const all = await times(N, (i) =>
      t
        .as('gp-anna-peeters')
        .put(`/fhir/DocumentReference/${id}`, { ...current, description: `writer ${i}` })
        .set('If-Match', 'W/"1"')
    );
    const s = statuses(all);
    expect(count(s, 200)).toBe(1);
    expect(count(s, 412)).toBe(N - 1);
    const winner = all.find((r) => r.status === 200)!;
    expect(winner.body.meta.versionId).toBe('2');
    expect(await versionsOf('DocumentReference', id)).toEqual(['W/"1"', 'W/"2"']);
    expect((await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}`)).body.description).toBe(winner.body.description);
  });

  it('PATCH', async () => {
    const id = await annasDocument('patch race');
    const all = await times(N, (i) =>
      supertest(t.app)
        .patch(`/fhir/DocumentReference/${id}`)
        .set('Authorization', bearer('gp-anna-peeters'))
        .set('Content-Type', 'application/json-patch+json')
        .set('If-Match', 'W/"1"')
        .send([{ op: 'replace', path: '/description', value: `patcher ${i}` }])
    );
    const s = statuses(all);
    expect(count(s, 200)).toBe(1);
    expect(count(s, 412)).toBe(N - 1);
    expect(await versionsOf('DocumentReference', id)).toEqual(['W/"1"', 'W/"2"']);
  });

  it('DELETE', async () => {
    const id = await annasDocument('delete race');
    const all = await times(N, () => t.as('gp-anna-peeters').delete(`/fhir/DocumentReference/${id}`).set('If-Match', 'W/"1"'));
    const s = statuses(all);
    expect(count(s, 200) + count(s, 204)).toBe(1);
    expect(count(s, 412)).toBe(N - 1);
    expect(await versionsOf('DocumentReference', id)).toEqual(['W/"1"', 'W/"2"']);
  });

  it('batch entries', async () => {
    const id = await annasDocument('batch race');
    const current = (await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}`)).body;
    const all = await times(N, (i) =>
      t.as('gp-anna-peeters').post('/fhir', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ resource: { ...current, description: `batch ${i}` }, request: { method: 'PUT', url: `DocumentReference/${id}`, ifMatch: 'W/"1"' } }],
      })
    );
    expect(all.every((r) => r.status === 200)).toBe(true);
    const entries = statuses(all.map((r) => ({ status: Number.parseInt(r.body.entry[0].response.status, 10) })));
    expect(count(entries, 200)).toBe(1);
    expect(count(entries, 412)).toBe(N - 1);
    expect(await versionsOf('DocumentReference', id)).toEqual(['W/"1"', 'W/"2"']);
  });

  it('transaction entries', async () => {
    const id = await annasDocument('transaction race');
    const current = (await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}`)).body;
    const all = await times(N, (i) =>
      t.as('gp-anna-peeters').post('/fhir', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { ...current, description: `transaction ${i}` }, request: { method: 'PUT', url: `DocumentReference/${id}`, ifMatch: 'W/"1"' } }],
      })
    );
    const s = statuses(all);
    expect(count(s, 200)).toBe(1);
    expect(count(s, 412)).toBe(N - 1);
    expect(await versionsOf('DocumentReference', id)).toEqual(['W/"1"', 'W/"2"']);
  });

  it('without If-Match: no duplicate version and no 500, each success a version of its own', async () => {
    const id = await annasDocument('plain race');
    const current = (await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}`)).body;
    const all = await times(N, (i) => t.as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, { ...current, description: `plain ${i}` }));
    const s = statuses(all);
    expect(s.every((status) => status === 200 || status === 409)).toBe(true);
    const won = all.filter((r) => r.status === 200).map((r) => r.body.meta.versionId);
    expect(new Set(won).size).toBe(won.length);
    const versions = await versionsOf('DocumentReference', id);
    expect(versions).toHaveLength(won.length + 1);
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe('one active hub-sharing consent per patient', () => {
  /** Active hub-sharing consents of the patient, as stored. */
  const activeConsents = async () => {
    const stored = await t.database.db
      .collection('Consent')
      .find({ 'r.patient.reference': `Patient/${PIETER}`, 'r.status': 'active', del: false })
      .toArray();
    return stored.filter((d) => JSON.stringify(d.r.category).includes('hub-sharing')).map((d) => d._id);
  };

  it('20 registrations at once: one 201, the others 422, one active consent stored; after revocation a new one is accepted', async () => {
    const all = await times(N, () => t.as('gp-thomas-lambert').post('/fhir/Consent', consentFor(PIETER, 'hub-sharing', { channel: 'gp' })));
    const s = statuses(all);
    expect(count(s, 201)).toBe(1);
    expect(count(s, 422)).toBe(N - 1);
    expect(all.find((r) => r.status === 422)!.body.issue[0].details.text).toBe('The patient already has an active consent to data sharing');
    const active = await activeConsents();
    expect(active).toEqual([all.find((r) => r.status === 201)!.body.id]);

    // Revoked: the guard is released with the state, and re-consent is allowed (SPEC §4).
    const consent = all.find((r) => r.status === 201)!.body;
    const revoked = await t.as('patient-pieter-claes').put(`/fhir/Consent/${consent.id}`, {
      ...consent,
      status: 'inactive',
      provision: { ...consent.provision, period: { ...consent.provision.period, end: t.hub.clock().toISOString() } },
    });
    expect(revoked.status).toBe(200);
    expect(await activeConsents()).toEqual([]);
    const again = await t.as('gp-thomas-lambert').post('/fhir/Consent', consentFor(PIETER, 'hub-sharing', { channel: 'gp' }));
    expect(again.status).toBe(201);
    expect(await activeConsents()).toEqual([again.body.id]);
  });
});

describe('one Patient per SSIN', () => {
  const holders = async (ssin: string) => (await t.as('gp-anna-peeters').get(`/fhir/Patient?identifier=${SSIN}|${ssin}`)).body.entry ?? [];

  it('20 add-patient requests for a new SSIN at once: one 201, the others 200 with that Patient, one stored', async () => {
    const ssin = makeSsin('1981-04-04', 77);
    const all = await times(N, (i) =>
      t.as(i % 2 ? 'gp-anna-peeters' : 'gp-thomas-lambert').post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: ssin }] })
    );
    const s = statuses(all);
    expect(count(s, 201)).toBe(1);
    expect(count(s, 200)).toBe(N - 1);
    const id = all.find((r) => r.status === 201)!.body.id;
    expect(all.every((r) => r.body.id === id)).toBe(true);
    expect(await holders(ssin)).toHaveLength(1);
  });

  it('20 add-patient requests for a registered SSIN at once: all 200 with the existing Patient', async () => {
    const all = await times(N, () =>
      t.as('gp-thomas-lambert').post('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: '84031212638' }] })
    );
    expect(statuses(all)).toEqual(Array(N).fill(200));
    expect(all.every((r) => r.body.id === MARIE)).toBe(true);
    expect(await holders('84031212638')).toHaveLength(1);
  });
});

describe('one pending registration Task per kind and subject', () => {
  const task = (subject: string) => registrationTask('practitioner-registration', subject, LEAGUE);
  const pending = async (subject: string) => (await t.as('hub-admin').get(`/fhir/Task?subject=${subject}&status=requested&_summary=count`)).body.total;

  it('20 filings at once: one 201, the others 422, one pending; once decided, a new one may be filed', async () => {
    const prac = await seed(t, {
      resourceType: 'Practitioner',
      id: 'gp-concurrent-filing',
      active: false,
      identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional', value: '19999999102' }],
      qualification: [{ code: { coding: [{ system: `${SH}/CodeSystem/profession`, code: 'physician' }] } }],
    });
    const subject = `Practitioner/${prac.id}`;
    const claims = { sub: 'gp-concurrent-filing', role: 'practitioner', nihii: '19999999102', profession: 'physician', scope: 'user/*.cruds' };
    const file = () =>
      supertest(t.app)
        .post('/fhir/Task')
        .set('Authorization', `Bearer ${t.token(claims)}`)
        .set('Content-Type', 'application/fhir+json')
        .send(task(subject));
    const all = await times(N, file);
    const s = statuses(all);
    expect(count(s, 201)).toBe(1);
    expect(count(s, 422)).toBe(N - 1);
    expect(all.find((r) => r.status === 422)!.body.issue[0].details.text).toBe('A request of this kind is already pending');
    expect(await pending(subject)).toBe(1);

    const filed = all.find((r) => r.status === 201)!.body.id;
    expect((await t.as('league-admin').post(`/fhir/Task/${filed}/$reject`, { resourceType: 'Parameters' })).status).toBe(200);
    expect(await pending(subject)).toBe(0);
    expect((await file()).status).toBe(201);
  });
});

describe('facts that follow a write', () => {
  it('20 exclusions of one professional at once: every one stored, no 500, the link ended once', async () => {
    const link = 'link-marie-dubois-els-goossens';
    const all = await times(N, () =>
      t
        .as('patient-marie-dubois')
        .post('/fhir/Consent', consentFor(MARIE, 'exclusion', { actor: 'Practitioner/nurse-els-goossens', period: { start: t.hub.clock().toISOString() } }))
    );
    expect(statuses(all)).toEqual(Array(N).fill(201));
    const stored = await t.database.db.collection('CareTeam').findOne({ _id: link as never });
    expect(stored?.r.status).toBe('inactive');
    expect(stored?.v).toBe(2);
    expect(await versionsOf('CareTeam', link)).toEqual(['W/"1"', 'W/"2"']);
  });
});
