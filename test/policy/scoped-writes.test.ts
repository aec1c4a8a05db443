import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { CommandStartedEvent, Document } from 'mongodb';
import supertest from 'supertest';
import { accessPolicyFor } from '../../src/policy/access-policy';
import { loadFacts } from '../../src/policy/facts';
import { ResourceStore } from '../../src/store/resource-store';
import { startMonitoredHub, type MonitoredHub } from '../support/monitored-hub';
import { allLinks, linkQueries, onlyLinksOf } from '../support/scoped-facts';
import { careTeam, compositionFor, documentFor, NETWORK_DATE, type NetworkHub, personaClaims, startNetworkHub, submissionSetEntry } from '../support/network';

/**
 * Writes, vreads, instance histories and `$content` load the caller's facts for the one patient
 * they concern (request-patient.ts, request-scope.ts): a GP with a thousand links decodes that
 * patient's few links, not all of them. These tests run over HTTP on a hub whose database client
 * reports every command it sends, so they see which CareTeams each request really read.
 */
let t: NetworkHub;
let monitored: MonitoredHub;
let app: Express;
let careTeamQueries: Document[] = [];
beforeAll(async () => {
  t = await startNetworkHub();
  monitored = await startMonitoredHub(
    t.config,
    () => NETWORK_DATE,
    (event: CommandStartedEvent) => {
      if (event.commandName === 'find' && event.command.find === 'CareTeam') careTeamQueries.push(event.command.filter ?? {});
    }
  );
  app = monitored.app;
}, 120_000);
afterAll(async () => {
  await monitored.close();
  await t.close();
});

const MARIE = 'patient-marie-dubois';
const LUCAS = 'patient-lucas-dubois';
const LUC = 'patient-luc-martin';
const ANNA = 'Practitioner/gp-anna-peeters';

function as(persona: string) {
  const auth = `Bearer ${t.token(personaClaims(persona))}`;
  const agent = supertest(app);
  return {
    get: (url: string) => agent.get(url).set('Authorization', auth),
    post: (url: string, body: object) => agent.post(url).set('Authorization', auth).set('Content-Type', 'application/fhir+json').send(body),
    put: (url: string, body: object) => agent.put(url).set('Authorization', auth).set('Content-Type', 'application/fhir+json').send(body),
    patch: (url: string, body: object) => agent.patch(url).set('Authorization', auth).set('Content-Type', 'application/json-patch+json').send(body),
    delete: (url: string) => agent.delete(url).set('Authorization', auth),
    postWith: (url: string, body: object, headers: Record<string, string>) =>
      agent.post(url).set('Authorization', auth).set('Content-Type', 'application/fhir+json').set(headers).send(body),
  };
}

/** The CareTeam filters one request sent (the facts' link queries among them). */
async function careTeamsReadBy<R extends { status: number }>(request: () => PromiseLike<R>): Promise<{ answer: R; queries: Document[] }> {
  careTeamQueries = [];
  const answer = await request();
  return { answer, queries: careTeamQueries };
}

async function storedSubjectOf(id: string): Promise<unknown> {
  const doc = await monitored
    .db(t.config.databaseName)
    .collection('DocumentReference')
    .findOne({ _id: id as unknown as Document['_id'] });
  return (doc as { r?: { subject?: { reference?: string } } } | null)?.r?.subject?.reference ?? null;
}

describe('writes of one patient load that patient’s facts only', () => {
  it("a GP's create of a linked patient's document reads only that patient's links", async () => {
    const { answer, queries } = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA })));
    expect(answer.status).toBe(201);
    const links = linkQueries(queries);
    expect(links.length).toBeGreaterThan(0);
    expect(links.every((q) => q['a:patient'] === `Patient/${MARIE}`)).toBe(true);
  });

  it('an unlinked patient: the create is refused and nothing is stored', async () => {
    const before = await monitored
      .db(t.config.databaseName)
      .collection('DocumentReference')
      .countDocuments({ 'a:patient': `Patient/${LUC}` });
    const answer = await as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(LUC, { author: ANNA }));
    // Refused as a reference to a missing patient is (SPEC §5: a write may not reference what the caller cannot see).
    const missing = await as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor('no-such-patient', { author: ANNA }));
    expect(answer.status).toBe(400);
    expect(missing.status).toBe(400);
    const issue = (body: unknown) => (body as { issue: { expression?: string[]; details?: { coding?: { code?: string }[] } }[] }).issue[0];
    expect(issue(answer.body).expression).toEqual(['subject.reference']);
    expect(issue(answer.body).details?.coding?.[0]?.code).toBe('reference-not-found');
    expect(issue(missing.body).details?.coding?.[0]?.code).toBe('reference-not-found');
    const after = await monitored
      .db(t.config.databaseName)
      .collection('DocumentReference')
      .countDocuments({ 'a:patient': `Patient/${LUC}` });
    expect(after).toBe(before);
  });

  it('an update in place is scoped to the patient; vread, history and $content too', async () => {
    const created = await as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA }));
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const update = await careTeamsReadBy(() =>
      as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, { ...documentFor(MARIE, { author: ANNA, id, label: 'R' }) })
    );
    expect(update.answer.status).toBe(200);
    expect(linkQueries(update.queries).every((q) => q['a:patient'] === `Patient/${MARIE}`)).toBe(true);
    for (const url of [`/fhir/DocumentReference/${id}/_history/1`, `/fhir/DocumentReference/${id}/_history`]) {
      const read = await careTeamsReadBy(() => as('gp-anna-peeters').get(url));
      expect({ url, status: read.answer.status }).toEqual({ url, status: 200 });
      expect(linkQueries(read.queries).length).toBeGreaterThan(0);
      expect(linkQueries(read.queries).every((q) => q['a:patient'] === `Patient/${MARIE}`)).toBe(true);
    }
    const content = await careTeamsReadBy(() => as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}/$content`));
    expect(linkQueries(content.queries).length).toBeGreaterThan(0);
    expect(linkQueries(content.queries).every((q) => q['a:patient'] === `Patient/${MARIE}`)).toBe(true);
    // Someone without a link: the vread is a 404 as for a missing document.
    expect((await as('gp-thomas-lambert').get(`/fhir/DocumentReference/${id}/_history/1`)).status).toBe(404);
    expect((await as('gp-thomas-lambert').get(`/fhir/DocumentReference/no-such-document/_history/1`)).status).toBe(404);
  });

  it("a link written for one patient reads that patient's links; a referral of a patient the caller does not reach is refused", async () => {
    const referral = await careTeamsReadBy(() =>
      as('gp-anna-peeters').post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/gp-thomas-lambert', 'referral', { start: '2026-11-23' }))
    );
    expect(referral.answer.status).toBe(201);
    expect(linkQueries(referral.queries).length).toBeGreaterThan(0);
    expect(linkQueries(referral.queries).every((q) => q['a:patient'] === `Patient/${MARIE}`)).toBe(true);
    expect((referral.answer.body as { id?: string }).id).toBeDefined();
    // Anna refers a patient she does not reach: refused, nothing stored.
    const count = () =>
      monitored
        .db(t.config.databaseName)
        .collection('CareTeam')
        .countDocuments({ 'a:patient': `Patient/${LUC}` });
    const before = await count();
    const refused = await as('gp-anna-peeters').post('/fhir/CareTeam', careTeam(LUC, 'Practitioner/nurse-els-goossens', 'referral', { start: '2026-11-23' }));
    expect(refused.status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('a PUT moving a document to another patient gets the full facts and is refused; the document stays', async () => {
    const created = await as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA }));
    const id = (created.body as { id: string }).id;
    // Anna reaches both patients, so only the rule "nobody changes a subject" refuses this.
    const move = await careTeamsReadBy(() => as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, documentFor(LUCAS, { author: ANNA, id })));
    expect(move.answer.status).toBe(403);
    expect(linkQueries(move.queries).some((q) => !('a:patient' in q))).toBe(true);
    expect(await storedSubjectOf(id)).toBe(`Patient/${MARIE}`);
    // Towards a patient the caller does not reach: refused too, nothing moves.
    const away = await as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, documentFor(LUC, { author: ANNA, id }));
    expect(away.status).toBe(403);
    expect(await storedSubjectOf(id)).toBe(`Patient/${MARIE}`);
  });
});

async function annasDocumentFor(patient: string, options: Parameters<typeof documentFor>[1] = {}): Promise<string> {
  const created = await as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(patient, { author: ANNA, ...options }));
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

describe('patches, deletes, operations and bundles of one patient load that patient’s facts only', () => {
  it('a PATCH reads only the patient’s links; without a link it is a 404 as for a missing document', async () => {
    const id = await annasDocumentFor(MARIE);
    const patch = [{ op: 'add', path: '/description', value: 'reviewed' }];
    const patched = await careTeamsReadBy(() => as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, patch));
    expect(patched.answer.status).toBe(200);
    expect((patched.answer.body as { description?: string }).description).toBe('reviewed');
    expect(onlyLinksOf(patched.queries, `Patient/${MARIE}`)).toBe(true);
    const hidden = await as('gp-nadia-haddad').patch(`/fhir/DocumentReference/${id}`, patch);
    const missing = await as('gp-nadia-haddad').patch('/fhir/DocumentReference/no-such-document', patch);
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect((hidden.body as { issue: { code: string }[] }).issue[0].code).toBe((missing.body as { issue: { code: string }[] }).issue[0].code);
    // Thomas, referred to Marie here (this test stands alone), sees the document but did not author it: 403, as with the full facts.
    const referral = await as('gp-anna-peeters').post('/fhir/CareTeam', careTeam(MARIE, 'Practitioner/gp-thomas-lambert', 'referral', { start: '2026-11-23' }));
    expect(referral.status).toBe(201);
    expect((await as('gp-thomas-lambert').get(`/fhir/DocumentReference/${id}`)).status).toBe(200);
    expect((await as('gp-thomas-lambert').patch(`/fhir/DocumentReference/${id}`, patch)).status).toBe(403);
    expect((await as('gp-thomas-lambert').delete(`/fhir/DocumentReference/${id}`)).status).toBe(403);
  });

  it('a PATCH moving a document to another patient gets the full facts and is refused as before; the document stays', async () => {
    const id = await annasDocumentFor(MARIE);
    for (const patch of [
      [{ op: 'replace', path: '/subject/reference', value: `Patient/${LUCAS}` }],
      [{ op: 'replace', path: '/subject', value: { reference: `Patient/${LUCAS}` } }],
    ]) {
      const move = await careTeamsReadBy(() => as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, patch));
      expect(move.answer.status).toBe(403);
      expect(allLinks(move.queries)).toBe(true);
      expect(await storedSubjectOf(id)).toBe(`Patient/${MARIE}`);
    }
    // Towards a patient Anna does not reach: refused too.
    const away = await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, [{ op: 'replace', path: '/subject/reference', value: `Patient/${LUC}` }]);
    expect(away.status).toBe(403);
    expect(await storedSubjectOf(id)).toBe(`Patient/${MARIE}`);
  });

  it('a DELETE reads only the patient’s links; without a link it is a 404', async () => {
    const id = await annasDocumentFor(MARIE);
    expect((await as('gp-nadia-haddad').delete(`/fhir/DocumentReference/${id}`)).status).toBe(404);
    const deleted = await careTeamsReadBy(() => as('gp-anna-peeters').delete(`/fhir/DocumentReference/${id}`));
    expect(deleted.answer.status).toBe(200);
    expect(onlyLinksOf(deleted.queries, `Patient/${MARIE}`)).toBe(true);
  });

  it('a deleted document answers a read with 410 and a second delete with 200, as with the full facts (not as a missing one)', async () => {
    const id = await annasDocumentFor(MARIE);
    expect((await as('gp-anna-peeters').delete(`/fhir/DocumentReference/${id}`)).status).toBe(200);
    // The deleted version is found (and scoped to its patient), not taken for a missing one.
    const read = await careTeamsReadBy(() => as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}`));
    expect(read.answer.status).toBe(410);
    expect(onlyLinksOf(read.queries, `Patient/${MARIE}`)).toBe(true);
    expect((await as('gp-anna-peeters').delete(`/fhir/DocumentReference/${id}`)).status).toBe(200);
    // Someone without a link still gets 404, as for a document that never existed.
    expect((await as('gp-nadia-haddad').get(`/fhir/DocumentReference/${id}`)).status).toBe(404);
  });

  it('$release and $request-deletion read only the document’s patient’s links; refusals are unchanged', async () => {
    const awaiting = await annasDocumentFor(MARIE, { release: { rule: 'on-physician-release' } });
    const released = await careTeamsReadBy(() => as('gp-anna-peeters').post(`/fhir/DocumentReference/${awaiting}/$release`, {}));
    expect(released.answer.status).toBe(200);
    expect(onlyLinksOf(released.queries, `Patient/${MARIE}`)).toBe(true);
    // A physician without a link: 404 as for a missing document; the nurse linked to Marie is no attending physician: 403.
    expect((await as('gp-nadia-haddad').post(`/fhir/DocumentReference/${awaiting}/$release`, {})).status).toBe(404);
    expect((await as('nurse-els-goossens').post(`/fhir/DocumentReference/${awaiting}/$release`, {})).status).toBe(403);
    const immediate = await annasDocumentFor(MARIE, { release: { rule: 'immediate' } });
    expect((await as('gp-anna-peeters').post(`/fhir/DocumentReference/${immediate}/$release`, {})).status).toBe(422);
    const withdrawn = await careTeamsReadBy(() => as('gp-anna-peeters').post(`/fhir/DocumentReference/${immediate}/$request-deletion`, {}));
    expect(withdrawn.answer.status).toBe(200);
    expect(onlyLinksOf(withdrawn.queries, `Patient/${MARIE}`)).toBe(true);
    expect((await as('gp-nadia-haddad').post(`/fhir/DocumentReference/${immediate}/$request-deletion`, {})).status).toBe(404);
  });

  it('an ITI-65 bundle for one patient reads only that patient’s links; a bundle mixing two patients gets the full facts', async () => {
    const urn = () => `urn:uuid:${randomUUID()}`;
    const [setUrl, docUrl, binUrl] = [urn(), urn(), urn()];
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        submissionSetEntry(setUrl, MARIE, ANNA, [docUrl], { date: '2026-11-23T09:00:00Z' }),
        {
          fullUrl: docUrl,
          resource: { ...documentFor(MARIE, { author: ANNA, custodian: false }), content: [{ attachment: { url: binUrl, contentType: 'text/plain' } }] },
          request: { method: 'POST', url: 'DocumentReference' },
        },
        {
          fullUrl: binUrl,
          resource: { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from('potassium 4.1 mmol/L').toString('base64') },
          request: { method: 'POST', url: 'Binary' },
        },
      ],
    };
    const provided = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir', bundle));
    expect(provided.answer.status).toBe(200);
    expect(onlyLinksOf(provided.queries, `Patient/${MARIE}`)).toBe(true);
    // Its Binary in the safe is Marie's (its securityContext is the document): $content stays scoped.
    const providedDoc = (provided.answer.body as { entry: { response: { location: string } }[] }).entry[1].response.location.split('/')[1];
    const content = await careTeamsReadBy(() => as('gp-anna-peeters').get(`/fhir/DocumentReference/${providedDoc}/$content`));
    expect([content.answer.status, (content.answer as unknown as { text: string }).text]).toEqual([200, 'potassium 4.1 mmol/L']);
    expect(onlyLinksOf(content.queries, `Patient/${MARIE}`)).toBe(true);
    // A transaction naming Marie and Lucas (Anna reaches both): full facts, both written as before.
    const mixed = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [MARIE, LUCAS].map((p) => ({ resource: documentFor(p, { author: ANNA }), request: { method: 'POST', url: 'DocumentReference' } })),
    };
    const both = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir', mixed));
    expect(both.answer.status).toBe(200);
    expect(allLinks(both.queries)).toBe(true);
    // Marie and Luc (not reached): refused as a whole, nothing stored.
    const count = () =>
      monitored
        .db(t.config.databaseName)
        .collection('DocumentReference')
        .countDocuments({ 'a:patient': `Patient/${LUC}` });
    const before = await count();
    const refusedBundle = {
      ...mixed,
      entry: [MARIE, LUC].map((p) => ({ resource: documentFor(p, { author: ANNA }), request: { method: 'POST', url: 'DocumentReference' } })),
    };
    const refused = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir', refusedBundle));
    expect(refused.answer.status).toBe(400);
    expect(allLinks(refused.queries)).toBe(true);
    expect(await count()).toBe(before);
  });

  it('a conditional create, patch or delete whose match names another patient gets the full facts', async () => {
    const lucasDoc = await annasDocumentFor(LUCAS);
    const conditional = await careTeamsReadBy(() =>
      as('gp-anna-peeters').postWith('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA }), { 'If-None-Exist': `_id=${lucasDoc}` })
    );
    // The match (Lucas's document, which Anna sees) is found, as with the full facts: nothing is created.
    expect(conditional.answer.status).toBe(200);
    expect((conditional.answer.body as { id: string }).id).toBe(lucasDoc);
    expect(allLinks(conditional.queries)).toBe(true);
    // Conditional patches and deletes search for their match first: full facts too.
    const patched = await careTeamsReadBy(() =>
      as('gp-anna-peeters').patch(`/fhir/DocumentReference?_id=${lucasDoc}`, [{ op: 'add', path: '/description', value: 'matched' }])
    );
    expect(patched.answer.status).toBe(200);
    expect(allLinks(patched.queries)).toBe(true);
    const deleted = await careTeamsReadBy(() => as('gp-anna-peeters').delete(`/fhir/DocumentReference?_id=${lucasDoc}`));
    expect(deleted.answer.status).toBe(200);
    expect(allLinks(deleted.queries)).toBe(true);
    expect((await as('gp-anna-peeters').get(`/fhir/DocumentReference/${lucasDoc}`)).status).toBe(410);
  });

  it('a write referencing another patient’s document gets the full facts: what the caller sees there may be referenced', async () => {
    const lucasDoc = await annasDocumentFor(LUCAS);
    const related = { ...documentFor(MARIE, { author: ANNA }), relatesTo: [{ code: 'appends', target: { reference: `DocumentReference/${lucasDoc}` } }] };
    const created = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir/DocumentReference', related));
    expect(created.answer.status).toBe(201);
    expect(allLinks(created.queries)).toBe(true);
    // The same reference set by a patch of Marie's document: full facts too, accepted.
    const id = await annasDocumentFor(MARIE);
    const patched = await careTeamsReadBy(() =>
      as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, [{ op: 'add', path: '/relatesTo', value: related.relatesTo }])
    );
    expect(patched.answer.status).toBe(200);
    expect(allLinks(patched.queries)).toBe(true);
    // A document of the same patient: scoped, accepted.
    const sameOwner = { ...documentFor(MARIE, { author: ANNA }), relatesTo: [{ code: 'appends', target: { reference: `DocumentReference/${id}` } }] };
    const scoped = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir/DocumentReference', sameOwner));
    expect(scoped.answer.status).toBe(201);
    expect(onlyLinksOf(scoped.queries, `Patient/${MARIE}`)).toBe(true);
  });
});

describe('a SUMEHR publication for one patient loads that patient’s facts only', () => {
  const sumehr = (patient: string, entryPatient = patient) => {
    const condition = {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: { resourceType: 'Condition', subject: { reference: `Patient/${entryPatient}` }, code: { text: 'Asthma' } },
    };
    const composition = {
      ...compositionFor(patient),
      section: [{ title: 'problems', code: { coding: [{ system: 'http://loinc.org', code: '11450-4' }] }, entry: [{ reference: condition.fullUrl }] }],
    };
    return { resourceType: 'Bundle', type: 'document', entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: composition }, condition] };
  };

  it('$publish-sumehr and $sumehr-quality of the stored SUMEHR read only the patient’s links; refusals are unchanged', async () => {
    const published = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir/Composition/$publish-sumehr', sumehr(MARIE)));
    expect(published.answer.status).toBe(201);
    expect(onlyLinksOf(published.queries, `Patient/${MARIE}`)).toBe(true);
    const composition = String((published.answer.body as { content: { attachment: { url: string } }[] }).content[0].attachment.url).split('/')[1];
    const quality = await careTeamsReadBy(() => as('gp-anna-peeters').post(`/fhir/Composition/${composition}/$sumehr-quality`, {}));
    expect(quality.answer.status).toBe(200);
    expect(onlyLinksOf(quality.queries, `Patient/${MARIE}`)).toBe(true);
    // Its content in the safe is Marie's: $content and the withdrawal (which ends the Composition) stay scoped.
    const document = (published.answer.body as { id: string }).id;
    const content = await careTeamsReadBy(() => as('gp-anna-peeters').get(`/fhir/DocumentReference/${document}/$content`));
    expect(content.answer.status).toBe(200);
    expect(onlyLinksOf(content.queries, `Patient/${MARIE}`)).toBe(true);
    const withdrawn = await careTeamsReadBy(() => as('gp-anna-peeters').post(`/fhir/DocumentReference/${document}/$request-deletion`, {}));
    expect(withdrawn.answer.status).toBe(200);
    expect(onlyLinksOf(withdrawn.queries, `Patient/${MARIE}`)).toBe(true);
    expect((await as('gp-anna-peeters').get(`/fhir/Composition/${composition}`)).status).toBe(404);
    // An entry about another patient: the full facts decide, and the answer is the 400 it always was.
    const mixed = await careTeamsReadBy(() => as('gp-anna-peeters').post('/fhir/Composition/$publish-sumehr', sumehr(MARIE, LUCAS)));
    expect(mixed.answer.status).toBe(400);
    expect(allLinks(mixed.queries)).toBe(true);
    // Not the patient's GP (Thomas holds a referral): 403; no link at all: 403 as well (the operation names the patient).
    expect((await as('gp-thomas-lambert').post('/fhir/Composition/$publish-sumehr', sumehr(MARIE))).status).toBe(403);
    expect((await as('gp-nadia-haddad').post('/fhir/Composition/$publish-sumehr', sumehr(MARIE))).status).toBe(403);
  });
});

describe('the scope of a request is read from any body without failing', () => {
  it('malformed bundles and publications are refused with a 400, never a 500', async () => {
    const answers = [];
    for (const entry of [
      {},
      [null],
      ['x'],
      [{ request: null, resource: null }],
      'x',
      [{ request: { method: 'POST', url: 'DocumentReference' }, resource: 5 }],
    ]) {
      answers.push((await as('gp-anna-peeters').post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry })).status);
      answers.push((await as('gp-anna-peeters').post('/fhir/Composition/$publish-sumehr', { resourceType: 'Bundle', type: 'document', entry })).status);
    }
    expect(answers.every((status) => status === 400)).toBe(true);
  });
});

describe('refusals are the same as with the full facts', () => {
  let fullFacts: MonitoredHub;
  let store: ResourceStore;
  beforeAll(async () => {
    // The same hub, but every request decided with the caller's full facts (its scope ignored): the answers before scoping.
    fullFacts = await startMonitoredHub(
      t.config,
      () => NETWORK_DATE,
      () => undefined,
      {
        policyFor: async (principal, now) => accessPolicyFor(principal, await loadFacts(store, principal, now), now),
      }
    );
    store = new ResourceStore(fullFacts.db(t.config.databaseName));
  });
  afterAll(async () => {
    await fullFacts.close();
  });

  type Request = { persona: string; method: 'patch' | 'delete' | 'post'; url: (doc: string) => string; body?: (doc: string) => object };
  const REQUESTS: Request[] = [
    ...['gp-nadia-haddad', 'gp-thomas-lambert', 'nurse-els-goossens', 'gp-anna-peeters'].flatMap((persona): Request[] => [
      { persona, method: 'patch', url: (doc) => `/fhir/DocumentReference/${doc}`, body: () => [{ op: 'add', path: '/description', value: 'x' }] },
      {
        persona,
        method: 'patch',
        url: (doc) => `/fhir/DocumentReference/${doc}`,
        body: () => [{ op: 'replace', path: '/subject/reference', value: `Patient/${LUC}` }],
      },
      { persona, method: 'delete', url: (doc) => `/fhir/DocumentReference/${doc}` },
      { persona, method: 'post', url: (doc) => `/fhir/DocumentReference/${doc}/$release`, body: () => ({}) },
      { persona, method: 'post', url: (doc) => `/fhir/DocumentReference/${doc}/$request-deletion`, body: () => ({}) },
      {
        persona,
        method: 'post',
        url: () => '/fhir',
        body: () => ({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [MARIE, MARIE].map((p) => ({ resource: documentFor(p, { author: ANNA }), request: { method: 'POST', url: 'DocumentReference' } })),
        }),
      },
      {
        persona,
        method: 'post',
        url: () => '/fhir',
        body: () => ({
          resourceType: 'Bundle',
          type: 'batch',
          entry: [LUC].map((p) => ({ resource: documentFor(p, { author: ANNA }), request: { method: 'POST', url: 'DocumentReference' } })),
        }),
      },
    ]),
  ];

  /** What a client can tell of an answer: its status and, for a refusal, the issues' codes and message codes. */
  const outcomeOf = (answer: { status: number; body: unknown }) => {
    const body = answer.body as { resourceType?: string; issue?: { code?: string; details?: { coding?: { code?: string }[] } }[]; entry?: unknown[] };
    const issues = body.resourceType === 'OperationOutcome' ? (body.issue ?? []).map((i) => [i.code, i.details?.coding?.map((c) => c.code)]) : [];
    const entries = (body.entry ?? []).map((e) => (e as { response?: { status?: string } }).response?.status);
    return { status: answer.status, issues, entries };
  };

  it('PATCH, DELETE, $release, $request-deletion and bundles answer each persona exactly as before', async () => {
    const seen = new Set<number>();
    for (const [i, request] of REQUESTS.entries()) {
      // A fresh document for each hub, awaiting release and authored by Anna, so both start from the same state.
      const docs = [
        await annasDocumentFor(MARIE, { release: { rule: 'on-physician-release' } }),
        await annasDocumentFor(MARIE, { release: { rule: 'on-physician-release' } }),
      ];
      const answers = [];
      for (const [h, target] of [app, fullFacts.app].entries()) {
        const auth = `Bearer ${t.token(personaClaims(request.persona))}`;
        const agent = supertest(target);
        const url = request.url(docs[h]);
        const sent =
          request.method === 'delete'
            ? agent.delete(url)
            : request.method === 'patch'
              ? agent.patch(url).set('Content-Type', 'application/json-patch+json').send(request.body?.(docs[h]))
              : agent.post(url).set('Content-Type', 'application/fhir+json').send(request.body?.(docs[h]));
        answers.push(outcomeOf(await sent.set('Authorization', auth)));
      }
      expect({ i, persona: request.persona, url: request.url('{doc}'), scoped: answers[0] }).toEqual({
        i,
        persona: request.persona,
        url: request.url('{doc}'),
        scoped: answers[1],
      });
      seen.add(answers[1].status);
    }
    // Both allowed and refused requests were compared (not a vacuous agreement).
    expect([...seen].sort()).toEqual(expect.arrayContaining([200, 403, 404]));
  });
});
