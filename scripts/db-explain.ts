/**
 * `npm run db:explain`: for each hot query shape of the hub, the plan the engine really uses:
 * MongoDB's winning plan, or on FerretDB-PostgreSQL the pushdown flags and PostgreSQL's EXPLAIN
 * (FerretDB's explain carries it). Runs on MONGODB_URI, else on the database of the hub running
 * in DATA_DIR. Sample values come from the data itself. On a few hundred rows PostgreSQL scans by
 * choice; the plans that matter are those at scale (the benchmark's database).
 */
import type { Document, Filter } from 'mongodb';
import { loadConfig } from '../src/config';
import { and, fieldIn } from '../src/store/condition';
import { connectDatabase } from '../src/store/database';
import { runningEmbeddedDatabase } from '../src/store/embedded-database';
import { allOf, toMongoFilter } from '../src/store/mongo-filter';
import { searchKeyField } from '../src/store/persisted-form';
import { HISTORY_COLLECTION } from '../src/store/resource-store';

interface Shape {
  name: string;
  collection: string;
  filter: Filter<Document>;
  sort?: Document;
  limit?: number;
}

/** The filters the store builds (ResourceStore.readCurrent / search / readFacts), with real values. */
function hotShapes(sample: { patientId: string; documentId: string; documentVersion: number; practitioner: string; ssinKey?: string }): Shape[] {
  // As ResourceStore.search / readFacts build it: criteria first, their equalities hoisted to the top level.
  const search = (where: Parameters<typeof toMongoFilter>[0]): Filter<Document> => allOf(toMongoFilter(where), { del: false });
  return [
    { name: 'read by id (Patient)', collection: 'Patient', filter: { _id: sample.patientId } as unknown as Filter<Document> },
    { name: 'read by id (DocumentReference)', collection: 'DocumentReference', filter: { _id: sample.documentId } as unknown as Filter<Document> },
    {
      name: 'patient document search (ITI-67: patient + status, by id)',
      collection: 'DocumentReference',
      filter: search(and(fieldIn('keys.patient', [`Patient/${sample.patientId}`]), fieldIn('keys.status', ['current']))),
      sort: { _id: 1 },
      limit: 51,
    },
    { name: 'facts: links of a practitioner', collection: 'CareTeam', filter: search(fieldIn('keys.participant', [sample.practitioner])) },
    { name: 'facts: consents naming a practitioner', collection: 'Consent', filter: search(fieldIn('keys.actor', [sample.practitioner])) },
    { name: 'facts: consents of a patient', collection: 'Consent', filter: search(fieldIn('keys.patient', [`Patient/${sample.patientId}`])) },
    ...(sample.ssinKey ? [{ name: 'Patient by SSIN', collection: 'Patient', filter: search(fieldIn('keys.identifier', [sample.ssinKey])) }] : []),
    { name: "a patient's audit trail", collection: 'AuditEvent', filter: search(fieldIn('access.patient', [`Patient/${sample.patientId}`])) },
    {
      name: 'instance history',
      collection: HISTORY_COLLECTION,
      filter: { t: 'DocumentReference', id: sample.documentId, v: { $lte: sample.documentVersion } },
      sort: { v: -1 },
    },
  ];
}

async function main(): Promise<void> {
  const config = loadConfig();
  const uri = config.mongodbUri ?? runningEmbeddedDatabase(config.dataDir)?.mongoUri;
  if (!uri) throw new Error(`set MONGODB_URI, or start the hub (npm start) on ${config.dataDir} first`);
  const database = await connectDatabase(uri, config.databaseName, { socketTimeoutMS: 0 });
  try {
    const db = database.db;
    const patient = await db.collection('Patient').findOne({ del: false });
    const document = await db.collection('DocumentReference').findOne({ del: false });
    const link = await db.collection('CareTeam').findOne({ del: false });
    if (!patient || !document) throw new Error(`no patients or documents in database ${config.databaseName}`);
    // Raw documents, in the persisted form: search keys are top-level `s:<code>` fields.
    const ssinKey = ((patient[searchKeyField('identifier')] as string[] | undefined) ?? [])[0];
    const practitioner = ((link?.[searchKeyField('participant')] as string[] | undefined) ?? ['Practitioner/unknown'])[0];
    const shapes = hotShapes({ patientId: String(patient._id), documentId: String(document._id), documentVersion: Number(document.v), practitioner, ssinKey });
    for (const shape of shapes) {
      let cursor = db.collection(shape.collection).find(shape.filter);
      if (shape.sort) cursor = cursor.sort(shape.sort);
      if (shape.limit) cursor = cursor.limit(shape.limit);
      const explain = await cursor.explain();
      process.stdout.write(
        `\n== ${shape.name}\n   ${shape.collection}.find(${JSON.stringify(shape.filter)})${shape.sort ? `.sort(${JSON.stringify(shape.sort)})` : ''}\n`
      );
      process.stdout.write(
        describePlan(explain)
          .map((l) => `   ${l}\n`)
          .join('')
      );
    }
  } finally {
    await database.close();
  }
}

/** FerretDB: pushdown flags and PostgreSQL's plan tree; MongoDB: the winning plan's stages. */
function describePlan(explain: Document): string[] {
  const planner = explain.queryPlanner as Document | undefined;
  if (planner && 'Plan' in planner) {
    const flags = ['filterPushdown', 'sortPushdown', 'limitPushdown'].map((k) => `${k}=${String(explain[k])}`).join(' ');
    return [flags, ...postgresNodes(planner.Plan as Document, 0)];
  }
  const stages: string[] = [];
  let stage = planner?.winningPlan as Document | undefined;
  while (stage) {
    stages.push(stage.indexName ? `${stage.stage} (${stage.indexName})` : String(stage.stage));
    stage = (stage.inputStage ?? stage.queryPlan) as Document | undefined;
  }
  return [stages.join(' <- ') || JSON.stringify(explain).slice(0, 300)];
}

function postgresNodes(node: Document, depth: number): string[] {
  const detail = [
    node['Index Name'] && `index ${node['Index Name']}`,
    node['Index Cond'] && `cond ${node['Index Cond']}`,
    node['Filter'] && `filter ${node['Filter']}`,
    node['Recheck Cond'] && `recheck ${node['Recheck Cond']}`,
  ]
    .filter(Boolean)
    .join('; ');
  const line = `${'  '.repeat(depth)}${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${detail ? `: ${detail}` : ''}`;
  return [line, ...((node.Plans as Document[] | undefined) ?? []).flatMap((child) => postgresNodes(child, depth + 1))];
}

main().catch((err) => {
  process.stderr.write(`db:explain failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
