import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import { MongoClient, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import { ALWAYS, and, fieldIn } from '../../src/store/condition';
import { ResourceStore } from '../../src/store/resource-store';
import type { HubClient } from './http-client';
import type { SeededData } from './seed';
import { SeededRandom } from './synthetic-data';

/** The raw driver filter the hub's hot search wraps: the same persisted fields, the most selective first, as the hub sends. */
export function rawSearchFilter(patientId: string): Document {
  return { 's:patient': `Patient/${patientId}`, 's:status': 'current', del: false };
}

export function hubSearchPath(patientId: string): string {
  return `/fhir/DocumentReference?patient=Patient/${patientId}&status=current&_count=50`;
}

/**
 * The comparison is only fair if both sides answer the same question: for a few patients, the
 * hub's page (ids and total) must equal the raw query's, and a few of their documents must be
 * readable by id. The hub fails closed, so this also proves the seeded links and documents carry
 * open consent and author-only windows, as the hub's own writes and backfills leave them.
 * Returns the disagreements.
 */
export async function compareAnswers(client: HubClient, db: Db, seeded: SeededData): Promise<string[]> {
  const random = new SeededRandom(7);
  const collection = db.collection('DocumentReference');
  const problems: string[] = [];
  for (let k = 0; k < 5; k++) {
    const patient = random.pick(seeded.linkedPatientIds);
    const raw = await collection.find(rawSearchFilter(patient)).sort({ _id: 1 }).limit(50).toArray();
    const bundle = JSON.parse(await client.expect(200, 'GET', hubSearchPath(patient))) as Bundle<DocumentReference>;
    const hubIds = (bundle.entry ?? []).map((e) => e.resource?.id).join(',');
    const rawIds = raw.map((d) => String(d._id)).join(',');
    if (hubIds !== rawIds) {
      problems.push(`hub and raw disagree for Patient/${patient}: hub ${bundle.entry?.length ?? 0} rows, raw ${raw.length}`);
    }
  }
  for (let k = 0; k < 5; k++) {
    const id = random.pick(seeded.linkedDocumentIds);
    const answer = await client.request('GET', `/fhir/DocumentReference/${id}`);
    if (answer.status !== 200) problems.push(`the hub answers ${answer.status} to a read of DocumentReference/${id} of a linked patient`);
  }
  return problems;
}

/**
 * Query plans of the raw filters and of the filters the hub's store really sends (captured with
 * command monitoring on a separate client, so the measured clients carry no monitoring cost).
 * An index or a FerretDB pushdown lost to the store's `$and` wrapping shows up here.
 */
export async function explainStoreQueries(uri: string, databaseName: string, seeded: SeededData): Promise<string[]> {
  const client = new MongoClient(uri, { monitorCommands: true, serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db(databaseName);
    const sent: Document[] = [];
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'find') sent.push(event.command);
    });
    const patient = seeded.patientIds[0];
    const id = seeded.documentIds[0];
    const store = new ResourceStore(db);
    await store.search('DocumentReference', {
      where: and(fieldIn('keys.patient', [`Patient/${patient}`]), fieldIn('keys.status', ['current'])),
      sort: [],
      limit: 50,
    });
    await store.readCurrent('DocumentReference', id, ALWAYS);
    const [storeSearch, storeRead] = sent;
    const shapes: [string, Document, Document | undefined][] = [
      ['raw search', rawSearchFilter(patient), { _id: 1 }],
      ['hub search', storeSearch?.filter ?? {}, storeSearch?.sort],
      ['raw read', { _id: id }, undefined],
      ['hub read', storeRead?.filter ?? {}, undefined],
    ];
    const lines: string[] = [];
    for (const [label, filter, sort] of shapes) {
      try {
        const cursor = db
          .collection('DocumentReference')
          .find(filter)
          .limit(sort ? 51 : 1);
        if (sort) cursor.sort(sort);
        lines.push(`plan of ${label.padEnd(10)} ${planSummary(await cursor.explain('queryPlanner'))}  filter ${JSON.stringify(filter)}`);
      } catch (err) {
        lines.push(`plan of ${label}: explain failed (${(err as Error).message})`);
      }
    }
    return lines;
  } finally {
    await client.close();
  }
}

/** The essentials of an explain answer: FerretDB's pushdown flags, or MongoDB's winning plan stages. */
function planSummary(explain: Document): string {
  const planner = explain.queryPlanner as Document | undefined;
  const pushdown = ['filterPushdown', 'sortPushdown', 'limitPushdown']
    .filter((k) => k in explain || (planner && k in planner))
    .map((k) => `${k}=${String(explain[k] ?? planner?.[k])}`);
  if (pushdown.length) return pushdown.join(' ');
  const stages: string[] = [];
  let stage = planner?.winningPlan as Document | undefined;
  while (stage) {
    stages.push(stage.indexName ? `${stage.stage}(${stage.indexName})` : String(stage.stage));
    stage = (stage.inputStage ?? stage.queryPlan) as Document | undefined;
  }
  return stages.length ? stages.join(' <- ') : JSON.stringify(explain).slice(0, 200);
}

/** Engine and version for the summary; a MONGODB_URI is shown by host only, never with credentials. */
export async function describeEngine(db: Db, uri: string, embedded: boolean): Promise<string> {
  const info = await db
    .admin()
    .command({ buildInfo: 1 })
    .catch(() => ({}) as Document);
  const ferret = (info.ferretdbVersion ?? (info.ferretdbFeatures ? 'FerretDB' : undefined)) as string | undefined;
  const version = ferret ? `FerretDB ${String(ferret).replace(/^v/, '')}` : `MongoDB ${String(info.version ?? '?')}`;
  if (embedded) return `${version}, PostgreSQL backend (embedded, temp dir)`;
  let host: string;
  try {
    host = new URL(uri).host;
  } catch {
    host = uri.replace(/\/\/[^@/]*@/, '//');
  }
  return `${version} at ${host} (MONGODB_URI)`;
}
