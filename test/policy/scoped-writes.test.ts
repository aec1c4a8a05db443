import type { Express } from 'express';
import type { CommandStartedEvent, Document } from 'mongodb';
import supertest from 'supertest';
import { startMonitoredHub, type MonitoredHub } from '../support/monitored-hub';
import { careTeam, documentFor, NETWORK_DATE, personaClaims, startNetworkHub, type NetworkHub } from '../support/network';

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
  };
}

/** The CareTeam filters one request sent (the facts' link queries among them). */
async function careTeamsReadBy<R extends { status: number }>(request: () => PromiseLike<R>): Promise<{ answer: R; queries: Document[] }> {
  careTeamQueries = [];
  const answer = await request();
  return { answer, queries: careTeamQueries };
}

/** The facts' link queries: the caller's by participant (full facts), or the active links of the one patient (`a:patient`, scoped). */
const linkQueries = (queries: Document[]) => queries.filter((q) => 's:participant' in q || ('a:patient' in q && 's:status' in q));

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
