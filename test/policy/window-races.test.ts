import { MongoNetworkError } from 'mongodb';
import { fieldIn } from '../../src/store/condition';
import { lockedDocumentCount } from '../../src/store/document-locks';
import { binaryFor, careTeam, consentFor, documentFor, NETWORK_DATE, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { annasReferral, revokeConsent, seedConsentedPatient, twentyReferralsAround, WriteHold } from '../support/race-patients';

/**
 * A link (or a document) carries the patient's consent window (and a document its author-only
 * window), read before it is written. A consent revocation or a restriction written in between
 * must not be undone by that stale read: these tests hold the write between its look-up and its
 * commit, let the fact change go through entirely, then let the write land, and check over HTTP
 * that the link path (or the document) is closed.
 */
let t: NetworkHub;
const DAY = 86_400_000;
const at = (days: number) => new Date(NETWORK_DATE.getTime() + days * DAY);

const hold = new WriteHold();
const holdNextWrite = (type: string) => hold.next(type);

/** Makes the next setting of one type's access fields by id fail as an unreachable database. */
let failOpening: string | undefined;

beforeAll(async () => {
  t = await startNetworkHub(
    {},
    {
      faults: {
        beforeAccessFieldsSetById(type: string) {
          if (type !== failOpening) return;
          failOpening = undefined;
          throw new MongoNetworkError('simulated: the database went away after the commit');
        },
        beforeWrite: hold.beforeWrite,
      },
    }
  );
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  failOpening = undefined;
  hold.clear();
});

const status = async (persona: string, url: string) => (await t.as(persona).get(`/fhir/${url}`)).status;

const consentedPatient = (id: string, serial: number) => seedConsentedPatient(t, id, serial);

const revoke = (patient: string) => revokeConsent(t, patient);

const referral = annasReferral;

describe('a link written while the consent is revoked', () => {
  it('stays closed when the revocation and its resync pass between the link look-up and its commit', async () => {
    await consentedPatient('patient-race-link', 41);
    const held = holdNextWrite('CareTeam');
    // The link request has passed its rules (the consent was active) and read the window: it waits at the commit.
    const creating = t
      .as('gp-anna-peeters')
      .post('/fhir/CareTeam', referral('patient-race-link'))
      .then((r) => r);
    await held.reached;
    await revoke('patient-race-link');
    held.release();
    const created = await creating;
    expect(created.status).toBe(201);

    expect(await status('gp-anna-peeters', 'Patient/patient-race-link')).toBe(404);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-race-link-lab')).toBe(404);
    const stored = await t.store.readFactById('CareTeam', created.body.id);
    expect((stored?.a.consentUntil as Date).getTime()).toBeLessThan(NETWORK_DATE.getTime());
  });

  it('a link written without a race still opens the link path', async () => {
    await consentedPatient('patient-calm-link', 42);
    expect((await t.as('gp-anna-peeters').post('/fhir/CareTeam', referral('patient-calm-link'))).status).toBe(201);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-calm-link-lab')).toBe(200);
  });

  it('twenty links created at once with a revocation: every link ends closed', async () => {
    await consentedPatient('patient-race-many', 43);
    // The revocation starts once the first link reaches the database, the other nineteen still in flight.
    const answers = await twentyReferralsAround(t, hold, 'patient-race-many', () => revoke('patient-race-many'));
    // Each creation either came before the revocation (201) or was refused for lack of consent (422).
    for (const answer of answers) expect([201, 422]).toContain(answer.status);

    const links = await t.store.readFacts('CareTeam', fieldIn('access.patient', ['Patient/patient-race-many']));
    expect(links.length).toBe(answers.filter((a) => a.status === 201).length);
    for (const link of links) expect((link.a.consentUntil as Date).getTime()).toBeLessThan(NETWORK_DATE.getTime());
    expect(await status('gp-anna-peeters', 'Patient/patient-race-many')).toBe(404);
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-race-many-lab')).toBe(404);
  });
});

describe('fail closed', () => {
  it('a link whose window cannot be opened after its commit stays closed, and the answer says it was stored', async () => {
    await consentedPatient('patient-failing-link', 45);
    failOpening = 'CareTeam';
    const created = await t.as('gp-anna-peeters').post('/fhir/CareTeam', referral('patient-failing-link'));
    expect(failOpening).toBeUndefined();
    expect(created.status).toBe(503);
    const links = await t.store.readFacts('CareTeam', fieldIn('access.patient', ['Patient/patient-failing-link']));
    expect(links).toHaveLength(1);
    expect(JSON.stringify(created.body)).toContain(`CareTeam/${links[0]._id}`);
    expect((links[0].a.consentUntil as Date).getTime()).toBeLessThan(NETWORK_DATE.getTime());
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-failing-link-lab')).toBe(404);
  });
});

describe('fail closed on a new version', () => {
  it('a document version whose windows cannot be set again after its commit is closed, and the answer says it was stored', async () => {
    await consentedPatient('patient-failing-update', 46);
    await seed(
      t,
      careTeam('patient-failing-update', 'Practitioner/gp-anna-peeters', 'gp-long-term', { start: at(-10).toISOString(), end: at(300).toISOString() })
    );
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-failing-update-lab')).toBe(200);
    const document = (await t.store.readFactById('DocumentReference', 'patient-failing-update-lab'))?.r as unknown as Record<string, unknown>;
    // The new version reads its (open) windows, then waits while a restriction without actor passes
    // entirely: it lands with a stale open window that only setting it again after the commit closes.
    const held = holdNextWrite('DocumentReference');
    // Written in process (as its publisher's system would): the answer is a 503 that names what was stored.
    const updating = seed(t, { ...document, resourceType: 'DocumentReference', description: 'corrected' }).then(
      () => undefined,
      (err: Error) => err
    );
    await held.reached;
    await seed(
      t,
      consentFor('patient-failing-update', 'document-restriction', {
        id: 'patient-failing-update-restriction',
        data: 'DocumentReference/patient-failing-update-lab',
      })
    );
    failOpening = 'DocumentReference';
    held.release();
    expect(String(await updating)).toContain('DocumentReference/patient-failing-update-lab/_history/2');
    expect(failOpening).toBeUndefined();
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-failing-update-lab')).toBe(404);
  });

  it('a new version whose windows read the same after its commit is not set again (nothing could have changed them)', async () => {
    await consentedPatient('patient-calm-update', 47);
    await seed(
      t,
      careTeam('patient-calm-update', 'Practitioner/gp-anna-peeters', 'gp-long-term', { start: at(-10).toISOString(), end: at(300).toISOString() })
    );
    const document = (await t.store.readFactById('DocumentReference', 'patient-calm-update-lab'))?.r as unknown as Record<string, unknown>;
    // Any setting of its windows by id would fail: none is sent, so the write answers as stored.
    failOpening = 'DocumentReference';
    await seed(t, { ...document, resourceType: 'DocumentReference', description: 'corrected' });
    expect(failOpening).toBe('DocumentReference');
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-calm-update-lab')).toBe(200);
    const stored = await t.store.readFactById('DocumentReference', 'patient-calm-update-lab');
    expect(stored?.v).toBe(2);
    expect((stored?.a.consentUntil as Date).getTime()).toBeGreaterThan(NETWORK_DATE.getTime());
  });
});

describe('a document written while a restriction without actor is written', () => {
  it('stays hidden from everyone but its author', async () => {
    await consentedPatient('patient-race-doc', 44);
    await seed(
      t,
      careTeam(
        'patient-race-doc',
        'Practitioner/gp-anna-peeters',
        'gp-long-term',
        { start: at(-10).toISOString(), end: at(300).toISOString() },
        'patient-race-doc-link'
      )
    );
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-race-doc-lab')).toBe(200);

    const document = (await t.store.readFactById('DocumentReference', 'patient-race-doc-lab'))?.r as unknown as Record<string, unknown>;
    const held = holdNextWrite('DocumentReference');
    // A new version of the document has read its (unrestricted) window and waits at the commit.
    const updating = seed(t, { ...document, resourceType: 'DocumentReference', description: 'corrected' });
    await held.reached;
    await seed(
      t,
      consentFor('patient-race-doc', 'document-restriction', { id: 'patient-race-doc-restriction', data: 'DocumentReference/patient-race-doc-lab' })
    );
    held.release();
    await updating;

    expect(await status('gp-anna-peeters', 'DocumentReference/patient-race-doc-lab')).toBe(404);
    expect(await status('physician-koen-wouters', 'DocumentReference/patient-race-doc-lab')).toBe(200);
  });
});

describe('documents written twenty at once while the consent is revoked', () => {
  it('twenty new versions of one document (and its Binary) with a revocation: no 500, each success a version of its own, the document and its content end closed', async () => {
    await consentedPatient('patient-race-versions', 48);
    await seed(
      t,
      careTeam('patient-race-versions', 'Practitioner/gp-anna-peeters', 'gp-long-term', { start: at(-10).toISOString(), end: at(300).toISOString() })
    );
    await seed(t, documentFor('patient-race-versions', { id: 'patient-race-versions-note', cls: 'lab-result', author: 'Practitioner/gp-anna-peeters' }));
    await seed(t, binaryFor('patient-race-versions-bin', 'patient-race-versions-note'));
    const document = (await t.store.readFactById('DocumentReference', 'patient-race-versions-note'))?.r as unknown as Record<string, unknown>;
    expect(await status('gp-anna-peeters', 'Binary/patient-race-versions-bin')).toBe(200);
    // The revocation starts once the first version reaches the database, the other nineteen still in flight.
    const first = holdNextWrite('DocumentReference');
    const updates = Array.from({ length: 20 }, (_, i) =>
      t
        .as('gp-anna-peeters')
        .put('/fhir/DocumentReference/patient-race-versions-note', { ...document, description: `version ${i}` })
        .then((r) => r)
    );
    await first.reached;
    const revoking = revoke('patient-race-versions');
    first.release();
    const [answers] = await Promise.all([Promise.all(updates), revoking]);
    // A version stored (200), lost to a concurrent one (409), or refused once the patient is out of reach (400 or 404, as if missing).
    for (const answer of answers) expect([200, 400, 404, 409]).toContain(answer.status);
    // Every write is answered: no document lock is left held or waited for.
    expect(lockedDocumentCount()).toBe(0);

    const stored = await t.store.readFactById('DocumentReference', 'patient-race-versions-note');
    // Each success is a version of its own (the version claim), and a 2xx is durable: the last
    // version answered 200 is the one stored, not put back by an earlier writer's window update
    // (FerretDB's blind write, src/store/document-locks.ts). History holds every answered version.
    const successes = answers.filter((a) => a.status === 200).map((a) => ({ v: Number(a.body.meta.versionId), description: a.body.description as string }));
    expect(new Set(successes.map((s) => s.v)).size).toBe(successes.length);
    const last = successes.reduce((a, b) => (b.v > a.v ? b : a), { v: 1, description: document.description as string });
    expect({ v: stored?.v, description: (stored?.r as { description?: string }).description }).toEqual(last);
    expect(stored?.v).toBe(1 + successes.length);
    const history = await t.store
      .collections()
      .history.find({ t: 'DocumentReference', id: 'patient-race-versions-note', v: { $gt: 1 } })
      .toArray();
    expect(history.map((h) => ({ v: h.v, description: (h.r as { description?: string }).description })).sort((a, b) => a.v - b.v)).toEqual(
      [...successes].sort((a, b) => a.v - b.v)
    );
    const binary = await t.store.readFactById('Binary', 'patient-race-versions-bin');
    for (const a of [stored?.a, binary?.a]) expect((a?.consentUntil as Date).getTime()).toBeLessThan(NETWORK_DATE.getTime());
    expect(await status('gp-anna-peeters', 'DocumentReference/patient-race-versions-note')).toBe(404);
    expect(await status('gp-anna-peeters', 'Binary/patient-race-versions-bin')).toBe(404);
  });

  it('twenty documents created at once with a revocation: no 500, every stored document ends closed', async () => {
    await consentedPatient('patient-race-documents', 49);
    await seed(
      t,
      careTeam('patient-race-documents', 'Practitioner/gp-anna-peeters', 'gp-long-term', { start: at(-10).toISOString(), end: at(300).toISOString() })
    );
    const first = holdNextWrite('DocumentReference');
    const creations = Array.from({ length: 20 }, () =>
      t
        .as('gp-anna-peeters')
        .post('/fhir/DocumentReference', documentFor('patient-race-documents', { author: 'Practitioner/gp-anna-peeters' }))
        .then((r) => r)
    );
    await first.reached;
    const revoking = revoke('patient-race-documents');
    first.release();
    const [answers] = await Promise.all([Promise.all(creations), revoking]);
    // Stored before the revocation (201), or refused as a write for a patient no longer reached (400, as a missing patient).
    for (const answer of answers) expect([201, 400]).toContain(answer.status);

    const documents = await t.store.readFacts('DocumentReference', fieldIn('access.patient', ['Patient/patient-race-documents']));
    // The seeded lab result and every created one.
    expect(documents.length).toBe(1 + answers.filter((a) => a.status === 201).length);
    for (const doc of documents) expect((doc.a.consentUntil as Date).getTime()).toBeLessThan(NETWORK_DATE.getTime());
    for (const created of answers.filter((a) => a.status === 201)) {
      expect(await status('gp-anna-peeters', `DocumentReference/${created.body.id}`)).toBe(404);
    }
  });
});
