import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import { MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import supertest from 'supertest';
import { createHub } from '../../src/create-hub';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { pushdownFieldsOf } from '../../src/store/indexes';
import { testMongoUri } from '../support/database';
import { documentFor, NETWORK_DATE, startNetworkHub, type NetworkHub } from '../support/network';

/**
 * FerretDB on PostgreSQL pushes a filter down to an index only through its top-level, non-dotted
 * `field: scalar` keys (never inside `$and`, never `$in`, `$or`, ranges or dotted paths). These
 * tests watch the commands the hub really sends for one HTTP request and require that every query
 * of the hot paths (facts, patient document search, read by id, Patient by SSIN, create, audit
 * chain append, history) carries a selective equality as a top-level, non-dotted key that has a
 * GIN index on its collection (PUSHDOWN_FIELDS), so such an engine never scans a collection.
 */
let t: NetworkHub;
let monitored: MongoClient;
let app: Express;
let sent: Query[] = [];
interface Query {
  command: string;
  collection: string;
  filter: Document;
}
beforeAll(async () => {
  t = await startNetworkHub();
  // A second hub on the same data whose client reports every command it sends.
  monitored = new MongoClient(testMongoUri(), { monitorCommands: true });
  await monitored.connect();
  monitored.on('commandStarted', (event: CommandStartedEvent) => {
    const { commandName: command, command: body } = event;
    if (command === 'find') sent.push({ command, collection: String(body.find), filter: body.filter ?? {} });
    if (command === 'aggregate') {
      const match = (body.pipeline as Document[]).find((stage) => '$match' in stage);
      sent.push({ command, collection: String(body.aggregate), filter: match?.$match ?? {} });
    }
    // Updates and deletes find their rows as a query does (access-field resyncs, claims released).
    if (command === 'update') for (const u of body.updates as Document[]) sent.push({ command, collection: String(body.update), filter: u.q });
    if (command === 'delete') for (const d of body.deletes as Document[]) sent.push({ command, collection: String(body.delete), filter: d.q });
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
  post: (url: string, body: object) =>
    supertest(app)
      .post(url)
      .set('Authorization', `Bearer ${t.token(personas.personas[persona].claims)}`)
      .set('Content-Type', 'application/fhir+json')
      .send(body),
});

/** The find and count filters one request sends, by collection. */
async function queriesOf(request: () => PromiseLike<{ status: number }>, expectedStatus: number): Promise<Query[]> {
  sent = [];
  const answer = await request();
  expect(answer.status).toBe(expectedStatus);
  // Audit chain look-ups and the like are recorded too; they must obey the same rule.
  return sent;
}

/**
 * Top-level, non-dotted keys with one scalar value that have a GIN index on the collection: what
 * FerretDB-PostgreSQL answers from an index. The logical-delete flag (true of nearly every row) does not count.
 */
function indexedEqualities(q: Query): string[] {
  const indexed = new Set(pushdownFieldsOf(q.collection));
  return Object.entries(q.filter)
    .filter(([key, value]) => key !== 'del' && !key.includes('.') && indexed.has(key) && ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key]) => key);
}

function expectEveryQueryPushable(queries: Query[]): void {
  expect(queries.length).toBeGreaterThan(0);
  const scans = queries.filter((q) => indexedEqualities(q).length === 0);
  if (process.env.DUMP) console.log(JSON.stringify(queries.map((q) => [q.command, q.collection, q.filter])));
  expect(scans).toEqual([]);
}

describe('hot queries put a selective equality at the top level of the filter', () => {
  it("a GP's patient document search (ITI-67 shape): facts and the search itself", async () => {
    const queries = await queriesOf(() => as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200);
    expectEveryQueryPushable(queries);
    const search = queries.find((q) => q.collection === 'DocumentReference');
    expect(search?.filter['s:patient']).toBe('Patient/patient-marie-dubois');
    expect(search?.filter['s:status']).toBe('current');
    // The facts: the practitioner by NIHII, its links and the consents naming it, each by an equality.
    expect(queries.find((q) => q.collection === 'Practitioner')?.filter['s:identifier']).toMatch(/\|\d{11}$/);
    expect(queries.some((q) => q.collection === 'CareTeam' && q.filter['s:participant'] === 'Practitioner/gp-anna-peeters')).toBe(true);
    expect(queries.some((q) => q.collection === 'Consent' && q.filter['s:actor'] === 'Practitioner/gp-anna-peeters')).toBe(true);
  });

  it('a professional acting for an institution: the institution and its role are equalities too', async () => {
    const queries = await queriesOf(() => as('physician-sarah-maes').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200);
    expectEveryQueryPushable(queries);
    expect(queries.filter((q) => q.collection === 'Organization').length).toBeGreaterThan(0);
    expect(queries.some((q) => q.collection === 'PractitionerRole' && typeof q.filter['s:practitioner'] === 'string')).toBe(true);
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
    expect(bySsin.some((q) => q.collection === 'Patient' && typeof q.filter['s:identifier'] === 'string')).toBe(true);
    expectEveryQueryPushable(await queriesOf(() => as('patient-marie-dubois').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200));
  });

  it('a create: registry look-ups, the version claim, guards and the audit chain append', async () => {
    const body = documentFor('patient-marie-dubois', { author: 'Practitioner/gp-anna-peeters' });
    const queries = await queriesOf(() => as('gp-anna-peeters').post('/fhir/DocumentReference', body), 201);
    expectEveryQueryPushable(queries);
    // The audit chain's head moves forward by its `_id` (the events themselves are inserted, no query).
    expect(queries.some((q) => q.collection === 'AuditChain' && q.command === 'update' && typeof q.filter._id === 'string')).toBe(true);
    // A new document's Binaries follow it: the resync finds them by `a:document`.
    expect(queries.some((q) => q.collection === 'Binary' && q.command === 'update' && typeof q.filter['a:document'] === 'string')).toBe(true);
  });

  it('instance history and a patient reading its own audit trail', async () => {
    const history = await queriesOf(() => as('gp-anna-peeters').get('/fhir/Patient/patient-marie-dubois/_history'), 200);
    expectEveryQueryPushable(history);
    expect(history.some((q) => q.collection === 'History' && q.filter.id === 'patient-marie-dubois')).toBe(true);
    const trail = await queriesOf(() => as('patient-marie-dubois').get('/fhir/AuditEvent?patient=patient-marie-dubois'), 200);
    expectEveryQueryPushable(trail);
    expect(trail.some((q) => q.collection === 'AuditEvent' && q.filter['a:patient'] === 'Patient/patient-marie-dubois')).toBe(true);
  });

  it('the same searches still answer what they answered (hoisting changes the shape, not the rows)', async () => {
    const anna = await as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current');
    const thomas = await as('gp-thomas-lambert').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current');
    expect((anna.body as { total?: number }).total).toBeGreaterThan(0);
    expect((thomas.body as { total?: number }).total).toBe(0);
  });
});
