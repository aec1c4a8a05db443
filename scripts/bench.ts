/**
 * `npm run bench -- [--docs N] [--patients M] [--requests R] [--concurrency C]`: the hub's hot path
 * over HTTP against the raw MongoDB driver query it wraps, on the same database in the same run.
 * Progress goes to stderr, the summary to stdout. A benchmark, not a test: it asserts only that
 * the hub and the raw query return the same rows, so the comparison is fair.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, DocumentReference, Resource } from '@medplum/fhirtypes';
import type { Db, Document } from 'mongodb';
import { loadConfig, type HubConfig } from '../src/config';
import { createHub } from '../src/create-hub';
import { createApp } from '../src/http/app';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { createLogger } from '../src/log';
import { systemPolicy } from '../src/policy/access-policy';
import { connectDatabase, type Database } from '../src/store/database';
import { startEmbeddedFerretDb, type EmbeddedFerretDb } from '../src/store/embedded-ferretdb';
import { storedFormBuilder } from './bench/access-sidecar';
import { HubClient } from './bench/http-client';
import { measure, type Measurement } from './bench/load';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './bench/options';
import { summary, type Comparison } from './bench/report';
import { seedStore, type SeededData } from './bench/seed';
import { SeededRandom, syntheticDocumentReference } from './bench/synthetic-data';

const BENCH_PRINCIPAL = { sub: 'bench', role: 'hub-admin', scope: 'system/*.cruds' };

/** Undo steps, run last-in first-out on normal exit, on failure and on Ctrl-C. */
const cleanups: (() => Promise<void>)[] = [];
let cleaningUp: Promise<void> | undefined;
/** Set on Ctrl-C: the errors of requests cut short by the shutdown are expected, not reported. */
let interrupted = false;

function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const step of cleanups.reverse()) {
      await step().catch((err: unknown) => note(`clean-up step failed: ${(err as Error).message}`));
    }
  })();
  return cleaningUp;
}

function note(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  // Registered before FerretDB starts, so its own signal hook leaves the shutdown to us.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      process.stderr.write(`\nbench: ${signal}, stopping\n`);
      void cleanUp().then(() => process.exit(130));
    });
  }

  const date = new Date();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-bench-'));
  cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
  const hubDataDir = path.join(root, 'hub');

  let uri: string;
  let embedded: EmbeddedFerretDb | undefined;
  if (options.mongodbUri) {
    uri = options.mongodbUri;
  } else {
    note('starting an embedded FerretDB in a fresh temp dir');
    embedded = await startEmbeddedFerretDb({ dataDir: path.join(root, 'ferretdb'), log: note });
    cleanups.push(() => (embedded as EmbeddedFerretDb).stop());
    uri = embedded.uri;
  }
  const databaseName = `bench_${randomBytes(6).toString('hex')}`;
  const database = await connectDatabase(uri, databaseName);
  cleanups.push(() => database.close());
  if (options.mongodbUri && !options.keepDatabase) {
    cleanups.push(async () => void (await database.db.dropDatabase()));
  }
  const engine = await describeEngine(database.db, uri, !!embedded);
  note(`engine: ${engine}; database ${databaseName}`);

  // The port is taken first so the hub's base URL (paging links, Location) is the real one.
  const server = http.createServer();
  const port = await listen(server);
  cleanups.push(() => closeServer(server));
  const config: HubConfig = {
    ...loadConfig({ DATA_DIR: hubDataDir, PORT: String(port), LOG_LEVEL: 'warn' }),
    mongodbUri: uri,
    databaseName,
    baseUrl: `http://127.0.0.1:${port}/fhir`,
  };

  note(`seeding ${options.patients} Patients and ${options.docs} DocumentReferences`);
  const seeded = await seedStore(database.db, options, options.seed, config.baseUrl);

  note('createHub (definitions, ensureIndexes, journal recovery)');
  const hubStarted = performance.now();
  const log = createLogger('warn', (line) => void (interrupted || process.stderr.write(line + '\n')));
  // The system policy reproduces "hub-admin reads and writes everything": under the real policy an
  // admin never reads clinical content (SPEC §5), so there would be no hot path to measure.
  const hub = await createHub(config, database, {
    log,
    ...(options.policy === 'system' ? { policyFor: async (principal) => systemPolicy(principal) } : {}),
  });
  const indexSeconds = (performance.now() - hubStarted) / 1000;
  server.on('request', createApp(hub));

  const privateKey = fs.readFileSync(devKeyPaths(hubDataDir).privateKeyFile, 'utf8');
  const token = mintDevToken(privateKey, BENCH_PRINCIPAL, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    expiresInSeconds: 24 * 3600,
  });
  const client = new HubClient(port, token, options.concurrency);
  cleanups.push(async () => client.close());

  const notes: string[] = [
    options.policy === 'system'
      ? 'access policy: system policy injected (createHub policyFor): auth, routing, search, Bundle and write path are real; per-request fact loading and narrowing are not measured'
      : 'access policy: the real one (loadFacts + narrow per request)',
  ];
  notes.push(...(await checkSameAnswers(client, database.db, seeded, options.policy)));
  notes.push(...(await explainHotQueries(database.db, seeded)));

  const comparisons = await runMeasurements(options, client, database, seeded, config);
  process.stdout.write(
    summary(
      {
        engine,
        docs: options.docs,
        patients: options.patients,
        requests: options.requests,
        concurrency: options.concurrency,
        date,
        seedSeconds: seeded.seconds,
        indexSeconds,
        totalSeconds: (Date.now() - date.getTime()) / 1000,
        notes,
      },
      comparisons
    )
  );
}

async function runMeasurements(options: BenchOptions, client: HubClient, database: Database, seeded: SeededData, config: HubConfig): Promise<Comparison[]> {
  const { requests, concurrency } = options;
  const warmup = Math.max(2 * concurrency, Math.ceil(requests / 10));
  const total = warmup + requests;
  const docs = database.db.collection<Document>('DocumentReference');
  const history = database.db.collection<Document>('History');
  const run = (label: string, op: (i: number) => Promise<void>): Promise<Measurement> => measure({ label, requests, warmup, concurrency, op });

  // Hub and raw runs of one comparison walk the same sequence of patients / ids.
  const random = new SeededRandom(options.seed + 1);
  const patients = Array.from({ length: total }, () => random.pick(seeded.patientIds));
  const ids = Array.from({ length: total }, () => random.pick(seeded.documentIds));
  const searchFilter = (i: number) => ({ del: false, 's.patient': `Patient/${patients[i]}`, 's.status': 'current' });

  note('(a/b) search DocumentReference?patient=&status=current&_count=50');
  const search: Comparison = {
    title: 'search patient+status, _count=50',
    hub: await run('GET ?patient&status', async (i) => {
      await client.expect(200, 'GET', `/fhir/DocumentReference?patient=Patient/${patients[i]}&status=current&_count=50`);
    }),
    baselines: [
      await run('find+countDocuments', async (i) => {
        await docs.countDocuments(searchFilter(i));
        await docs.find(searchFilter(i)).sort({ _id: 1 }).limit(51).toArray();
      }),
      await run('find only', async (i) => {
        await docs.find(searchFilter(i)).sort({ _id: 1 }).limit(51).toArray();
      }),
    ],
  };

  note('(c) read DocumentReference by id');
  const read: Comparison = {
    title: 'read by id',
    hub: await run('GET /DocumentReference/:id', async (i) => {
      await client.expect(200, 'GET', `/fhir/DocumentReference/${ids[i]}`);
    }),
    baselines: [
      await run('findOne({_id})', async (i) => {
        if (!(await docs.findOne({ _id: ids[i] as unknown as Document['_id'] }))) throw new Error(`raw findOne missed ${ids[i]}`);
      }),
    ],
  };

  note('(d) create DocumentReference');
  const bodies = Array.from({ length: total }, () => syntheticDocumentReference(random, undefined, random.pick(seeded.patientIds)));
  // The raw baseline gets its stored forms ready-made: it measures the driver round trip only;
  // building the stored form (FHIRPath extraction) and validating are hub costs.
  const storedForm = storedFormBuilder(database.db, config.baseUrl);
  const storedForms = () => Promise.all(bodies.map((body) => storedForm({ ...body, id: random.uuid() } as Resource & { id: string })));
  const rawDocs = await storedForms();
  const rawDocsWithHistory = await storedForms();
  const create: Comparison = {
    title: 'create DocumentReference',
    hub: await run('POST /DocumentReference', async (i) => {
      await client.expect(201, 'POST', '/fhir/DocumentReference', bodies[i]);
    }),
    baselines: [
      await run('insertOne(stored form)', async (i) => {
        await docs.insertOne(rawDocs[i] as unknown as Document);
      }),
      await run('insertOne + History upsert', async (i) => {
        const doc = rawDocsWithHistory[i];
        await docs.insertOne(doc as unknown as Document);
        const entryId = `DocumentReference/${doc._id}/${doc.v}`;
        await history.replaceOne(
          { _id: entryId as unknown as Document['_id'] },
          { t: 'DocumentReference', id: doc._id, v: doc.v, ts: doc.ts, del: doc.del, r: doc.r },
          { upsert: true }
        );
      }),
    ],
  };
  return [search, read, create];
}

/**
 * The comparison is only fair if both sides answer the same question: for a few patients, the
 * hub's page (ids and total) must equal the raw query's.
 */
async function checkSameAnswers(client: HubClient, db: Db, seeded: SeededData, policy: BenchOptions['policy']): Promise<string[]> {
  const random = new SeededRandom(7);
  const problems: string[] = [];
  for (let k = 0; k < 5; k++) {
    const patient = random.pick(seeded.patientIds);
    const filter = { del: false, 's.patient': `Patient/${patient}`, 's.status': 'current' };
    const raw = await db.collection('DocumentReference').find(filter).sort({ _id: 1 }).limit(51).toArray();
    const total = await db.collection('DocumentReference').countDocuments(filter);
    const bundle = JSON.parse(
      await client.expect(200, 'GET', `/fhir/DocumentReference?patient=Patient/${patient}&status=current&_count=50`)
    ) as Bundle<DocumentReference>;
    const hubIds = (bundle.entry ?? []).map((e) => e.resource?.id).join(',');
    const rawIds = raw
      .slice(0, 50)
      .map((d) => String(d._id))
      .join(',');
    if (hubIds !== rawIds || bundle.total !== total) {
      problems.push(`hub and raw disagree for Patient/${patient}: hub total ${bundle.total}, raw ${total}`);
    }
  }
  if (problems.length && policy === 'real') {
    throw new Error(
      `${problems[0]}. Under the real access policy the hub-admin token does not read DocumentReferences (SPEC §5), ` +
        'so the hub answers empty Bundles, 404 and 403: nothing comparable to measure. Use --policy system.'
    );
  }
  for (const p of problems) note(`WARNING ${p}`);
  if (!problems.length) note('check: hub search and raw query return the same rows and totals');
  return problems;
}

/**
 * The query plan of the raw filters and of the filter shapes the hub's store actually sends
 * (`{$and: [...]}` wrappers), so an index or pushdown lost to the wrapping shows up here.
 */
async function explainHotQueries(db: Db, seeded: SeededData): Promise<string[]> {
  const coll = db.collection('DocumentReference');
  const patient = `Patient/${seeded.patientIds[0]}`;
  const id = seeded.documentIds[0] as unknown as Document['_id'];
  const shapes: [string, Document, Document | undefined][] = [
    ['raw search', { del: false, 's.patient': patient, 's.status': 'current' }, { _id: 1 }],
    ['hub search', { $and: [{ del: false }, { $and: [{ 's.patient': patient }, { 's.status': 'current' }] }] }, { _id: 1 }],
    ['raw read', { _id: id }, undefined],
    ['hub read', { $and: [{ _id: id }, {}] }, undefined],
  ];
  const lines: string[] = [];
  for (const [label, filter, sort] of shapes) {
    try {
      const cursor = coll.find(filter).limit(sort ? 51 : 1);
      if (sort) cursor.sort(sort);
      lines.push(`plan of ${label.padEnd(10)} ${planSummary(await cursor.explain('queryPlanner'))}`);
    } catch (err) {
      lines.push(`plan of ${label}: explain failed (${(err as Error).message})`);
    }
  }
  for (const line of lines) note(line);
  return lines;
}

/** The essentials of an explain answer: MongoDB's winning plan stages, FerretDB's pushdown flags. */
function planSummary(explain: Document): string {
  const planner = explain.queryPlanner as Document | undefined;
  const pushdown = ['filterPushdown', 'sortPushdown', 'limitPushdown']
    .filter((k) => k in explain || (planner && k in planner))
    .map((k) => `${k}=${String(explain[k] ?? planner?.[k])}`);
  if (pushdown.length) return `FerretDB ${pushdown.join(' ')}`;
  const stages: string[] = [];
  let stage = planner?.winningPlan as Document | undefined;
  while (stage) {
    stages.push(stage.indexName ? `${stage.stage}(${stage.indexName})` : String(stage.stage));
    stage = (stage.inputStage ?? stage.queryPlan) as Document | undefined;
  }
  return stages.length ? stages.join(' <- ') : JSON.stringify(explain).slice(0, 200);
}

async function describeEngine(db: Db, uri: string, embedded: boolean): Promise<string> {
  const info = await db.admin().command({ buildInfo: 1 }).catch(() => ({}) as Document);
  const ferret = (info.ferretdbVersion ?? (info.ferretdbFeatures ? 'FerretDB' : undefined)) as string | undefined;
  const version = ferret ? `FerretDB ${String(ferret).replace(/^v/, '')}` : `MongoDB ${String(info.version ?? '?')}`;
  if (embedded) return `${version}, SQLite backend (embedded, temp dir)`;
  let host = uri;
  try {
    host = new URL(uri).host; // never print credentials
  } catch {
    host = uri.replace(/\/\/[^@/]*@/, '//');
  }
  return `${version} at ${host} (MONGODB_URI)`;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

main()
  .then(() => cleanUp())
  .then(() => process.exit(0))
  .catch(async (err: unknown) => {
    if (interrupted) return; // the signal handler cleans up and exits
    note(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanUp();
    process.exit(1);
  });
