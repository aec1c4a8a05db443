import { createHub } from '../../src/create-hub';
import { createLogger } from '../../src/log';
import { consentFor, documentFor, startNetworkHub, type NetworkHub } from '../support/network';
import { JAN as JAN_ID, PIETER as PIETER_ID } from '../support/personas';

/**
 * Crash safety of the invariants: a guard or a version claimed by a writer that died before
 * writing must not block forever. The crashed writer is played by writing its claim straight
 * into the database, exactly as it would have left it.
 */
let t: NetworkHub;
const PIETER = `Patient/${PIETER_ID}`;
const JAN = `Patient/${JAN_ID}`;
const MINUTE = 60_000;

const guards = () => t.database.db.collection<{ _id: string; holder: string; version: number; token: string; claimedAt: Date }>('WriteGuard');
const consent = (patient: string) => t.as('gp-thomas-lambert').post('/fhir/Consent', consentFor(patient.split('/')[1], 'hub-sharing', { channel: 'gp' }));

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

describe('guards', () => {
  it('a guard whose holder was never written blocks while its write may be in flight, and is taken over once abandoned', async () => {
    const key = `hub-sharing|${PIETER}`;
    await guards().insertOne({ _id: key, holder: 'Consent/written-by-a-writer-that-died', version: 1, token: 'dead', claimedAt: new Date() });
    const inFlight = await consent(PIETER);
    expect(inFlight.status).toBe(422);
    await guards().updateOne({ _id: key }, { $set: { claimedAt: new Date(Date.now() - 2 * MINUTE) } });
    const taken = await consent(PIETER);
    expect(taken.status).toBe(201);
    expect((await guards().findOne({ _id: key }))?.holder).toBe(`Consent/${taken.body.id}`);
    // The taken-over guard holds as any other.
    expect((await consent(PIETER)).status).toBe(422);
  });

  it('a guard left behind by a holder that has left the state is taken over at once', async () => {
    // Jan's consent is stored inactive; its release was lost (a crash after the revocation's write).
    const key = `hub-sharing|${JAN}`;
    await guards().insertOne({ _id: key, holder: 'Consent/consent-jan-janssens-hub-sharing', version: 1, token: 'lost-release', claimedAt: new Date() });
    const registered = await consent(JAN);
    expect(registered.status).toBe(201);
    expect((await guards().findOne({ _id: key }))?.holder).toBe(`Consent/${registered.body.id}`);
  });
});

describe('version claims', () => {
  it('a claimed next version whose current document never followed blocks while young, and is taken over once abandoned', async () => {
    const created = await t
      .as('gp-anna-peeters')
      .post('/fhir/DocumentReference', { ...documentFor('patient-marie-dubois', { author: 'Practitioner/gp-anna-peeters' }), description: 'v1' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const history = t.database.db.collection<{ _id: string; claimedAt?: Date }>('History');
    const v1 = await history.findOne({ _id: `DocumentReference/${id}/1` });
    // A writer claimed version 2 and died before writing the current document.
    await history.insertOne({ ...v1!, _id: `DocumentReference/${id}/2`, v: 2, claim: 'dead', claimedAt: new Date() } as never);
    const update = () =>
      t
        .as('gp-anna-peeters')
        .put(`/fhir/DocumentReference/${id}`, { ...created.body, description: 'v2' })
        .set('If-Match', 'W/"1"');
    expect((await update()).status).toBe(412);
    // The claimed version was never written: no history lists it.
    const listed = async () => {
      const res = await t.as('gp-anna-peeters').get('/fhir/DocumentReference/_history?_count=1000');
      expect(res.status).toBe(200);
      return (res.body.entry ?? [])
        .filter((e: { resource?: { id: string } }) => e.resource?.id === id)
        .map((e: { response: { etag: string } }) => e.response.etag);
    };
    expect(await listed()).toEqual(['W/"1"']);
    expect((await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}/_history`)).body.entry).toHaveLength(1);
    await history.updateOne({ _id: `DocumentReference/${id}/2` }, { $set: { claimedAt: new Date(Date.now() - 2 * MINUTE) } });
    const taken = await update();
    expect(taken.status).toBe(200);
    expect(taken.body.meta.versionId).toBe('2');
    expect((await history.findOne({ _id: `DocumentReference/${id}/2` }))?.claimedAt?.getTime()).toBeGreaterThan(Date.now() - MINUTE);
    expect((await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}/_history/2`)).body.description).toBe('v2');
    expect((await listed()).sort()).toEqual(['W/"1"', 'W/"2"']);
  });
});

describe('data written before the guards', () => {
  it('enters the guards of resources in guarded states at the next start, once', async () => {
    // As a database written before guards existed: the resources are there, their guards are not.
    await guards().deleteMany({});
    await createHub(t.config, t.database, { log: createLogger('silent') });
    const held = async (key: string) => (await guards().findOne({ _id: key }))?.holder;
    expect(await held('hub-sharing|Patient/patient-marie-dubois')).toBe('Consent/consent-marie-dubois-hub-sharing');
    expect(await held('ssin|84031212638')).toBe('Patient/patient-marie-dubois');
    expect(await held('task|practitioner-registration|Practitioner/gp-nadia-haddad')).toBe('Task/task-registration-nadia-haddad');
    // Jan's fixture consent is inactive: it guards nothing.
    expect(await guards().countDocuments({ holder: 'Consent/consent-jan-janssens-hub-sharing' })).toBe(0);
    // Once per database: a guard released later is not entered again by the next start.
    await guards().deleteOne({ _id: 'ssin|84031212638' });
    await createHub(t.config, t.database, { log: createLogger('silent') });
    expect(await held('ssin|84031212638')).toBeUndefined();
  });
});
