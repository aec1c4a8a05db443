/**
 * `npm run bench:audit -- [--requests 200] [--rounds 3] [--patients 20] [--docs 200] [--pairs 100]`:
 * the audit trail under a burst (SPEC §7): events/s and the audit-on/off ratio; then what it adds to
 * one request (pairs of the same search with audit on and off, scripts/bench/audit-latency.ts), on
 * chains the hub knows and on chains new to it (one per patient: `--patients` bounds the pairs), on an
 * embedded PostgreSQL + FerretDB in a fresh temp dir (or MONGODB_URI). Progress on stderr, the
 * summary on stdout. A benchmark, not a test; the main bench may call `measureAuditBurst`
 * (scripts/bench/audit-burst.ts) itself.
 */
import fs from 'node:fs';
import { verifyAuditTrail } from '../src/audit/verify-trail';
import { createHub } from '../src/create-hub';
import { createApp } from '../src/http/app';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { createLogger } from '../src/log';
import { AuditStore } from '../src/store/audit-store';
import { auditBurstSummary, measureAuditBurst } from './bench/audit-burst';
import { auditLatencySummary, measureAuditLatency } from './bench/audit-latency';
import { BENCH_GP_CLAIMS } from './bench/care-network';
import { HubClient } from './bench/http-client';
import { hubSearchPath } from './bench/preflight';
import { seedStore } from './bench/seed';
import { parseCountOptions } from './bench/count-options';
import { runThenCleanUp, prepareTwoHubs, type Cleanups } from './bench/two-hubs';

const DEFAULTS = { requests: 200, rounds: 3, patients: 20, docs: 200, pairs: 100, seed: 42 };

const note = (message: string) => process.stderr.write(`bench:audit: ${message}\n`);
const cleanups: Cleanups = [];

async function main(): Promise<void> {
  const options = parseCountOptions(process.argv.slice(2), DEFAULTS, 'bench:audit');
  const { database, servers, ports, config } = await prepareTwoHubs('audit', note, cleanups);
  note(`seeding ${options.patients} patients and ${options.docs} documents`);
  const seeded = await seedStore(database.db, { patients: options.patients, docs: options.docs, links: options.patients }, options.seed, config.baseUrl);
  let auditWrites = 0;
  const log = createLogger('warn', (line) => process.stderr.write(line + '\n'));
  const audited = await createHub(config, database, { log, faults: { beforeAuditWrite: () => void auditWrites++ } });
  // Before the database closes: the chain head hints written after the answers.
  cleanups.push(() => audited.audit.settled());
  // The same hub without its trail, as the baseline: built here only, no setting of the hub does this.
  const unaudited = await createHub({ ...config, port: ports[1], baseUrl: `http://127.0.0.1:${ports[1]}/fhir` }, database, {
    log,
    audit: { write: async () => undefined, expect: () => undefined, settled: async () => undefined },
  });
  servers[0].on('request', createApp(audited));
  servers[1].on('request', createApp(unaudited));
  const token = mintDevToken(fs.readFileSync(devKeyPaths(config.dataDir).privateKeyFile, 'utf8'), BENCH_GP_CLAIMS, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    expiresInSeconds: 24 * 3600,
  });
  const clients = ports.map((port) => new HubClient(port, token, options.requests));
  cleanups.push(() => clients.forEach((c) => c.close()));

  note(`${options.rounds} rounds of ${options.requests} concurrent searches on one patient, audited then not`);
  const figures = await measureAuditBurst(
    {
      db: database.db,
      baseUrl: config.baseUrl,
      audited: clients[0],
      unaudited: clients[1],
      patientId: seeded.linkedPatientIds[0],
      auditWrites: () => auditWrites,
      note,
    },
    options.requests,
    options.rounds
  );
  // One request at a time: the burst's patient and two more are known to the hub; the others are new to it.
  const [, ...others] = seeded.linkedPatientIds;
  const known = others.slice(0, 2).map(hubSearchPath);
  const fresh = others.slice(2).map(hubSearchPath);
  note(`${options.pairs} pairs of searches on chains the hub knows, then ${Math.min(options.pairs, fresh.length)} on chains new to it`);
  const latencyKnown = await measureAuditLatency(clients[0], clients[1], known, known, options.pairs);
  const latencyFresh = fresh.length ? await measureAuditLatency(clients[0], clients[1], [], fresh, Math.min(options.pairs, fresh.length)) : undefined;
  note('verifying the trail');
  const report = await verifyAuditTrail(new AuditStore(database.db));
  if (report.broken) throw new Error(`the trail does not verify after the burst: ${JSON.stringify(report.broken)}`);
  const latency = [
    'what the trail adds to one request (a GP search naming a patient, audit on and off back to back):',
    auditLatencySummary('chain known to the hub', latencyKnown),
    ...(latencyFresh ? [auditLatencySummary('chain new to the hub', latencyFresh)] : []),
  ];
  process.stdout.write(`${auditBurstSummary(figures)}\n${latency.join('\n')}\n  trail verified: ${report.chains} chains, ${report.events} events\n`);
}

runThenCleanUp(main, cleanups, note);
