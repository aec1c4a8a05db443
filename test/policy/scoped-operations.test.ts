import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Document } from 'mongodb';
import supertest from 'supertest';
import { onlyLinksOf, startScopedAndFullHubs, type ScopedAndFullHubs } from '../support/scoped-facts';
import { compositionFor, documentFor, NETWORK_DATE, NETWORK_PATIENTS, type NetworkHub, personaClaims, startNetworkHub } from '../support/network';

/**
 * Operations and look-ups that load the caller's facts for one patient (request-patient.ts,
 * request-scope.ts) answer every persona exactly as the same hub on the caller's full facts does:
 * `Patient/{id}/$summary`, look-ups by exact SSIN, and `$content` / `$request-deletion` of a
 * document whose content in the safe is another patient's (those take the full facts).
 */
let t: NetworkHub;
let hubs: ScopedAndFullHubs;
beforeAll(async () => {
  t = await startNetworkHub();
  hubs = await startScopedAndFullHubs(t);
}, 120_000);
afterAll(async () => {
  await hubs.close();
  await t.close();
});

const MARIE = 'patient-marie-dubois';
const LUCAS = 'patient-lucas-dubois';
const ANNA = 'Practitioner/gp-anna-peeters';

function as(persona: string) {
  const auth = `Bearer ${t.token(personaClaims(persona))}`;
  const agent = supertest(hubs.scoped.app);
  return {
    get: (url: string) => agent.get(url).set('Authorization', auth),
    post: (url: string, body: object) => agent.post(url).set('Authorization', auth).set('Content-Type', 'application/fhir+json').send(body),
  };
}

async function annasDocumentFor(patient: string): Promise<string> {
  const created = await as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(patient, { author: ANNA }));
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

describe('answers with one patient’s facts are those of the full facts', () => {
  /**
   * A transaction naming two patients the caller reaches may give Marie's document a Composition of
   * Lucas's as its content, or a Binary kept under Lucas's document: the safe-content rule asks only
   * that they are written together. `$content` reads that content and `$request-deletion` ends the
   * Composition as the caller sees them, so both hubs must see (and end) it alike.
   */
  async function documentWithLucasContent(target: Express): Promise<{ doc: string; composition: string; binaryDoc: string }> {
    const urn = () => `urn:uuid:${randomUUID()}`;
    const [compositionUrl, docUrl, lucasDocUrl, binaryUrl, binaryDocUrl] = [urn(), urn(), urn(), urn(), urn()];
    const note = {
      ...compositionFor(LUCAS, { code: '11488-4', title: 'Consultation note' }),
    };
    const safeDocument = (patient: string, url: string, contentType: string) => ({
      ...documentFor(patient, { author: ANNA, custodian: false }),
      content: [{ attachment: { url, contentType } }],
    });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: compositionUrl, resource: note, request: { method: 'POST', url: 'Composition' } },
        { fullUrl: docUrl, resource: safeDocument(MARIE, compositionUrl, 'application/fhir+json'), request: { method: 'POST', url: 'DocumentReference' } },
        { fullUrl: lucasDocUrl, resource: safeDocument(LUCAS, binaryUrl, 'text/plain'), request: { method: 'POST', url: 'DocumentReference' } },
        { fullUrl: binaryDocUrl, resource: safeDocument(MARIE, binaryUrl, 'text/plain'), request: { method: 'POST', url: 'DocumentReference' } },
        {
          fullUrl: binaryUrl,
          resource: {
            resourceType: 'Binary',
            contentType: 'text/plain',
            securityContext: { reference: lucasDocUrl },
            data: Buffer.from('Lucas').toString('base64'),
          },
          request: { method: 'POST', url: 'Binary' },
        },
      ],
    };
    const written = await supertest(target)
      .post('/fhir')
      .set('Authorization', `Bearer ${t.token(personaClaims('gp-anna-peeters'))}`)
      .set('Content-Type', 'application/fhir+json')
      .send(bundle);
    expect(written.status).toBe(200);
    const ids = (written.body as { entry: { response: { location: string } }[] }).entry.map((e) => e.response.location.split('/')[1]);
    return { composition: ids[0], doc: ids[1], binaryDoc: ids[3] };
  }

  /** Every persona that may ask for a summary: the practitioners of the network, a patient, a trusted person, an administrator. */
  const SUMMARY_PERSONAS = [
    ...['gp-anna-peeters', 'gp-thomas-lambert', 'physician-sarah-maes', 'physician-koen-wouters', 'nurse-els-goossens', 'pharmacist-ahmed-benali'],
    ...['junior-lisa-vermeulen', 'gp-nadia-haddad', 'nurse-sophie-leclercq', 'physician-marc-dupont'],
    ...['patient-marie-dubois', 'trusted-paolo-rossi', 'hub-admin'],
  ];

  it("Patient/$summary answers every persona as with the full facts, reading one patient's links; another patient's content is left out", async () => {
    // Marie's latest SUMEHR lists a document of Lucas and Lucas himself (Anna reaches both, so the publication
    // is accepted); a later SUMEHR-typed document of Marie's, written in a two-patient transaction, keeps a
    // Composition of Lucas's. A summary of Marie holds neither, whoever asks.
    const lucasDoc = await annasDocumentFor(LUCAS);
    const problem = {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: { resourceType: 'Condition', subject: { reference: `Patient/${MARIE}` }, code: { text: 'Asthma' } },
    };
    const published = await as('gp-anna-peeters').post('/fhir/Composition/$publish-sumehr', {
      resourceType: 'Bundle',
      type: 'document',
      entry: [
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            ...compositionFor(MARIE),
            section: [
              { title: 'problems', entry: [{ reference: problem.fullUrl }, { reference: `DocumentReference/${lucasDoc}` }, { reference: `Patient/${LUCAS}` }] },
            ],
          },
        },
        problem,
      ],
    });
    expect(published.status).toBe(201);
    const [noteUrl, typedUrl] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
    const typedAsSumehr = await as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: noteUrl,
          resource: {
            ...compositionFor(LUCAS, { code: '11488-4', title: 'Consultation note' }),
          },
          request: { method: 'POST', url: 'Composition' },
        },
        {
          fullUrl: typedUrl,
          resource: {
            ...documentFor(MARIE, { author: ANNA, loinc: '60591-5', cls: 'summary', date: NETWORK_DATE.toISOString(), custodian: false }),
            content: [{ attachment: { url: noteUrl, contentType: 'application/fhir+json' } }],
          },
          request: { method: 'POST', url: 'DocumentReference' },
        },
      ],
    });
    expect(typedAsSumehr.status).toBe(200);
    const lucasNote = (typedAsSumehr.body as { entry: { response: { location: string } }[] }).entry[0].response.location.split('/')[1];

    const seen = new Set<number>();
    for (const persona of SUMMARY_PERSONAS) {
      const auth = `Bearer ${t.token(personaClaims(persona))}`;
      for (const patient of [...NETWORK_PATIENTS, 'no-such-patient']) {
        const url = `/fhir/Patient/${patient}/$summary`;
        const scoped = await hubs.careTeamsReadBy(() => supertest(hubs.scoped.app).get(url).set('Authorization', auth));
        const full = await supertest(hubs.full.app).get(url).set('Authorization', auth);
        expect({ persona, url, status: scoped.answer.status, body: scoped.answer.body as unknown }).toEqual({
          persona,
          url,
          status: full.status,
          body: full.body as unknown,
        });
        if (persona === 'gp-anna-peeters') expect({ url, scoped: onlyLinksOf(scoped.queries, `Patient/${patient}`) }).toEqual({ url, scoped: true });
        seen.add(full.status);
      }
    }
    expect([...seen].sort()).toEqual([200, 404]);
    const annas = await as('gp-anna-peeters').get(`/fhir/Patient/${MARIE}/$summary`);
    const held = (annas.body as { entry: { resource: { resourceType: string; id: string } }[] }).entry.map(
      (e) => `${e.resource.resourceType}/${e.resource.id}`
    );
    expect(held).toEqual(expect.arrayContaining([`Patient/${MARIE}`, ANNA]));
    expect(held.filter((r) => [`DocumentReference/${lucasDoc}`, `Patient/${LUCAS}`, `Composition/${lucasNote}`].includes(r))).toEqual([]);
  });

  it("look-ups by exact SSIN (Patient search, $consent-status) answer every persona as with the full facts, reading one patient's links", async () => {
    const SSIN = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin';
    const patients = await hubs.scoped.db(t.config.databaseName).collection('Patient').find({}).toArray();
    const ssinOf = (doc: Document) =>
      ((doc.r as { identifier?: { system?: string; value?: string }[] }).identifier ?? []).find((i) => i.system === SSIN)?.value;
    const registered = patients.flatMap((doc) => (ssinOf(doc) ? [{ ssin: ssinOf(doc) as string, patient: `Patient/${String(doc._id)}` }] : []));
    expect(registered.length).toBeGreaterThan(3);
    // A valid number nobody registered: no patient's facts, the same "none" and empty search.
    const lookUps = [...registered, { ssin: '85073010058', patient: 'Patient/' }];
    const seen = new Set<string>();
    for (const persona of SUMMARY_PERSONAS) {
      const auth = `Bearer ${t.token(personaClaims(persona))}`;
      for (const { ssin, patient } of lookUps) {
        for (const url of [
          `/fhir/Patient?identifier=${encodeURIComponent(`${SSIN}|${ssin}`)}`,
          `/fhir/Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN}|${ssin}`)}`,
        ]) {
          const scoped = await hubs.careTeamsReadBy(() => supertest(hubs.scoped.app).get(url).set('Authorization', auth));
          const full = await supertest(hubs.full.app).get(url).set('Authorization', auth);
          expect({ persona, url, status: scoped.answer.status, body: scoped.answer.body as unknown }).toEqual({
            persona,
            url,
            status: full.status,
            body: full.body as unknown,
          });
          if (persona === 'gp-anna-peeters') expect({ url, scoped: onlyLinksOf(scoped.queries, patient) }).toEqual({ url, scoped: true });
          const body = full.body as { entry?: unknown[]; parameter?: { name: string; valueCode?: string }[] };
          const status = body.parameter?.find((p) => p.name === 'status')?.valueCode;
          seen.add(url.includes('$consent-status') ? `consent ${full.status} ${status ?? ''}` : `search ${full.status} ${body.entry?.length ?? 0}`);
        }
      }
    }
    // Found and not found, consent active, revoked and none, refused: not a vacuous agreement.
    expect([...seen]).toEqual(
      expect.arrayContaining(['search 200 1', 'search 200 0', 'consent 200 active', 'consent 200 revoked', 'consent 200 none', 'consent 403 '])
    );
  });

  it("a document whose content in the safe is another patient's: $content and $request-deletion answer and end it as with the full facts", async () => {
    const written = [await documentWithLucasContent(hubs.scoped.app), await documentWithLucasContent(hubs.full.app)];
    const compositionStatus = (id: string) =>
      hubs.scoped
        .db(t.config.databaseName)
        .collection('Composition')
        .findOne({ _id: id as unknown as Document['_id'] })
        .then((doc) => (doc as { r?: { status?: string } } | null)?.r?.status);
    for (const persona of ['gp-anna-peeters', 'gp-thomas-lambert', 'nurse-els-goossens', 'gp-nadia-haddad']) {
      const auth = `Bearer ${t.token(personaClaims(persona))}`;
      const answers = [];
      for (const [h, target] of [hubs.scoped.app, hubs.full.app].entries()) {
        const agent = supertest(target);
        const content = await Promise.all(
          [written[h].doc, written[h].binaryDoc].map((doc) => agent.get(`/fhir/DocumentReference/${doc}/$content`).set('Authorization', auth))
        );
        answers.push(content.map((c) => ({ status: c.status, body: c.status === 200 ? String(c.text).replace(written[h].composition, '{composition}') : '' })));
      }
      expect({ persona, scoped: answers[0] }).toEqual({ persona, scoped: answers[1] });
    }
    const withdrawals = [];
    for (const [h, target] of [hubs.scoped.app, hubs.full.app].entries()) {
      const withdrawn = await supertest(target)
        .post(`/fhir/DocumentReference/${written[h].doc}/$request-deletion`)
        .set('Authorization', `Bearer ${t.token(personaClaims('gp-anna-peeters'))}`)
        .set('Content-Type', 'application/fhir+json')
        .send({});
      withdrawals.push({ status: withdrawn.status, composition: await compositionStatus(written[h].composition) });
    }
    // The full facts end Lucas's Composition with Marie's document; the scoped request must do the same.
    expect(withdrawals[1]).toEqual({ status: 200, composition: 'entered-in-error' });
    expect(withdrawals[0]).toEqual(withdrawals[1]);
  });
});
