import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Db, Document } from 'mongodb';
import { loadFacts } from '../../src/policy/facts';
import type { Principal } from '../../src/policy/principal';
import { HISTORY_COLLECTION, ResourceStore } from '../../src/store/resource-store';
import { toPersisted } from '../../src/store/persisted-form';
import { historyEntryOf, type HistoryEntry } from '../../src/store/stored-resource';
import { storedFormBuilder } from './access-sidecar';
import { BENCH_CUSTODIAN_ID, BENCH_GP_CLAIMS, BENCH_GP_ID } from './care-network';
import type { HubClient } from './http-client';
import { measure, type Measurement } from './load';
import { hubSearchPath, rawSearchFilter } from './preflight';
import type { Comparison } from './report';
import type { SeededData } from './seed';
import { SeededRandom, syntheticDocumentReference } from './synthetic-data';

export interface MeasurementSetup {
  requests: number;
  concurrency: number;
  seed: number;
  /** The hub as a GP under the real policy, and the same hub without its audit trail. */
  client: HubClient;
  unaudited: HubClient;
  db: Db;
  seeded: SeededData;
  baseUrl: string;
  note: (message: string) => void;
}

/**
 * One scale's figures: each hub interaction next to the raw driver queries it wraps, the hub and
 * raw runs of one comparison walking the same sequence of patients / ids. The first baseline of
 * each comparison is the raw query of the ratio goals; "same hub, audit off" shows the audit's cost.
 */
export async function measureScale(s: MeasurementSetup): Promise<Comparison[]> {
  const warmup = Math.max(2 * s.concurrency, Math.ceil(s.requests / 10));
  const total = warmup + s.requests;
  const docs = s.db.collection<Document>('DocumentReference');
  const history = s.db.collection<HistoryEntry>(HISTORY_COLLECTION);
  const run = (label: string, op: (i: number) => Promise<void>): Promise<Measurement> =>
    measure({ label, requests: s.requests, warmup, concurrency: s.concurrency, op });

  const random = new SeededRandom(s.seed + 1);
  // The GP's own patients and their documents: what a professional really asks for.
  const patients = Array.from({ length: total }, () => random.pick(s.seeded.linkedPatientIds));
  const ids = Array.from({ length: total }, () => random.pick(s.seeded.linkedDocumentIds));

  s.note('(a) search DocumentReference?patient=&status=current&_count=50');
  const search: Comparison = {
    key: 'search',
    title: 'search patient+status, _count=50',
    hub: await run('GET ?patient&status', (i) => s.client.expect(200, 'GET', hubSearchPath(patients[i])).then(() => undefined)),
    baselines: [
      await run('find (page + 1 row)', async (i) => {
        await docs.find(rawSearchFilter(patients[i])).sort({ _id: 1 }).limit(51).toArray();
      }),
      await run('same hub, audit off', (i) => s.unaudited.expect(200, 'GET', hubSearchPath(patients[i])).then(() => undefined)),
    ],
  };

  s.note('(b) read DocumentReference by id');
  const read: Comparison = {
    key: 'read',
    title: 'read by id',
    hub: await run('GET /DocumentReference/:id', (i) => s.client.expect(200, 'GET', `/fhir/DocumentReference/${ids[i]}`).then(() => undefined)),
    baselines: [
      await run('findOne({_id})', async (i) => {
        if (!(await docs.findOne({ _id: ids[i] as unknown as Document['_id'] }))) throw new Error(`raw findOne missed ${ids[i]}`);
      }),
      await run('same hub, audit off', (i) => s.unaudited.expect(200, 'GET', `/fhir/DocumentReference/${ids[i]}`).then(() => undefined)),
    ],
  };

  s.note('(c) create DocumentReference');
  // Published by the GP for its linked patients, with itself as author (the policy's write rule).
  const bodies = Array.from({ length: total }, () => ({
    ...syntheticDocumentReference(random, undefined, random.pick(s.seeded.linkedPatientIds)),
    author: [{ reference: `Practitioner/${BENCH_GP_ID}` }],
    custodian: { reference: `Organization/${BENCH_CUSTODIAN_ID}` },
  }));
  // The raw baseline gets its stored forms ready-made: it measures the driver round trips only;
  // building the stored form (FHIRPath extraction) and validating are hub costs.
  const storedForm = storedFormBuilder(s.db, s.baseUrl);
  const rawDocs = await Promise.all(bodies.map((body) => storedForm({ ...body, id: randomUUID() } as Resource & { id: string })));
  const unauditedBodies = bodies.map((body) => ({ ...body, description: 'created without audit' }));
  // The ids the hub gave, so the update measurement below changes these very documents.
  const created: string[] = [];
  const createdUnaudited: string[] = [];
  const idOf = (body: string) => (JSON.parse(body) as { id: string }).id;
  const create: Comparison = {
    key: 'create',
    title: 'create DocumentReference',
    hub: await run('POST /DocumentReference', (i) =>
      s.client.expect(201, 'POST', '/fhir/DocumentReference', bodies[i]).then((body) => {
        created[i] = idOf(body);
      })
    ),
    baselines: [
      await run('insertOne + History upsert', async (i) => {
        // What ResourceStore.write sends for a create: the current document, then its History entry.
        const doc = rawDocs[i];
        await docs.insertOne(toPersisted(doc) as unknown as Document);
        const entry = historyEntryOf('DocumentReference', doc);
        await history.replaceOne({ _id: entry._id }, entry, { upsert: true });
      }),
      await run('same hub, audit off', (i) =>
        s.unaudited.expect(201, 'POST', '/fhir/DocumentReference', unauditedBodies[i]).then((body) => {
          createdUnaudited[i] = idOf(body);
        })
      ),
    ],
  };

  s.note('(c2) update DocumentReference by PUT');
  // Each document created above gets its second version once (the same change for hub and raw).
  const corrected = (body: object, id: string) => ({ ...body, id, description: 'corrected' });
  const update: Comparison = {
    key: 'update',
    title: 'update DocumentReference (PUT)',
    hub: await run('PUT /DocumentReference/:id', (i) =>
      s.client.expect(200, 'PUT', `/fhir/DocumentReference/${created[i]}`, corrected(bodies[i], created[i])).then(() => undefined)
    ),
    baselines: [
      await run('History insert + replaceOne', async (i) => {
        // What ResourceStore.write sends for an update: the version's History entry (its claim), then the current document.
        const next = { ...rawDocs[i], v: 2, r: corrected(rawDocs[i].r, rawDocs[i]._id) as Resource & { id: string } };
        await history.insertOne(historyEntryOf('DocumentReference', next));
        const replaced = await docs.replaceOne({ _id: next._id as unknown as Document['_id'], v: 1 }, toPersisted(next) as unknown as Document);
        if (replaced.matchedCount !== 1) throw new Error(`raw replaceOne missed ${next._id}`);
      }),
      await run('same hub, audit off', (i) =>
        s.unaudited
          .expect(200, 'PUT', `/fhir/DocumentReference/${createdUnaudited[i]}`, corrected(unauditedBodies[i], createdUnaudited[i]))
          .then(() => undefined)
      ),
    ],
  };

  s.note('(d) facts loading alone (in process, no HTTP)');
  const principal: Principal = {
    sub: BENCH_GP_CLAIMS.sub,
    role: 'practitioner',
    nihii: BENCH_GP_CLAIMS.nihii,
    profession: BENCH_GP_CLAIMS.profession,
    scopes: [BENCH_GP_CLAIMS.scope],
  };
  const store = new ResourceStore(s.db);
  const facts: Comparison = {
    key: 'facts',
    title: 'facts of the GP (loadFacts)',
    hub: await run('loadFacts', async () => {
      const loaded = await loadFacts(store, principal, new Date());
      // Every linked patient is consented: read off the links' consent window, not a Consent query per patient.
      if (loaded.kind !== 'practitioner' || loaded.links.length !== s.seeded.linkedPatientIds.length || loaded.consented.size !== loaded.links.length)
        throw new Error('loadFacts did not find the GP, its links and their consents');
    }),
    baselines: [await run('the same finds, by hand', () => rawFacts(s.db))],
  };
  // What a search naming one patient, or a read by id, loads now: the facts of that patient only.
  const scoped: Comparison = {
    key: 'facts-patient',
    title: 'facts of the GP for one patient',
    hub: await run('loadFacts (one patient)', async (i) => {
      const loaded = await loadFacts(store, principal, new Date(), undefined, { patient: `Patient/${patients[i]}` });
      if (loaded.kind !== 'practitioner' || loaded.links.length !== 1 || loaded.consented.size !== 1)
        throw new Error('loadFacts did not find the GP and its link with the patient');
    }),
    baselines: [await run('the same finds, by hand', (i) => rawFacts(s.db, patients[i]))],
  };
  return [search, read, create, update, facts, scoped];
}

/**
 * The driver queries facts loading sends for the benchmark GP, in the same rounds, written by
 * hand (no Condition compiling, no date windows, no Set building): its floor on this engine. Two
 * rounds whatever the number of links: each link carries its patient's consent window. For one
 * patient (a search naming it, a read by id) the links query asks for that patient's links only.
 */
async function rawFacts(db: Db, patient?: string): Promise<void> {
  const nihii = `https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional|${BENCH_GP_CLAIMS.nihii}`;
  const self = `Practitioner/${BENCH_GP_ID}`;
  const find = (type: string, filter: Document, limit = 10_000) => db.collection(type).find(filter).limit(limit).toArray();
  if (patient) {
    // For one patient: the GP by NIHII with that patient's active links and consents, in one round.
    await Promise.all([
      find('Practitioner', { 's:identifier': nihii, del: false }, 2),
      find('CareTeam', { 'a:patient': `Patient/${patient}`, 's:status': 'active', del: false }),
      find('Consent', { 'a:patient': `Patient/${patient}`, 's:status': 'active', del: false }),
    ]);
    return;
  }
  await Promise.all([
    find('Practitioner', { 's:identifier': nihii, del: false }, 2),
    find('Consent', { 's:actor:identifier': nihii, 's:status': 'active', del: false }),
  ]);
  await Promise.all([
    find('CareTeam', { 's:participant': self, 's:status': 'active', del: false }),
    find('Consent', { 's:actor': self, 's:status': 'active', del: false }),
  ]);
}
