/**
 * `npm run soak -- [--minutes N] [--concurrency C]`: the hub as an operator runs it (src/main.ts,
 * its embedded database and the demo network in a fresh temporary DATA_DIR) under a bounded mixed
 * load of the demo personas for N minutes, on loopback only. Every 30 s one line: requests, rps,
 * p50/p95 per kind, answers by status class and the hub's memory. Exits non-zero if any request got
 * a 5xx or no answer, or the hub died. Not part of CI; latencies here are figures, never thresholds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { devKeyPaths } from '../src/identity/keys';
import { mintDevToken } from '../src/identity/mint-token';
import { findFreeLoopbackPort } from '../src/store/child-process';
import { Tally, type KindFigures } from './soak/tally';
import { learn, nextRequest, type SoakRequest, type SoakState } from './soak/workload';

const USAGE = 'usage: npm run soak -- [--minutes N (default 10)] [--concurrency C (default 8)]';
const REPORT_EVERY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
const root = path.resolve(__dirname, '..');

interface Options {
  minutes: number;
  concurrency: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { minutes: 10, concurrency: 8 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = Number(inline ?? argv[++i]);
    if (flag === '--minutes' && value > 0 && value <= 24 * 60) options.minutes = value;
    else if (flag === '--concurrency' && Number.isInteger(value) && value > 0 && value <= 64) options.concurrency = value;
    else {
      process.stderr.write(`soak: bad option ${argv[i - (inline === undefined ? 1 : 0)]}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  return options;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const note = (line: string): void => void process.stderr.write(`soak: ${line}\n`);

/** Resident memory of a process in MiB, from /proc (Linux); undefined once it is gone. */
function rssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

function pidFrom(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface Hub {
  child: ChildProcess;
  port: number;
  dataDir: string;
  died: () => string | undefined;
  stop: () => Promise<void>;
}

async function startHub(dataDir: string): Promise<Hub> {
  const port = await findFreeLoopbackPort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' };
  // Its own embedded database with the demo network, never one configured in the shell.
  for (const name of ['MONGODB_URI', 'POSTGRES_URL', 'JWT_PUBLIC_KEY_FILE', 'JWKS_FILE', 'DEMO_FIXTURES', 'FEDERATION_MODE']) delete env[name];
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('src', 'main.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let death: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      death = `hub exited (code ${code}, signal ${signal}); its last output:\n${tail}`;
      resolve();
    })
  );
  for (let i = 0; ; i++) {
    if (death) throw new Error(death);
    if (i > 1800) throw new Error(`hub not ready after 180 s:\n${tail}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status === 200,
      () => false
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    dataDir,
    died: () => death,
    stop: async () => {
      if (!death) child.kill('SIGTERM');
      await exited;
    },
  };
}

function personaTokens(dataDir: string, minutes: number): Map<string, string> {
  const file = JSON.parse(fs.readFileSync(path.join(root, 'fixtures', 'personas.json'), 'utf8')) as {
    personas: Record<string, { claims: Record<string, unknown> }>;
  };
  const config = loadConfig({ DATA_DIR: dataDir });
  const key = fs.readFileSync(devKeyPaths(dataDir).privateKeyFile, 'utf8');
  const tokens = new Map<string, string>();
  for (const [name, persona] of Object.entries(file.personas)) {
    const claims = { sub: name, ...persona.claims };
    tokens.set(name, mintDevToken(key, claims, { issuer: config.jwtIssuer, audience: config.jwtAudience, expiresInSeconds: Math.ceil(minutes * 60) + 3600 }));
  }
  return tokens;
}

async function send(port: number, token: string, request: SoakRequest): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/fhir+json' };
  let body: string | undefined;
  if (request.body !== undefined) {
    headers['content-type'] = 'application/fhir+json';
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  }
  const res = await fetch(`http://127.0.0.1:${port}${request.path}`, {
    method: request.method,
    headers,
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, body: await res.text() };
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const perKind = (figures: Map<string, KindFigures>) => [...figures].map(([kind, f]) => `${kind} ${ms(f.p50)}/${ms(f.p95)}`).join(', ');

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return say(USAGE);
  const options = parseOptions(process.argv.slice(2));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-soak-'));
  note(`starting the hub with its embedded database and the demo network in ${dataDir}`);
  let hub: Hub | undefined;
  let stopping = false;
  const cleanUp = async () => {
    stopping = true;
    await hub?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  cleanUpOnFailure = cleanUp;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().then(() => process.exit(130)));

  hub = await startHub(dataDir);
  const h = hub;
  const tokens = personaTokens(dataDir, options.minutes);
  const databasePids = { postgres: pidFrom(path.join(dataDir, 'postgres', 'postmaster.pid')), ferretdb: pidFrom(path.join(dataDir, 'ferretdb.pid')) };
  const memory = () => ({ hub: rssMiB(h.child.pid), postgres: rssMiB(databasePids.postgres), ferretdb: rssMiB(databasePids.ferretdb) });
  const firstMemory = memory();
  say(
    `soak: ${options.minutes} min, concurrency ${options.concurrency}, hub pid ${h.child.pid} on 127.0.0.1:${h.port}; ` +
      `RSS at start: hub ${firstMemory.hub} MiB, postgres (postmaster) ${firstMemory.postgres} MiB, ferretdb ${firstMemory.ferretdb} MiB`
  );
  say('every 30 s: elapsed, requests, rps, p50/p95 ms per kind, answers by class, RSS');

  const tally = new Tally();
  const state: SoakState = { created: [], inSafe: [], published: 0 };
  const started = performance.now();
  const deadline = started + options.minutes * 60_000;
  let lastRequests = 0;
  let lastReport = started;
  const rssSeries: number[] = [];

  const worker = async (): Promise<void> => {
    while (!stopping && !h.died() && performance.now() < deadline) {
      const request = nextRequest(state);
      const token = tokens.get(request.persona) as string;
      const t0 = performance.now();
      try {
        const answer = await send(h.port, token, request);
        tally.record(request.kind, performance.now() - t0, answer.status, request.expected, `${request.method} ${request.path}: ${answer.body}`);
        learn(state, request, answer.status, answer.body);
      } catch (err) {
        if (stopping) return;
        tally.record(request.kind, performance.now() - t0, undefined, request.expected, `${request.method} ${request.path}: ${(err as Error).message}`);
      }
    }
  };

  const report = () => {
    const now = performance.now();
    const rss = memory();
    if (rss.hub !== undefined) rssSeries.push(rss.hub);
    const rps = (tally.requests - lastRequests) / ((now - lastReport) / 1000);
    const s = tally.statuses;
    const bad = s['5xx'] + s['no answer'];
    say(
      `[${((now - started) / 1000).toFixed(0).padStart(4)} s] ${tally.requests} req, ${rps.toFixed(1)} rps | ${perKind(tally.takeWindow())} | ` +
        `2xx ${s['2xx']} 4xx ${s['4xx']} 5xx ${s['5xx']} no-answer ${s['no answer']} | RSS hub ${rss.hub ?? '?'} MiB, ferretdb ${rss.ferretdb ?? '?'} MiB` +
        (bad ? `  <<< ${bad} REQUESTS FAILED WITH 5xx / NO ANSWER >>>` : '')
    );
    lastRequests = tally.requests;
    lastReport = now;
  };
  const timer = setInterval(report, REPORT_EVERY_MS);
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  clearInterval(timer);
  if (performance.now() - lastReport > 1000) report();

  const seconds = (performance.now() - started) / 1000;
  const totals = tally.totals();
  const worst = [...totals].reduce<[string, KindFigures] | undefined>((w, entry) => (!w || entry[1].p95 > w[1].p95 ? entry : w), undefined);
  const died = h.died();
  const lastMemory = memory();
  const s = tally.statuses;
  say('--- summary ---');
  say(`duration ${seconds.toFixed(0)} s, ${tally.requests} requests, ${(tally.requests / seconds).toFixed(1)} rps, concurrency ${options.concurrency}`);
  for (const [kind, f] of totals) say(`  ${kind.padEnd(18)} ${String(f.count).padStart(7)} req  p50 ${ms(f.p50)} ms  p95 ${ms(f.p95)} ms`);
  if (worst) say(`worst p95: ${worst[0]} ${ms(worst[1].p95)} ms`);
  say(`answers: 2xx ${s['2xx']}, 4xx ${s['4xx']}, 5xx ${s['5xx']}, other ${s.other}, no answer ${s['no answer']}`);
  say(
    `hub RSS first -> last: ${rssSeries[0] ?? firstMemory.hub} -> ${lastMemory.hub ?? rssSeries.at(-1)} MiB (min ${Math.min(...rssSeries)}, max ${Math.max(...rssSeries)}); ferretdb ${firstMemory.ferretdb} -> ${lastMemory.ferretdb} MiB`
  );
  say(`documents published during the run: ${state.published}`);
  if (tally.surprises.size) say(`unexpected answers (kind status: count): ${[...tally.surprises].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  // The first of each surprise; 5xx and unanswered ones also appear (up to two each) as FAILED.
  for (const [key, detail] of tally.firstSurprise) say(`  first ${key}: ${detail}`);
  for (const failure of tally.failures) say(`  FAILED ${failure}`);
  const failed = s['5xx'] + s['no answer'];
  if (died) say(`!!! THE HUB DIED: ${died}`);
  if (failed) say(`!!! ${failed} REQUESTS GOT A 5xx OR NO ANSWER (must be 0)`);
  if (!died && !failed) say('OK: no 5xx, no unanswered request, the hub stayed up');
  await cleanUp();
  process.exit(died || failed ? 1 : 0);
}

/** Set once the temp dir exists: a failure still stops the hub and its database. */
let cleanUpOnFailure: () => Promise<void> = async () => undefined;

main().catch(async (err: unknown) => {
  note(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await cleanUpOnFailure().catch(() => undefined);
  process.exit(1);
});
