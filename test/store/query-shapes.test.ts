import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import type { CommandStartedEvent, Document } from 'mongodb';
import { Client } from 'pg';
import supertest from 'supertest';
import { pushdownFieldsOf } from '../../src/store/indexes';
import { startMonitoredHub, type MonitoredHub } from '../support/monitored-hub';
import { consentFor, documentFor, NETWORK_DATE, startNetworkHub, type NetworkHub } from '../support/network';
import { PIETER } from '../support/personas';

/**
 * FerretDB on PostgreSQL pushes a filter down to an index only through its top-level, non-dotted
 * `field: scalar` keys (never inside `$and`, never `$in`, `$or`, ranges or dotted paths). These
 * tests watch the commands the hub really sends for one HTTP request and require that every query
 * of the hot paths (facts, patient document search, read by id, Patient by SSIN, create, audit
 * chain append, history) carries a selective equality as a top-level, non-dotted key that has a
 * GIN index on its collection (PUSHDOWN_FIELDS), so such an engine never scans a collection.
 */
let t: NetworkHub;
let monitored: MonitoredHub;
let app: Express;
let sent: Query[] = [];
interface Query {
  command: string;
  collection: string;
  filter: Document;
  sort?: Document;
  limit?: number;
}
beforeAll(async () => {
  t = await startNetworkHub();
  // A second hub on the same data whose client reports every command it sends.
  monitored = await startMonitoredHub(
    t.config,
    () => NETWORK_DATE,
    (event: CommandStartedEvent) => {
      const { commandName: command, command: body } = event;
      if (command === 'find') sent.push({ command, collection: String(body.find), filter: body.filter ?? {}, sort: body.sort, limit: body.limit });
      if (command === 'aggregate') {
        const match = (body.pipeline as Document[]).find((stage) => '$match' in stage);
        sent.push({ command, collection: String(body.aggregate), filter: match?.$match ?? {} });
      }
      // Updates and deletes find their rows as a query does (access-field resyncs, claims released).
      if (command === 'update') for (const u of body.updates as Document[]) sent.push({ command, collection: String(body.update), filter: u.q });
      if (command === 'delete') for (const d of body.deletes as Document[]) sent.push({ command, collection: String(body.delete), filter: d.q });
    }
  );
  app = monitored.app;
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
  // The audit chain's head hint is moved after the answer: its update belongs to the request too.
  await monitored.hub.audit.settled();
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
  expect(scans).toEqual([]);
}

describe('hot queries put a selective equality at the top level of the filter', () => {
  it("a GP's patient document search (ITI-67 shape): facts and the search itself", async () => {
    const queries = await queriesOf(() => as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200);
    expectEveryQueryPushable(queries);
    const search = queries.find((q) => q.collection === 'DocumentReference');
    expect(search?.filter['s:patient']).toBe('Patient/patient-marie-dubois');
    expect(search?.filter['s:status']).toBe('current');
    // The facts for the one patient searched: the practitioner by NIHII, that patient's links and consents, each by an equality.
    expect(queries.find((q) => q.collection === 'Practitioner')?.filter['s:identifier']).toMatch(/\|\d{11}$/);
    expect(queries.some((q) => q.collection === 'CareTeam' && q.filter['a:patient'] === 'Patient/patient-marie-dubois')).toBe(true);
    expect(queries.some((q) => q.collection === 'Consent' && q.filter['a:patient'] === 'Patient/patient-marie-dubois')).toBe(true);
  });

  it('a search naming two patients loads the full facts: the links and consents naming the caller, each by an equality', async () => {
    const queries = await queriesOf(
      () => as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois,patient-lucas-dubois&status=current'),
      200
    );
    // The facts (the search itself, an `$in` of two patients, is not what this test is about).
    expectEveryQueryPushable(queries.filter((q) => q.collection !== 'DocumentReference'));
    expect(queries.some((q) => q.collection === 'CareTeam' && q.filter['s:participant'] === 'Practitioner/gp-anna-peeters')).toBe(true);
    expect(queries.some((q) => q.collection === 'Consent' && q.filter['s:actor'] === 'Practitioner/gp-anna-peeters')).toBe(true);
    expect(queries.some((q) => q.collection === 'Consent' && typeof q.filter['s:actor:identifier'] === 'string')).toBe(true);
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
    // The audit chain's head hint moves forward by its `_id`, after the answer (the events themselves are inserted, no query).
    expect(queries.some((q) => q.collection === 'AuditChain' && q.command === 'update' && typeof q.filter._id === 'string')).toBe(true);
    // Its windows are opened after the commit by one compare-and-set found by its `_id`, carrying the commit's stamps.
    const opened = queries.filter((q) => q.command === 'update' && 'a:consentStamp' in q.filter);
    expect(opened.map((q) => q.collection)).toEqual(['DocumentReference']);
    expect(typeof opened[0].filter._id).toBe('string');
    expect(opened[0].filter['a:restrictionStamp']).toBe(opened[0].filter['a:consentStamp']);
    // A document created alone has no Binary that could carry its fields: none is looked for.
    expect(queries.filter((q) => q.collection === 'Binary')).toEqual([]);
  });

  it("a document published with its content: the Binary's compare-and-set finds the copies by `a:document`", async () => {
    const [docUrl, binUrl] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: docUrl,
          resource: {
            ...documentFor('patient-marie-dubois', { author: 'Practitioner/gp-anna-peeters', custodian: false }),
            content: [{ attachment: { url: binUrl, contentType: 'text/plain' } }],
          },
          request: { method: 'POST', url: 'DocumentReference' },
        },
        {
          fullUrl: binUrl,
          resource: {
            resourceType: 'Binary',
            contentType: 'text/plain',
            securityContext: { reference: docUrl },
            data: Buffer.from('potassium 4.1 mmol/L').toString('base64'),
          },
          request: { method: 'POST', url: 'Binary' },
        },
      ],
    };
    const queries = await queriesOf(() => as('gp-anna-peeters').post('/fhir', bundle), 200);
    expectEveryQueryPushable(queries);
    const opened = queries.filter((q) => q.command === 'update' && 'a:consentStamp' in q.filter);
    expect(
      opened.some((q) => q.collection === 'Binary' && typeof q.filter['a:document'] === 'string' && typeof q.filter['a:restrictionStamp'] === 'string')
    ).toBe(true);
    expect(opened.some((q) => q.collection === 'DocumentReference' && typeof q.filter._id === 'string')).toBe(true);
  });

  it('instance history and a patient reading its own audit trail', async () => {
    const history = await queriesOf(() => as('gp-anna-peeters').get('/fhir/Patient/patient-marie-dubois/_history'), 200);
    expectEveryQueryPushable(history);
    expect(history.some((q) => q.collection === 'History' && q.filter.id === 'patient-marie-dubois')).toBe(true);
    const trail = await queriesOf(() => as('patient-marie-dubois').get('/fhir/AuditEvent?patient=patient-marie-dubois'), 200);
    expectEveryQueryPushable(trail);
    expect(trail.some((q) => q.collection === 'AuditEvent')).toBe(true);
  });

  it('a hub-sharing consent registered: the consent window is resynced on every clinical type, the links and the grants by `a:patient`', async () => {
    const queries = await queriesOf(() => as('gp-thomas-lambert').post('/fhir/Consent', consentFor(PIETER, 'hub-sharing', { channel: 'gp' })), 201);
    expectEveryQueryPushable(queries);
    // The resync finds each type's documents by `a:patient`, then updates each one alone (under its
    // lock, src/store/document-locks.ts) by the same leading equality plus its `_id`.
    const byPatient = (command: string) => queries.filter((q) => q.command === command && q.filter['a:patient'] === `Patient/${PIETER}`);
    const updates = byPatient('update');
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) expect({ leading: Object.keys(u.filter)[0], id: typeof u.filter._id }).toEqual({ leading: 'a:patient', id: 'string' });
    const resynced = new Set(byPatient('find').map((q) => q.collection));
    expect(resynced).toEqual(
      new Set([
        'DocumentReference',
        'Composition',
        'Binary',
        'List',
        'Condition',
        'AllergyIntolerance',
        'MedicationStatement',
        'Immunization',
        'Observation',
        'Procedure',
        'CareTeam',
        'Consent',
      ])
    );
  });

  it('the database holds the search keys and access fields as top-level fields, the other sidecars nested', async () => {
    const stored = await monitored.db(t.config.databaseName).collection('DocumentReference').findOne({ 's:patient': 'Patient/patient-marie-dubois' });
    expect(stored).toMatchObject({ 's:patient': ['Patient/patient-marie-dubois'], 'a:patient': 'Patient/patient-marie-dubois', o: expect.any(Object) });
    expect(stored).not.toHaveProperty('s');
    expect(stored).not.toHaveProperty('a');
  });

  it('the same searches still answer what they answered (hoisting changes the shape, not the rows)', async () => {
    const anna = await as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current');
    const thomas = await as('gp-thomas-lambert').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current');
    expect((anna.body as { total?: number }).total).toBeGreaterThan(0);
    expect((thomas.body as { total?: number }).total).toBe(0);
  });
});

/**
 * The engine's own word on the queries the hub really sends: FerretDB's explain says the indexed
 * equality reached PostgreSQL (`filterPushdown`, and the `@>` condition on that field in the plan),
 * and PostgreSQL's EXPLAIN of that very condition uses the field's GIN index. Seq scans are
 * disabled for that EXPLAIN because on a few dozen rows PostgreSQL rightly prefers to scan: the
 * question is whether the index can serve the condition, which is what it does at scale.
 */
describe('FerretDB pushes the hot queries down and PostgreSQL answers them from the GIN indexes', () => {
  let pg: Client;
  beforeAll(async () => {
    const postgresUrl = process.env.POSTGRES_URL;
    if (!postgresUrl) throw new Error('POSTGRES_URL is not set: these tests need the PostgreSQL under FerretDB');
    pg = new Client({ connectionString: postgresUrl });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
  });

  /** Every string of a plan tree under the keys that hold pushed-down conditions, and the relation read. */
  function planFacts(node: Document, facts = { conditions: [] as string[], schema: '', table: '', indexes: [] as string[] }) {
    for (const key of ['Index Cond', 'Recheck Cond', 'Filter']) if (typeof node[key] === 'string') facts.conditions.push(node[key] as string);
    if (typeof node['Relation Name'] === 'string') facts.table = node['Relation Name'] as string;
    if (typeof node.Schema === 'string') facts.schema = node.Schema as string;
    if (typeof node['Index Name'] === 'string') facts.indexes.push(node['Index Name'] as string);
    for (const child of (node.Plans as Document[] | undefined) ?? []) planFacts(child, facts);
    return facts;
  }

  /** The `@>` condition FerretDB sent PostgreSQL for one top-level field, as PostgreSQL prints it. */
  function pushedCondition(conditions: string[], field: string): string | undefined {
    const quoted = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`\\(\\([a-z0-9_]+\\._jsonb -> '${quoted}'::text\\) @> '(?:[^']|'')*'::jsonb\\)`);
    for (const condition of conditions) {
      const found = pattern.exec(condition);
      if (found) return found[0];
    }
    return undefined;
  }

  async function planWithoutSeqScan(schema: string, table: string, condition: string): Promise<Document> {
    await pg.query('BEGIN');
    try {
      await pg.query('SET LOCAL enable_seqscan = off');
      const res = await pg.query(`EXPLAIN (FORMAT JSON) SELECT _jsonb FROM "${schema}"."${table}" WHERE ${condition}`);
      return (res.rows[0] as { 'QUERY PLAN': Document[] })['QUERY PLAN'][0].Plan as Document;
    } finally {
      await pg.query('COMMIT');
    }
  }

  async function expectServedByGin(q: Query): Promise<void> {
    const field = indexedEqualities(q)[0];
    const explain = await monitored
      .db(t.config.databaseName)
      .command({ explain: { find: q.collection, filter: q.filter, ...(q.sort ? { sort: q.sort } : {}), ...(q.limit ? { limit: q.limit } : {}) } });
    const facts = planFacts((explain.queryPlanner as Document).Plan as Document);
    const condition = pushedCondition(facts.conditions, field);
    expect({ collection: q.collection, field, filterPushdown: explain.filterPushdown, pushed: !!condition }).toEqual({
      collection: q.collection,
      field,
      filterPushdown: true,
      pushed: true,
    });
    const plan = planFacts(await planWithoutSeqScan(facts.schema, facts.table, condition as string));
    const gin = `${facts.table}_${field.replace(/[^A-Za-z0-9]/g, '_')}_gin`.slice(0, 63);
    expect({ collection: q.collection, field, indexes: plan.indexes }).toEqual({ collection: q.collection, field, indexes: [gin] });
  }

  it("a GP's patient document search and every facts look-up it makes", async () => {
    const queries = await queriesOf(() => as('gp-anna-peeters').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'), 200);
    const finds = queries.filter((q) => q.command === 'find');
    expect(finds.map((q) => q.collection)).toEqual(expect.arrayContaining(['Practitioner', 'CareTeam', 'Consent', 'DocumentReference']));
    for (const q of finds) await expectServedByGin(q);
  });

  it('a professional acting for an institution, a patient by SSIN, a patient reading its trail, instance history', async () => {
    const requests = [
      () => as('physician-sarah-maes').get('/fhir/DocumentReference?patient=patient-marie-dubois&status=current'),
      () => as('gp-anna-peeters').get('/fhir/Patient?identifier=https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin|65012209139'),
      () => as('patient-marie-dubois').get('/fhir/AuditEvent?patient=patient-marie-dubois'),
      () => as('gp-anna-peeters').get('/fhir/Patient/patient-marie-dubois/_history'),
    ];
    const collections = new Set<string>();
    for (const request of requests) {
      for (const q of (await queriesOf(request, 200)).filter((q) => q.command === 'find')) {
        collections.add(q.collection);
        await expectServedByGin(q);
      }
    }
    expect([...collections]).toEqual(expect.arrayContaining(['PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'AuditEvent', 'History']));
  });
});

describe('long values in indexed fields', () => {
  it('a 300 KB identifier system (a string the contract allows) is stored, not a 500: no btree index on FerretDB refuses it', async () => {
    const token = t.token(personas.personas['hub-admin'].claims);
    const res = await supertest(app)
      .patch('/fhir/Organization/org-brussels-gp-league')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/identifier/0/system', value: 'x'.repeat(300 * 1024) }]));
    expect(res.status).toBe(200);
  });
});
