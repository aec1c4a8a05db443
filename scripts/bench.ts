/**
 * `npm run bench -- --scales 10000,100000,1000000 [--json FILE] [--requests R] [--concurrency C]`:
 * the hub's hot paths over HTTP (and facts loading in process) against the raw MongoDB driver
 * queries they wrap, on one database grown scale by scale, all in the same run.
 * Progress goes to stderr, the summary to stdout. A benchmark, not a test: it asserts only that
 * the hub and the raw query return the same rows, so the comparison is fair.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type HubConfig } from '../src/config';
import { createHub } from '../src/create-hub';
import { createApp } from '../src/http/app';
import { devKeyPaths } from '../src/identity/keys';
import { MongoClient } from 'mongodb';
import { mintDevToken } from '../src/identity/mint-token';
import { createLogger } from '../src/log';
import type { Database } from '../src/store/database';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/store/embedded-database';
import { BENCH_GP_CLAIMS } from './bench/care-network';
import { HubClient } from './bench/http-client';
import { measureScale } from './bench/measurements';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './bench/options';
import { compareAnswers, describeEngine, explainStoreQueries } from './bench/preflight';
import { figuresOf, goalLines, summary, type Comparison } from './bench/report';
import { createGinIndexes, dropGinIndexes } from './bench/postgres-gin';
import { postgresSizes } from './bench/postgres-sizes';
import { averageBsonBytes } from './bench/bson-sizes';
import { Seeder } from './bench/seed';

/** Collections whose sizes the summary prints, for docs/scale.md. */
const SIZED_COLLECTIONS = ['DocumentReference', 'History', 'Patient', 'Consent', 'CareTeam', 'AuditEvent'];

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
  // The hub's own driver settings give up after a second (503 fast when the database is down); on a
  // loaded benchmark machine that turns slow answers into failures. The benchmark measures latency,
  // so its hub waits as long as a query takes.
  const benchClient = new MongoClient(uri, { serverSelectionTimeoutMS: 60_000, socketTimeoutMS: 0, waitQueueTimeoutMS: 0 });
  await benchClient.connect();
  const database: Database = { client: benchClient, db: benchClient.db(databaseName), close: () => benchClient.close() };
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

  // One database grows scale by scale; the hub is started once, after the first step, on its data.
  // Seeding has its own client with the driver's default (unbounded) waits: a bulk job, not a request.
  const seedingClient = new MongoClient(uri);
  await seedingClient.connect();
  cleanups.push(() => seedingClient.close());
  const seeder = new Seeder(
    seedingClient.db(databaseName),
    { links: options.links, docsPerPatient: options.docsPerPatient },
    options.seed,
    `http://127.0.0.1:${port}/fhir`
  );
  const byScale = new Map<number, Comparison[]>();
  const json: Record<string, unknown> = {};
  let started: Started | undefined;
  const postgresUrl = process.env.BENCH_POSTGRES_URL || embedded?.postgresUrl;
  let seededDocs = 0;
  for (const scale of options.scales) {
    note(`scale ${scale}: seeding up to ${seeder.patientsFor(scale)} Patients and ${scale} DocumentReferences`);
    // A step that more than doubles the data loads faster without its GIN indexes, rebuilt once after.
    let ginSeconds = 0;
    const rebuildGin = !!postgresUrl && !options.keepGinWhileSeeding && seededDocs > 0 && scale > 2 * seededDocs;
    if (rebuildGin) note(`dropped ${await dropGinIndexes(postgresUrl as string, databaseName)} GIN indexes for the bulk load; rebuilt after it`);
    const seeded = await seeder.growTo(scale);
    seededDocs = scale;
    if (rebuildGin) {
      const t0 = performance.now();
      await createGinIndexes(postgresUrl as string, databaseName);
      ginSeconds = (performance.now() - t0) / 1000;
      note(`GIN indexes rebuilt by the hub's provisioning in ${ginSeconds.toFixed(1)} s`);
    }
    let indexSeconds = 0;
    if (!started) {
      const t0 = performance.now();
      started = await startHubs(database, hubDataDir, port, server, uri, databaseName, options);
      indexSeconds = (performance.now() - t0) / 1000;
    }
    const { client, unauditedClient, config } = started;
    const docsPerLinked = seeded.linkedDocumentIds.length / Math.max(1, seeded.linkedPatientIds.length);
    const notes: string[] = [
      `shape: ${options.docsPerPatient} documents per patient on average at every scale (each step's documents go to its new patients); the GP's ${seeded.linkedPatientIds.length} linked patients, seeded with the first scale, hold ${docsPerLinked.toFixed(1)} on average; searches and reads are asked for them`,
      `access policy: the real one, as a GP linked with ${seeded.linkedPatientIds.length} consented patients (facts loaded and the query narrowed on every request); the raw query has no policy`,
      "'same hub, audit off': the hub without its audit trail; its ratio is what writing the AuditEvents (hash-chained, before the response) costs",
    ];
    const disagreements = await compareAnswers(client, database.db, seeded);
    for (const problem of disagreements) note(`WARNING ${problem}`);
    if (!disagreements.length) note("check: the hub search and the raw query return the same rows; the linked patients' documents are readable by id");
    notes.push(...disagreements.map((p) => `WARNING ${p}`));
    if (postgresUrl) {
      // After the preflight's requests, so the audit trail's collections exist too.
      const created = await createGinIndexes(postgresUrl, databaseName);
      note(`GIN jsonb_path_ops indexes on ${created.length} pushed-down paths`);
      notes.push(`GIN jsonb_path_ops expression indexes created by the bench on: ${created.join('; ')}`);
    }
    const plans = await explainStoreQueries(uri, databaseName, seeded);
    for (const line of plans) note(line);
    notes.push(...plans);
    const comparisons = await measureScale({ ...options, client, unaudited: unauditedClient, db: database.db, seeded, baseUrl: config.baseUrl, note });
    const sizes = await collectionSizes(database.db, SIZED_COLLECTIONS);
    notes.push(
      ...sizes.map(
        (z) =>
          `collStats ${z.collection}: ${z.count} docs, data ${mib(z.size)}, storage ${mib(z.storageSize)}, indexes ${mib(z.totalIndexSize)}; ` +
          `per document ${perDoc(z.size, z.count)} data, ${perDoc(z.storageSize, z.count)} storage, ${perDoc(z.totalIndexSize, z.count)} indexes`
      )
    );
    // FerretDB's collStats leaves out TOAST (documents over ~2 kB are stored compressed out of line): PostgreSQL's own sizes.
    const tables = postgresUrl ? await postgresSizes(postgresUrl, databaseName, SIZED_COLLECTIONS) : [];
    for (const t of tables) {
      const perRequest = t.collection === 'AuditEvent' && client.answered ? client.answered : 0;
      const per = perRequest || t.rows;
      notes.push(
        `PostgreSQL ${t.collection}: ${t.rows} rows, table (heap + TOAST) ${mib(t.tableBytes)}, indexes ${mib(t.indexBytes)} (GIN ${mib(t.ginBytes)}); ` +
          `per ${perRequest ? `audited request (${perRequest})` : 'row'}: ${perDoc(t.tableBytes, per)} table, ${perDoc(t.indexBytes, per)} indexes, ${perDoc(t.ginBytes, per)} GIN`
      );
    }
    const bson = await averageBsonBytes(database.db, seeded.documentIds);
    notes.push(
      `BSON bytes per document (MongoDB's size before compression, averaged over a sample): ${Object.entries(bson)
        .map(([c, b]) => `${c} ${b}`)
        .join(', ')}`
    );
    byScale.set(scale, comparisons);
    json[String(scale)] = { ...figuresOf(comparisons), sizes, postgresSizes: tables, bsonBytes: bson, auditedRequests: client.answered };
    // Written after every scale, so a run stopped during a larger scale keeps the figures it has.
    if (options.json) fs.writeFileSync(options.json, JSON.stringify({ engine, date: date.toISOString(), ...json, goals: goalLines(byScale) }, null, 2) + '\n');
    process.stdout.write(
      summary(
        {
          engine,
          docs: scale,
          patients: seeded.patientIds.length,
          links: seeded.linkedPatientIds.length,
          requests: options.requests,
          concurrency: options.concurrency,
          date,
          seedSeconds: seeded.seconds,
          seedRate: seeded.rate,
          ginSeconds,
          indexSeconds,
          totalSeconds: (Date.now() - date.getTime()) / 1000,
          notes,
        },
        comparisons
      )
    );
  }
  const goals = goalLines(byScale);
  process.stdout.write(['', 'goals (issue #17), same run:', ...goals.map((g) => `  ${g}`), ''].join('\n'));
  if (options.json) {
    fs.writeFileSync(options.json, JSON.stringify({ engine, date: date.toISOString(), ...json, goals }, null, 2) + '\n');
    note(`figures written to ${options.json}`);
  }
}

interface Started {
  client: HubClient;
  unauditedClient: HubClient;
  config: HubConfig;
}

/** The hub as a GP sees it, and the same hub without its audit trail, both on this database. */
async function startHubs(
  database: Database,
  hubDataDir: string,
  port: number,
  server: http.Server,
  uri: string,
  databaseName: string,
  options: BenchOptions
): Promise<Started> {
  const config: HubConfig = {
    ...loadConfig({ DATA_DIR: hubDataDir, PORT: String(port), LOG_LEVEL: 'warn' }),
    mongodbUri: uri,
    databaseName,
    baseUrl: `http://127.0.0.1:${port}/fhir`,
  };
  note('createHub (definitions, ensureIndexes, journal recovery)');
  const log = createLogger('warn', (line) => void (interrupted || process.stderr.write(line + '\n')));
  const hub = await createHub(config, database, { log });
  // Run before the database closes (clean-ups go last-in first-out): the chain head hints written after the answers.
  cleanups.push(() => hub.audit.settled());
  server.on('request', createApp(hub));
  const privateKey = fs.readFileSync(devKeyPaths(hubDataDir).privateKeyFile, 'utf8');
  const token = mintDevToken(privateKey, BENCH_PRINCIPAL, { issuer: config.jwtIssuer, audience: config.jwtAudience, expiresInSeconds: 24 * 3600 });
  const client = new HubClient(port, token, options.concurrency);
  cleanups.push(async () => client.close());

  // The same hub without its audit trail, on the same database, as the baseline that shows what
  // auditing costs (SPEC §7). Built in-process only here; no setting of the hub can do this.
  const unauditedServer = http.createServer();
  const unauditedPort = await listen(unauditedServer);
  cleanups.push(() => closeServer(unauditedServer));
  const unaudited = await createHub({ ...config, port: unauditedPort, baseUrl: `http://127.0.0.1:${unauditedPort}/fhir` }, database, {
    log,
    audit: { write: async () => undefined, expect: () => undefined, settled: async () => undefined },
  });
  unauditedServer.on('request', createApp(unaudited));
  const unauditedClient = new HubClient(unauditedPort, token, options.concurrency);
  cleanups.push(async () => unauditedClient.close());
  return { client, unauditedClient, config };
}

interface CollectionSize {
  collection: string;
  count: number;
  size: number;
  storageSize: number;
  totalIndexSize: number;
}

/** collStats of the main collections (on FerretDB-PostgreSQL: its tables and indexes), for docs/scale.md. */
async function collectionSizes(db: Database['db'], names: string[]): Promise<CollectionSize[]> {
  const out: CollectionSize[] = [];
  for (const collection of names) {
    const stats = await db.command({ collStats: collection }).catch(() => undefined);
    if (!stats) continue;
    const n = (k: string) => Number(stats[k] ?? 0);
    out.push({ collection, count: n('count'), size: n('size'), storageSize: n('storageSize'), totalIndexSize: n('totalIndexSize') });
  }
  return out;
}

function perDoc(bytes: number, count: number): string {
  return count ? `${Math.round(bytes / count)} B` : '-';
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
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
