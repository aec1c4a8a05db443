/**
 * `npm run bench:peer -- [--docs N] [--requests R] [--concurrency C]`: the hub next to a peer, a
 * HAPI FHIR JPA server 8.8 (R4) without any access policy, on the same embedded PostgreSQL, loaded
 * with the same Patients and DocumentReferences, asked the same patient search and read by id.
 * The hub is measured as a GP under its real policy with its audit trail on.
 *
 * The peer is built once by Maven from scripts/bench-peer/ (a pom and a small Spring Boot main of
 * ours) into .cache/bench-peer, its dependencies downloaded from Maven Central into .cache/maven.
 * Needs Java 17+ and Maven on the PATH. `--peer-port P` with MONGODB_URI reuses a running peer
 * and FerretDB (both on one PostgreSQL) instead of starting them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { createHub } from '../src/create-hub';
import { createApp } from '../src/http/app';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { createLogger } from '../src/log';
import { startEmbeddedDatabase } from '../src/store/embedded-database';
import { BENCH_GP_CLAIMS } from './bench/care-network';
import { HubClient } from './bench/http-client';
import { measure, type Measurement } from './bench/load';
import { hubSearchPath } from './bench/preflight';
import { createGinIndexes } from './bench/postgres-gin';
import { Seeder } from './bench/seed';
import { SeededRandom } from './bench/synthetic-data';

const root = path.resolve(__dirname, '..');
const PEER_DIR = path.join(root, 'scripts', 'bench-peer');
const PEER_JAR = path.join(root, '.cache', 'bench-peer', 'target', 'sharehub-bench-peer-0.1.0.jar');
const MAVEN_REPO = path.join(root, '.cache', 'maven', 'repository');
const PEER_START_TIMEOUT_MS = 10 * 60_000;
const LOAD_BATCH = 500;

const cleanups: (() => Promise<void>)[] = [];
const note = (message: string) => process.stderr.write(`bench:peer: ${message}\n`);

function numberOption(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer (got ${raw})`);
  return value;
}

async function main(): Promise<void> {
  const runStarted = performance.now();
  const docs = numberOption('docs', 10_000);
  const requests = numberOption('requests', 100);
  const concurrency = numberOption('concurrency', 4);
  const links = numberOption('links', 1000);
  // A peer already running (`--peer-port`) and a FerretDB on PostgreSQL already running
  // (MONGODB_URI) can be reused; otherwise both are started here on one embedded PostgreSQL.
  const runningPeerPort = process.argv.includes('--peer-port') ? numberOption('peer-port', 1) : undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-peer-'));
  // Run as root, PostgreSQL drops to its own user, which must be able to traverse this folder.
  fs.chmodSync(work, 0o711);
  cleanups.push(async () => fs.rmSync(work, { recursive: true, force: true }));
  let mongoUri = process.env.MONGODB_URI;
  let peerPort = runningPeerPort ?? 0;
  let peerReady: Promise<void> = Promise.resolve();
  let postgresUrl = process.env.BENCH_POSTGRES_URL;
  if (!mongoUri || !runningPeerPort) {
    if (!runningPeerPort) buildPeer();
    note('starting the embedded PostgreSQL + FerretDB');
    const embedded = await startEmbeddedDatabase({ dataDir: path.join(work, 'database'), durable: false, log: note });
    cleanups.push(() => embedded.stop());
    mongoUri = embedded.mongoUri;
    postgresUrl = embedded.postgresUrl;
    if (!runningPeerPort) {
      const peerDatabase = 'hapi_peer';
      const pg = new Client({ connectionString: embedded.postgresUrl });
      await pg.connect();
      await pg.query(`CREATE DATABASE ${peerDatabase}`);
      await pg.end();
      const pgUrl = new URL(embedded.postgresUrl);
      peerPort = await freePort();
      note(`starting HAPI FHIR JPA server on port ${peerPort} (log in ${work}/peer.log)`);
      const log = fs.openSync(path.join(work, 'peer.log'), 'a');
      const peer = spawn('java', ['-Xmx2g', '-jar', PEER_JAR, `--server.port=${peerPort}`], {
        env: {
          ...process.env,
          PEER_JDBC_URL: `jdbc:postgresql://${pgUrl.host}/${peerDatabase}`,
          PEER_JDBC_USER: decodeURIComponent(pgUrl.username) || 'postgres',
        },
        stdio: ['ignore', log, log],
      });
      cleanups.push(() => stopChild(peer));
      peerReady = waitForMetadata(peerPort, peer);
    }
  }

  // The hub's data, seeded meanwhile (the peer takes a minute or more to start).
  const databaseName = `bench_peer_${Date.now()}`;
  const seedingClient = new MongoClient(mongoUri);
  await seedingClient.connect();
  cleanups.push(() => seedingClient.close());
  const hubServer = http.createServer();
  const hubPort = await listenOn(hubServer);
  cleanups.push(() => new Promise((resolve) => hubServer.close(() => resolve())));
  const baseUrl = `http://127.0.0.1:${hubPort}/fhir`;
  const seeder = new Seeder(seedingClient.db(databaseName), { links, docsPerPatient: 50 }, 42, baseUrl);
  const seeded = await seeder.growTo(docs);
  note(`hub seeded in ${seeded.seconds.toFixed(0)} s`);
  // The GIN indexes the hub's pushed-down equalities need on FerretDB-PostgreSQL, as in the bench.
  if (postgresUrl) note(`GIN indexes on ${(await createGinIndexes(postgresUrl, databaseName)).length} paths`);

  const dataDir = path.join(work, 'hub');
  const config = { ...loadConfig({ DATA_DIR: dataDir, PORT: String(hubPort), LOG_LEVEL: 'warn' }), mongodbUri: mongoUri, databaseName, baseUrl };
  // Patient driver settings, as in the bench: slow answers on a loaded machine are measured, not failed.
  const hubClientDb = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 60_000, socketTimeoutMS: 0, waitQueueTimeoutMS: 0 });
  await hubClientDb.connect();
  const database = { client: hubClientDb, db: hubClientDb.db(databaseName), close: () => hubClientDb.close() };
  cleanups.push(() => database.close());
  const hub = await createHub(config, database, { log: createLogger('warn') });
  // Before the database closes: the chain head hints written after the answers.
  cleanups.push(() => hub.audit.settled());
  hubServer.on('request', createApp(hub));
  const token = mintDevToken(fs.readFileSync(devKeyPaths(dataDir).privateKeyFile, 'utf8'), BENCH_GP_CLAIMS, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    expiresInSeconds: 24 * 3600,
  });
  const hubClient = new HubClient(hubPort, token, concurrency);
  const peerClient = new HubClient(peerPort, 'none', concurrency);
  cleanups.push(async () => {
    hubClient.close();
    peerClient.close();
  });

  await peerReady;
  const peerUpSeconds = (performance.now() - runStarted) / 1000;
  note('peer is up; loading the same Patients and DocumentReferences (transaction bundles of PUTs)');
  const loadStarted = performance.now();
  const db = seedingClient.db(databaseName);
  for (const type of ['Patient', 'DocumentReference']) {
    let batch: Resource[] = [];
    for await (const doc of db.collection<{ r: Resource }>(type).find({}, { projection: { r: 1 } })) {
      batch.push(doc.r);
      if (batch.length === LOAD_BATCH) {
        await loadIntoPeer(peerClient, batch);
        batch = [];
      }
    }
    if (batch.length) await loadIntoPeer(peerClient, batch);
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  note(`peer loaded in ${loadSeconds.toFixed(0)} s`);

  const warmup = Math.max(2 * concurrency, Math.ceil(requests / 10));
  const random = new SeededRandom(43);
  const patients = Array.from({ length: warmup + requests }, () => random.pick(seeded.linkedPatientIds));
  const ids = Array.from({ length: warmup + requests }, () => random.pick(seeded.linkedDocumentIds));
  note(await sameAnswers(hubClient, peerClient, patients.slice(0, 5)));
  const run = (label: string, op: (i: number) => Promise<unknown>): Promise<Measurement> =>
    measure({ label, requests, warmup, concurrency, op: async (i) => void (await op(i)) });
  const rows: [string, Measurement, Measurement][] = [
    [
      'search DocumentReference?patient&status, _count=50',
      await run('hub (GP, policy + audit)', (i) => hubClient.expect(200, 'GET', hubSearchPath(patients[i]))),
      await run('HAPI (no policy)', (i) => peerClient.expect(200, 'GET', peerSearchPath(patients[i]))),
    ],
    [
      'read DocumentReference by id',
      await run('hub (GP, policy + audit)', (i) => hubClient.expect(200, 'GET', `/fhir/DocumentReference/${ids[i]}`)),
      await run('HAPI (no policy)', (i) => peerClient.expect(200, 'GET', `/fhir/DocumentReference/${ids[i]}`)),
    ],
  ];
  const f = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  const lines = [
    '',
    `sharehub vs HAPI FHIR JPA 8.8.0, same embedded PostgreSQL, ${docs} DocumentReferences, ${seeded.patientIds.length} Patients; ${requests} requests, concurrency ${concurrency}`,
    'measurement                                          hub p50  HAPI p50  hub/HAPI p50  hub req/s  HAPI req/s  hub/HAPI req/s',
    ...rows.map(
      ([title, h, p]) =>
        `${title.padEnd(52)} ${f(h.p50).padStart(7)}  ${f(p.p50).padStart(8)}  ${(h.p50 / p.p50).toFixed(2).padStart(11)}x  ${f(h.throughput).padStart(9)}  ${f(p.throughput).padStart(10)}  ${(h.throughput / p.throughput).toFixed(2).padStart(13)}x`
    ),
    'hub/HAPI p50 below 1 and req/s above 1: the hub (policy and audit included) is faster.',
    `hub seeded in ${seeded.seconds.toFixed(0)} s (bulk, stored form); HAPI up ${peerUpSeconds.toFixed(0)} s after the start (build included if it ran), loaded in ${loadSeconds.toFixed(0)} s (transaction bundles of ${LOAD_BATCH} PUTs over HTTP)`,
    `the GP is linked with ${seeded.linkedPatientIds.length} patients; HAPI is asked the same search with _sort=_id, the order the hub applies by default`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** Builds the peer's jar once (Maven, dependencies into .cache/maven). */
function buildPeer(): void {
  if (fs.existsSync(PEER_JAR)) return;
  note('building the peer (Maven; the first time downloads HAPI FHIR and Spring Boot, about 330 MB)');
  const started = performance.now();
  const built = spawnSync('mvn', ['-B', '-q', '-f', path.join(PEER_DIR, 'pom.xml'), `-Dmaven.repo.local=${MAVEN_REPO}`, 'package', '-DskipTests'], {
    stdio: 'inherit',
  });
  if (built.status !== 0 || !fs.existsSync(PEER_JAR)) throw new Error('building the peer failed (see Maven output above)');
  note(`peer built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function loadIntoPeer(client: HubClient, resources: Resource[]): Promise<void> {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  };
  await client.expect(200, 'POST', '/fhir', bundle);
}

/**
 * The hub's search path, with the order it applies by default (`_id`) said explicitly: HAPI's
 * default order is its own row number, so a patient with more than a page of documents would get
 * another first page. Same patient, status, page size and order.
 */
function peerSearchPath(patient: string): string {
  return `${hubSearchPath(patient)}&_sort=_id`;
}

/** The comparison is fair only if both answer the same page: same rows, same order, same count. */
async function sameAnswers(hub: HubClient, peer: HubClient, patients: string[]): Promise<string> {
  const counts: number[] = [];
  for (const patient of patients) {
    const page = async (c: HubClient, p: string) => (JSON.parse(await c.expect(200, 'GET', p)) as { entry?: { resource: { id: string } }[] }).entry ?? [];
    const [a, b] = await Promise.all([page(hub, hubSearchPath(patient)), page(peer, peerSearchPath(patient))]);
    const ids = (entries: { resource: { id: string } }[]) => entries.map((e) => e.resource.id).join(',');
    if (ids(a) !== ids(b)) return `WARNING hub and HAPI answer different pages for Patient/${patient}: hub ${a.length} rows, HAPI ${b.length}`;
    counts.push(a.length);
  }
  return `check: hub and HAPI answer the same rows in the same order for ${patients.length} patients (${counts.join(', ')} rows)`;
}

async function waitForMetadata(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + PEER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the peer exited with ${child.exitCode} during start-up`);
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/fhir/metadata', timeout: 5000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error('the peer did not start within 10 minutes');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

function freePort(): Promise<number> {
  const server = http.createServer();
  return listenOn(server).then((port) => new Promise((resolve) => server.close(() => resolve(port))));
}

function listenOn(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

main()
  .catch((err: unknown) => {
    note(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
    process.exit();
  });
