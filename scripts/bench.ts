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
import type { Resource } from '@medplum/fhirtypes';
import type { Document } from 'mongodb';
import { loadConfig, type HubConfig } from '../src/config';
import { createHub } from '../src/create-hub';
import { createApp } from '../src/http/app';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { createLogger } from '../src/log';
import { connectDatabase, type Database } from '../src/store/database';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/store/embedded-database';
import { HISTORY_COLLECTION } from '../src/store/resource-store';
import { historyEntryOf, type HistoryEntry } from '../src/store/stored-resource';
import { storedFormBuilder } from './bench/access-sidecar';
import { BENCH_CUSTODIAN_ID, BENCH_GP_CLAIMS, BENCH_GP_ID } from './bench/care-network';
import { HubClient } from './bench/http-client';
import { measure, type Measurement } from './bench/load';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './bench/options';
import { compareAnswers, describeEngine, explainStoreQueries, hubSearchPath, rawSearchFilter } from './bench/preflight';
import { summary, type Comparison } from './bench/report';
import { seedStore, type SeededData } from './bench/seed';
import { SeededRandom, syntheticDocumentReference } from './bench/synthetic-data';

/** The hub is measured as a GP under the real access policy: facts loaded and the query narrowed per request. */
const BENCH_PRINCIPAL = BENCH_GP_CLAIMS;

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
  // Run as root, PostgreSQL drops to its own user, which must be able to traverse this folder.
  fs.chmodSync(root, 0o711);
  cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
  const hubDataDir = path.join(root, 'hub');

  let uri: string;
  let embedded: EmbeddedDatabase | undefined;
  if (options.mongodbUri) {
    uri = options.mongodbUri;
  } else {
    note('starting an embedded PostgreSQL + FerretDB in a fresh temp dir');
    embedded = await startEmbeddedDatabase({ dataDir: path.join(root, 'database'), log: note });
    cleanups.push(() => (embedded as EmbeddedDatabase).stop());
    uri = embedded.mongoUri;
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
  const hub = await createHub(config, database, { log });
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

  // The same hub without its audit trail, on the same database, as the baseline that shows what
  // auditing costs (SPEC §7). Built in-process only here; no setting of the hub can do this.
  const unauditedServer = http.createServer();
  const unauditedPort = await listen(unauditedServer);
  cleanups.push(() => closeServer(unauditedServer));
  const unaudited = await createHub({ ...config, port: unauditedPort, baseUrl: `http://127.0.0.1:${unauditedPort}/fhir` }, database, { log, audit: { write: async () => undefined } });
  unauditedServer.on('request', createApp(unaudited));
  const unauditedClient = new HubClient(unauditedPort, token, options.concurrency);
  cleanups.push(async () => unauditedClient.close());

  const notes: string[] = [
    `access policy: the real one, as a GP linked with ${seeded.linkedPatientIds.length} consented patients (facts loaded and the query narrowed on every request); the raw query has no policy`,
  ];
  notes.push("'same hub, audit off': the hub without its audit trail; its ratio is what writing the AuditEvents (hash-chained, before the response) costs");
  const disagreements = await compareAnswers(client, database.db, seeded);
  for (const problem of disagreements) note(`WARNING ${problem}`);
  if (!disagreements.length) note('check: the hub search and the raw query return the same rows and totals');
  notes.push(...disagreements.map((p) => `WARNING ${p}`));
  const plans = await explainStoreQueries(uri, databaseName, seeded);
  for (const line of plans) note(line);
  notes.push(...plans);

  const comparisons = await runMeasurements(options, client, unauditedClient, database, seeded, config);
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

async function runMeasurements(
  options: BenchOptions,
  client: HubClient,
  unaudited: HubClient,
  database: Database,
  seeded: SeededData,
  config: HubConfig
): Promise<Comparison[]> {
  const { requests, concurrency } = options;
  const warmup = Math.max(2 * concurrency, Math.ceil(requests / 10));
  const total = warmup + requests;
  const docs = database.db.collection<Document>('DocumentReference');
  const history = database.db.collection<HistoryEntry>(HISTORY_COLLECTION);
  const run = (label: string, op: (i: number) => Promise<void>): Promise<Measurement> => measure({ label, requests, warmup, concurrency, op });

  // Hub and raw runs of one comparison walk the same sequence of patients / ids.
  const random = new SeededRandom(options.seed + 1);
  // The GP's own patients and their documents: what a professional really asks for.
  const patients = Array.from({ length: total }, () => random.pick(seeded.linkedPatientIds));
  const ids = Array.from({ length: total }, () => random.pick(seeded.linkedDocumentIds));

  note('(a/b) search DocumentReference?patient=&status=current&_count=50');
  const search: Comparison = {
    title: 'search patient+status, _count=50',
    hub: await run('GET ?patient&status', async (i) => {
      await client.expect(200, 'GET', hubSearchPath(patients[i]));
    }),
    baselines: [
      await run('same hub, audit off', async (i) => {
        await unaudited.expect(200, 'GET', hubSearchPath(patients[i]));
      }),
      await run('find+countDocuments', async (i) => {
        // What the hub sends when asked for `_total=accurate`: the count, then the page (+1 row to see if more exist).
        await docs.countDocuments(rawSearchFilter(patients[i]));
        await docs.find(rawSearchFilter(patients[i])).sort({ _id: 1 }).limit(51).toArray();
      }),
      await run('find only', async (i) => {
        await docs.find(rawSearchFilter(patients[i])).sort({ _id: 1 }).limit(51).toArray();
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
      await run('same hub, audit off', async (i) => {
        await unaudited.expect(200, 'GET', `/fhir/DocumentReference/${ids[i]}`);
      }),
      await run('findOne({_id})', async (i) => {
        if (!(await docs.findOne({ _id: ids[i] as unknown as Document['_id'] }))) throw new Error(`raw findOne missed ${ids[i]}`);
      }),
    ],
  };

  note('(d) create DocumentReference');
  // Published by the GP for its linked patients, with itself as author (the policy's write rule).
  const bodies = Array.from({ length: total }, () => ({
    ...syntheticDocumentReference(random, undefined, random.pick(seeded.linkedPatientIds)),
    author: [{ reference: `Practitioner/${BENCH_GP_ID}` }],
    custodian: { reference: `Organization/${BENCH_CUSTODIAN_ID}` },
  }));
  // The raw baseline gets its stored forms ready-made: it measures the driver round trip only;
  // building the stored form (FHIRPath extraction) and validating are hub costs.
  const storedForm = storedFormBuilder(database.db, config.baseUrl);
  const storedForms = () => Promise.all(bodies.map((body) => storedForm({ ...body, id: random.uuid() } as Resource & { id: string })));
  const rawDocs = await storedForms();
  const unauditedBodies = bodies.map((body) => ({ ...body, description: 'created without audit' }));
  const rawDocsWithHistory = await storedForms();
  const create: Comparison = {
    title: 'create DocumentReference',
    hub: await run('POST /DocumentReference', async (i) => {
      await client.expect(201, 'POST', '/fhir/DocumentReference', bodies[i]);
    }),
    baselines: [
      await run('same hub, audit off', async (i) => {
        await unaudited.expect(201, 'POST', '/fhir/DocumentReference', unauditedBodies[i]);
      }),
      await run('insertOne(stored form)', async (i) => {
        await docs.insertOne(rawDocs[i] as unknown as Document);
      }),
      await run('insertOne + History upsert', async (i) => {
        // What ResourceStore.write sends for a create: the current document, then its History entry.
        const doc = rawDocsWithHistory[i];
        await docs.insertOne(doc as unknown as Document);
        const entry = historyEntryOf('DocumentReference', doc);
        await history.replaceOne({ _id: entry._id }, entry, { upsert: true });
      }),
    ],
  };
  return [search, read, create];
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
