/**
 * `npm run bench:scoped-writes -- [--links 1000] [--requests 30] [--seed 42]`: what loading a GP's
 * facts for the one patient a request concerns saves, per request, on a PATCH, a DELETE, a
 * `$release`, a `Patient/$summary`, look-ups by SSIN and an ITI-65 provide-document bundle, as a
 * GP linked with `links` patients. Two hubs on the same data, in the same run: the hub as it is,
 * and the same hub loading the full facts for every request (built here only; no setting of the
 * hub does this). Embedded PostgreSQL + FerretDB in a fresh temp dir (or MONGODB_URI). A
 * benchmark, not a test.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createHub } from '../src/create-hub';
import { createApp } from '../src/http/app';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { createLogger } from '../src/log';
import { accessPolicyFor } from '../src/policy/access-policy';
import { loadFacts } from '../src/policy/facts';
import { ResourceStore } from '../src/store/resource-store';
import { SH, SSIN } from '../src/vocabulary';
import { makeSsin } from '../src/fhir/belgian-identifiers';
import { MHD_LIST_TYPES } from '../src/fhir/mhd-provide-bundle';
import { BENCH_CUSTODIAN_ID, BENCH_GP_CLAIMS, BENCH_GP_ID } from './bench/care-network';
import { HubClient } from './bench/http-client';
import { measure, type Measurement } from './bench/load';
import { seedStore } from './bench/seed';
import { SeededRandom, syntheticDocumentReference } from './bench/synthetic-data';
import { parseCountOptions } from './bench/count-options';
import { runThenCleanUp, prepareTwoHubs, type Cleanups } from './bench/two-hubs';

const DEFAULTS = { links: 1000, requests: 30, seed: 42 };
const WARMUP = 3;

const note = (message: string) => process.stderr.write(`bench:scoped-writes: ${message}\n`);
const cleanups: Cleanups = [];

async function main(): Promise<void> {
  const options = parseCountOptions(process.argv.slice(2), DEFAULTS, 'bench:scoped-writes');
  const { database, servers, ports, config } = await prepareTwoHubs('scoped', note, cleanups);
  note(`seeding ${options.links} patients, each linked with the GP, and a document each`);
  const seeded = await seedStore(database.db, { patients: options.links, docs: options.links, links: options.links }, options.seed, config.baseUrl);
  const log = createLogger('warn', (line) => process.stderr.write(line + '\n'));
  const scopedHub = await createHub(config, database, { log });
  const store = new ResourceStore(database.db);
  // The baseline: the same hub, but every request's facts are the GP's full facts (the request's scope is ignored).
  const fullHub = await createHub({ ...config, port: ports[1], baseUrl: `http://127.0.0.1:${ports[1]}/fhir` }, database, {
    log,
    policyFor: async (principal, now) => accessPolicyFor(principal, await loadFacts(store, principal, now), now),
  });
  // Before the database closes: the chain head hints written after the answers.
  cleanups.push(() => Promise.all([scopedHub, fullHub].map((h) => h.audit.settled())));
  servers[0].on('request', createApp(scopedHub));
  servers[1].on('request', createApp(fullHub));
  const token = mintDevToken(fs.readFileSync(devKeyPaths(config.dataDir).privateKeyFile, 'utf8'), BENCH_GP_CLAIMS, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    expiresInSeconds: 24 * 3600,
  });
  const [scoped, full] = ports.map((port) => new HubClient(port, token, 1));
  cleanups.push(() => [scoped, full].forEach((c) => c.close()));

  const random = new SeededRandom(options.seed);
  const patientOf = () => random.pick(seeded.linkedPatientIds);
  const documentBody = (patient: string, release?: string) => ({
    ...syntheticDocumentReference(random, undefined, patient),
    status: 'current',
    author: [{ reference: `Practitioner/${BENCH_GP_ID}` }],
    custodian: { reference: `Organization/${BENCH_CUSTODIAN_ID}` },
    ...(release ? { extension: [{ url: `${SH}/StructureDefinition/release-rule`, extension: [{ url: 'rule', valueCode: release }] }] } : {}),
  });
  /** Documents the GP authored, created beforehand through the hub: each measured request gets its own. */
  const authored = async (count: number, release?: string): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push((JSON.parse(await scoped.expect(201, 'POST', '/fhir/DocumentReference', documentBody(patientOf(), release))) as { id: string }).id);
    }
    return ids;
  };
  const total = options.requests + WARMUP;
  const run = (label: string, op: (i: number) => Promise<void>) => measure({ label, requests: options.requests, warmup: WARMUP, concurrency: 1, op });
  const rows: [string, Measurement, Measurement][] = [];
  const compare = async (title: string, prepare: () => Promise<string[]>, op: (client: HubClient, id: string) => Promise<unknown>) => {
    note(title);
    const [forFull, forScoped] = [await prepare(), await prepare()];
    const asFull = await run(`${title}, full facts`, async (i) => void (await op(full, forFull[i])));
    const asScoped = await run(`${title}, scoped facts`, async (i) => void (await op(scoped, forScoped[i])));
    rows.push([title, asFull, asScoped]);
  };

  await compare(
    'PATCH DocumentReference',
    () => authored(total),
    (client, id) => client.expect(200, 'PATCH', `/fhir/DocumentReference/${id}`, [{ op: 'add', path: '/description', value: 'reviewed' }])
  );
  await compare(
    'DELETE DocumentReference',
    () => authored(total),
    (client, id) => client.expect(200, 'DELETE', `/fhir/DocumentReference/${id}`)
  );
  await compare(
    '$release',
    () => authored(total, 'on-physician-release'),
    (client, id) => client.expect(200, 'POST', `/fhir/DocumentReference/${id}/$release`, {})
  );
  // Read-only: both hubs summarise the same patients, each with a SUMEHR published beforehand through the hub.
  const summarised = (async () => {
    const patients: string[] = [];
    for (let attempt = 0; patients.length < total; attempt++) {
      if (attempt > 10 * total) throw new Error('no SUMEHR could be published for the $summary measurement');
      const patient = patientOf();
      // A seeded document typed as a SUMEHR has no author, so a publication cannot supersede it: another patient is taken.
      const published = patients.includes(patient) || (await scoped.request('POST', '/fhir/Composition/$publish-sumehr', sumehrBundle(patient))).status === 201;
      if (published) patients.push(patient);
    }
    return patients;
  })();
  await compare(
    'Patient/$summary',
    () => summarised,
    (client, patient) => client.expect(200, 'GET', `/fhir/Patient/${patient}/$summary`)
  );
  // "Find a patient by SSIN" and "consent status" of the professional's page, on patients added through the hub.
  const registered = (async () => {
    const ssins: string[] = [];
    for (let serial = 1; serial <= 5; serial++) {
      const ssin = makeSsin('1971-02-03', serial);
      const patient = { resourceType: 'Patient', identifier: [{ system: SSIN, value: ssin }], name: [{ family: 'Lookup', given: [`N${serial}`] }] };
      await scoped.expect(201, 'POST', '/fhir/Patient', patient);
      ssins.push(ssin);
    }
    return Array.from({ length: total }, (_, i) => ssins[i % ssins.length]);
  })();
  await compare(
    'Patient?identifier (SSIN)',
    () => registered,
    (client, ssin) => client.expect(200, 'GET', `/fhir/Patient?identifier=${encodeURIComponent(`${SSIN}|${ssin}`)}`)
  );
  await compare(
    'Patient/$consent-status',
    () => registered,
    (client, ssin) => client.expect(200, 'GET', `/fhir/Patient/$consent-status?identifier=${encodeURIComponent(`${SSIN}|${ssin}`)}`)
  );
  await compare(
    'ITI-65 provide bundle',
    async () => Array.from({ length: total }, () => patientOf()),
    (client, patient) => client.expect(200, 'POST', '/fhir', provideBundle(patient, documentBody(patient)))
  );

  const f = (ms: number) => ms.toFixed(1).padStart(8);
  const lines = [
    `scoped writes as a GP with ${options.links} links, ${options.requests} requests each (concurrency 1), p50 / p95 ms:`,
    `${'request'.padEnd(26)}${'full p50'.padStart(10)}${'full p95'.padStart(10)}${'scoped p50'.padStart(12)}${'scoped p95'.padStart(12)}   ratio p50`,
    ...rows.map(
      ([title, a, b]) =>
        `${title.padEnd(26)}${f(a.p50).padStart(10)}${f(a.p95).padStart(10)}${f(b.p50).padStart(12)}${f(b.p95).padStart(12)}   ${(b.p50 / a.p50).toFixed(2)}`
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A SUMEHR as the GP publishes it: the Composition and a few section entries. */
function sumehrBundle(patient: string) {
  const subject = { reference: `Patient/${patient}` };
  const entries = [
    { resourceType: 'Condition', subject, code: { text: 'Asthma' } },
    {
      resourceType: 'AllergyIntolerance',
      patient: subject,
      code: { text: 'Penicillin' },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    },
    { resourceType: 'MedicationStatement', status: 'active', subject, medicationCodeableConcept: { text: 'Salbutamol' } },
  ].map((resource) => ({ fullUrl: `urn:uuid:${randomUUID()}`, resource }));
  const composition = {
    resourceType: 'Composition',
    status: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '60591-5' }] },
    subject,
    date: new Date().toISOString(),
    author: [{ reference: `Practitioner/${BENCH_GP_ID}` }],
    title: 'SUMEHR',
    section: [
      { title: 'Problems', code: { coding: [{ system: 'http://loinc.org', code: '11450-4' }] }, entry: entries.map((e) => ({ reference: e.fullUrl })) },
    ],
  };
  return { resourceType: 'Bundle', type: 'document', entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: composition }, ...entries] };
}

/** An ITI-65 bundle as an MHD Document Source sends it: submission set, one document, its content in the safe. */
function provideBundle(patient: string, document: Record<string, unknown>) {
  const [setUrl, docUrl, binUrl] = [0, 1, 2].map(() => `urn:uuid:${randomUUID()}`);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: setUrl,
        resource: {
          resourceType: 'List',
          status: 'current',
          mode: 'working',
          code: { coding: [{ system: MHD_LIST_TYPES, code: 'submissionset' }] },
          subject: { reference: `Patient/${patient}` },
          source: { reference: `Practitioner/${BENCH_GP_ID}` },
          date: new Date().toISOString(),
          entry: [{ item: { reference: docUrl } }],
        },
        request: { method: 'POST', url: 'List' },
      },
      {
        fullUrl: docUrl,
        resource: { ...document, content: [{ attachment: { url: binUrl, contentType: 'text/plain' } }] },
        request: { method: 'POST', url: 'DocumentReference' },
      },
      {
        fullUrl: binUrl,
        resource: { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from('potassium 4.1 mmol/L').toString('base64') },
        request: { method: 'POST', url: 'Binary' },
      },
    ],
  };
}

runThenCleanUp(main, cleanups, note);
