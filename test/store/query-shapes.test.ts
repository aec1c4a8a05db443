import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import { MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import supertest from 'supertest';
import { createHub } from '../../src/create-hub';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { testMongoUri } from '../support/database';
import { NETWORK_DATE, startNetworkHub, type NetworkHub } from '../support/network';

/**
 * FerretDB on PostgreSQL pushes a filter down to an index only through its top-level
 * `field: scalar` keys (never inside `$and`, never `$in`, `$or` or ranges). These tests watch the
 * commands the hub really sends for one HTTP request and require that every query of the hot
 * paths (facts, patient document search, read by id, Patient by SSIN) carries a selective equality
 * as a top-level key, so an engine that pushes down only such keys never scans a collection.
 */
let t: NetworkHub;
let monitored: MongoClient;
let app: Express;
let sent: { collection: string; filter: Document }[] = [];
beforeAll(async () => {
  t = await startNetworkHub();
  // A second hub on the same data whose client reports every command it sends.
  monitored = new MongoClient(testMongoUri(), { monitorCommands: true });
  await monitored.connect();
  monitored.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.commandName === 'find') sent.push({ collection: String(event.command.find), filter: event.command.filter ?? {} });
    if (event.commandName === 'aggregate') {
      const match = (event.command.pipeline as Document[]).find((stage) => '$match' in stage);
      sent.push({ collection: String(event.command.aggregate), filter: match?.$match ?? {} });
    }
  });
  const database = { client: monitored, db: monitored.db(t.config.databaseName), close: () => monitored.close() };
  app = createApp(await createHub(t.config, database, { log: createLogger('silent'), clock: () => NETWORK_DATE }));
  // Two hubs start here (the demo network loaded once): more than the default 30 s on a busy machine.
}, 120_000);
afterAll(async () => {
  await monitored.close();
  await t.close();
});

const personas = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../fixtures/personas.json'), 'utf8')) as {
  personas: Record<string, { claims: Record<string, unknown> }>;
};
const as = (persona: string) => ({
  get: (url: string) =>
    supertest(app)
      .get(url)
      .set('Authorization', `Bearer ${t.token(personas.personas[persona].claims)}`),
});

/** The find and count filters one request sends, by collection. */
async function queriesOf(request: () => PromiseLike<{ status: number }>, expectedStatus: number): Promise<{ collection: string; filter: Document }[]> {
  sent = [];
  const answer = await request();
  expect(answer.status).toBe(expectedStatus);
  // Audit chain look-ups and the like are recorded too; they must obey the same rule.
  return sent;
}

/** Top-level keys with one scalar value, other than the logical-delete flag (true of nearly every row). */
function selectiveEqualities(filter: Document): string[] {
  return Object.entries(filter)
    .filter(([key, value]) => key !== 'del' && !key.startsWith('$') && ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key]) => key);
}

function expectEveryQueryPushable(queries: { collection: string; filter: Document }[]): void {
  expect(queries.length).toBeGreaterThan(0);
  const scans = queries.filter((q) => selectiveEqualities(q.filter).length === 0);
  expect(scans).toEqual([]);
}

describe('hot queries put a selective equality at the top level of the filter', () => {
  it("a GP's patient document search (ITI-67 shape): facts and the search itself", async () => {
    const queries = await queriesOf(() => as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200);
    expectEveryQueryPushable(queries);
    const search = queries.find((q) => q.collection === 'DocumentReference');
    expect(search?.filter['s.patient']).toBe('Patient/patient-marie-dubois');
    expect(search?.filter['s.status']).toBe('current');
    // The facts: the practitioner by NIHII, its links and the consents naming it, each by an equality.
    expect(queries.find((q) => q.collection === 'Practitioner')?.filter['s.identifier']).toMatch(/\|\d{11}$/);
    expect(queries.some((q) => q.collection === 'CareTeam' && q.filter['s.participant'] === 'Practitioner/gp-anna-peeters')).toBe(true);
    expect(queries.some((q) => q.collection === 'Consent' && q.filter['s.actor'] === 'Practitioner/gp-anna-peeters')).toBe(true);
  });

  it('a professional acting for an institution: the institution and its role are equalities too', async () => {
    const queries = await queriesOf(() => as('physician-sarah-maes').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200);
    expectEveryQueryPushable(queries);
    expect(queries.filter((q) => q.collection === 'Organization').length).toBeGreaterThan(0);
    expect(queries.some((q) => q.collection === 'PractitionerRole' && typeof q.filter['s.practitioner'] === 'string')).toBe(true);
  });

  it('a read by id asks for the lone _id', async () => {
    const queries = await queriesOf(() => as('gp-anna-peeters').get('/fhir/Patient/patient-marie-dubois'), 200);
    expectEveryQueryPushable(queries);
    expect(queries.find((q) => q.collection === 'Patient')?.filter).toEqual({ _id: 'patient-marie-dubois' });
  });

  it('a Patient by exact SSIN and a patient reading its own trail', async () => {
    const bySsin = await queriesOf(
      () => as('gp-anna-peeters').get('/fhir/Patient?identifier=https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin|65012209139'),
      200
    );
    expectEveryQueryPushable(bySsin);
    expect(bySsin.some((q) => q.collection === 'Patient' && typeof q.filter['s.identifier'] === 'string')).toBe(true);
    expectEveryQueryPushable(await queriesOf(() => as('patient-marie-dubois').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200));
  });

  it('the same searches still answer what they answered (hoisting changes the shape, not the rows)', async () => {
    const anna = await as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current');
    const thomas = await as('gp-thomas-lambert').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current');
    expect((anna.body as { total?: number }).total).toBeGreaterThan(0);
    expect((thomas.body as { total?: number }).total).toBe(0);
  });
});
