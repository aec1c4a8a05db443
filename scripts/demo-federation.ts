/**
 * `npm run demo:federation [-- --exit]`: a metahub and two hubs (A: the Brussels demo network, B: the
 * Liège data of the same patient), three processes on loopback, each with its own database on one
 * embedded PostgreSQL + FerretDB. Prints tokens, curl lines and a timing of a federated search against a local
 * one; keeps running until Ctrl-C (or stops at once with --exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_AUDIENCE, DEV_ISSUER } from '../src/config';
import { ensureDevSigningKey, publicJwk } from '../src/federation/signing-key';
import { FIXTURES_DIR } from '../src/fixtures-loader';
import { ensureDevKeyPair } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { startEmbeddedDatabase } from '../src/store/embedded-database';
import { SSIN } from '../src/vocabulary';

const root = path.resolve(__dirname, '..');
const demoDir = path.resolve(process.env.DATA_DIR ?? path.join(root, '.data'), 'federation-demo');
const portBase = Number(process.env.DEMO_PORT_BASE ?? 8190);
const MARIE = '84031212638';
const personas = (
  JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'personas.json'), 'utf8')) as { personas: Record<string, { claims: Record<string, unknown> }> }
).personas;

interface Node {
  id: string;
  mode: 'hub' | 'metahub';
  port: number;
  dataDir: string;
  fixtures?: string[];
  baseUrl: string;
  process?: ChildProcess;
}

async function main(): Promise<void> {
  const exitAfter = process.argv.includes('--exit');
  fs.rmSync(demoDir, { recursive: true, force: true });
  fs.mkdirSync(demoDir, { recursive: true });
  const started = Date.now();
  const ferret = await startEmbeddedDatabase({ dataDir: path.join(demoDir, 'database') });
  const plan: Omit<Node, 'dataDir' | 'baseUrl'>[] = [
    { id: 'metahub', mode: 'metahub', port: portBase },
    { id: 'hub-brussels', mode: 'hub', port: portBase + 1, fixtures: ['network.json', 'documents.json'].map((f) => path.join(FIXTURES_DIR, f)) },
    {
      id: 'hub-liege',
      mode: 'hub',
      port: portBase + 2,
      fixtures: ['hub-b-network.json', 'hub-b-documents.json'].map((f) => path.join(FIXTURES_DIR, 'federation', f)),
    },
  ];
  const nodes: Node[] = plan.map((n) => ({ ...n, dataDir: path.join(demoDir, n.id), baseUrl: `http://127.0.0.1:${n.port}/fhir` }));
  const peersFile = path.join(demoDir, 'peers.json');
  const jwksFile = path.join(demoDir, 'peer-jwks.json');
  fs.writeFileSync(
    peersFile,
    JSON.stringify(
      nodes.map((n) => ({ hub_id: n.id, base_url: n.baseUrl })),
      null,
      2
    )
  );
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: nodes.map((n) => publicJwk(ensureDevSigningKey(n.dataDir), n.id)) }, null, 2));

  const stop = async (): Promise<void> => {
    for (const n of nodes) n.process?.kill('SIGTERM');
    await Promise.all(
      nodes.map((n) => new Promise<void>((resolve) => (!n.process || n.process.exitCode !== null ? resolve() : n.process.once('exit', () => resolve()))))
    );
    await ferret.stop();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(0)));

  try {
    const [metahub, brussels, liege] = nodes;
    start(metahub, ferret.mongoUri, peersFile, jwksFile);
    await ready(metahub);
    // The hubs publish their professionals, consents and links to the metahub while they load.
    start(brussels, ferret.mongoUri, peersFile, jwksFile, metahub.baseUrl);
    start(liege, ferret.mongoUri, peersFile, jwksFile, metahub.baseUrl);
    await Promise.all([ready(brussels), ready(liege)]);

    const token = (node: Node, claims: Record<string, unknown>) =>
      mintDevToken(ensureDevKeyPair(node.dataDir).privateKeyPem, claims, { issuer: DEV_ISSUER, audience: DEFAULT_AUDIENCE });
    const anna = token(brussels, personas['gp-anna-peeters'].claims);
    const thomas = token(brussels, personas['gp-thomas-lambert'].claims);
    const marieOnLiege = token(liege, { sub: 'marie-on-liege', role: 'patient', ssin: MARIE, scope: 'patient/*.rs patient/Consent.cu' });
    const query = `DocumentReference?patient.identifier=${encodeURIComponent(`${SSIN}|${MARIE}`)}&status=current`;

    const federated = (await getJson(`${brussels.baseUrl}/${query}&_federated=true`, anna)) as { entry?: { fullUrl?: string; search?: { mode?: string } }[] };
    const local = await timed(() => getJson(`${brussels.baseUrl}/${query}`, anna));
    const merged = await timed(() => getJson(`${brussels.baseUrl}/${query}&_federated=true`, anna));
    const out = process.stdout;
    out.write(`\nsharehub federation demo: up in ${((Date.now() - started) / 1000).toFixed(1)} s (data in ${demoDir})\n`);
    for (const n of nodes) out.write(`  ${n.mode.padEnd(7)} ${n.id.padEnd(13)} ${n.baseUrl}\n`);
    out.write(`\nAnna Peeters (GP on hub-brussels, linked to Marie Dubois there) asks her own hub, federated:\n`);
    for (const e of federated.entry ?? []) out.write(`  ${e.search?.mode === 'outcome' ? 'outcome' : 'match  '} ${e.fullUrl}\n`);
    out.write(
      `\nTimings on this machine (${local.runs} runs each, median): local search ${local.median.toFixed(1)} ms, federated ${merged.median.toFixed(1)} ms\n`
    );
    out.write(
      [
        '',
        'Try it:',
        `  ANNA=${anna}`,
        `  THOMAS=${thomas}`,
        `  MARIE_LIEGE=${marieOnLiege}`,
        `  curl -s "${brussels.baseUrl}/${query}&_federated=true" -H "Authorization: Bearer $ANNA"`,
        `  curl -s "${brussels.baseUrl}/${query}" -H "Authorization: Bearer $ANNA" -H "Prefer: federated"`,
        `  curl -s "${brussels.baseUrl}/DocumentReference/doc-liege-discharge-letter/\\$content?peer=hub-liege" -H "Authorization: Bearer $ANNA"`,
        `  curl -s "${brussels.baseUrl}/${query}&_federated=true" -H "Authorization: Bearer $THOMAS"      # no link: nothing from either hub`,
        `  curl -s "${liege.baseUrl}/AuditEvent?patient=marie-dubois-liege" -H "Authorization: Bearer $MARIE_LIEGE"   # Marie's trail on Liège: hub-brussels and Anna named`,
        '',
        exitAfter ? 'Stopping (--exit).' : 'Ctrl-C stops the three processes and the database.',
        '',
      ].join('\n')
    );
    if (exitAfter) await stop();
  } catch (err) {
    process.stderr.write(`demo:federation failed: ${err instanceof Error ? err.message : String(err)}\n`);
    for (const n of nodes) {
      const log = path.join(n.dataDir, 'hub.log');
      if (fs.existsSync(log)) process.stderr.write(`--- ${n.id} (last lines of ${log})\n${fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}\n`);
    }
    await stop();
    process.exit(1);
  }
}

function start(node: Node, mongodbUri: string, peersFile: string, jwksFile: string, metahubUrl?: string): void {
  fs.mkdirSync(node.dataDir, { recursive: true });
  const log = fs.openSync(path.join(node.dataDir, 'hub.log'), 'a');
  node.process = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      MONGODB_URI: mongodbUri,
      MONGODB_DATABASE: node.id.replace(/[^A-Za-z0-9_]/g, '_'),
      DATA_DIR: node.dataDir,
      PORT: String(node.port),
      FHIR_BASE_URL: node.baseUrl,
      LOG_LEVEL: 'warn',
      HUB_MODE: node.mode,
      HUB_ID: node.id,
      PEERS_FILE: peersFile,
      PEER_JWKS_FILE: jwksFile,
      ...(metahubUrl ? { METAHUB_URL: metahubUrl } : {}),
      ...(node.fixtures ? { DEMO_FIXTURES: node.fixtures.join(',') } : {}),
    },
  });
}

async function ready(node: Node): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (node.process?.exitCode !== null) throw new Error(`${node.id} exited with ${node.process?.exitCode}`);
    try {
      if ((await fetch(`${node.baseUrl.replace(/\/fhir$/, '')}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${node.id} did not start within 120 s`);
}

async function getJson(url: string, token: string): Promise<unknown> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function timed(run: () => Promise<unknown>, runs = 15): Promise<{ runs: number; median: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { runs, median: times[Math.floor(runs / 2)] };
}

void main();
