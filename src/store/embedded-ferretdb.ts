import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { MongoClient } from 'mongodb';

/**
 * The embedded default database (SPEC §9): FerretDB 1.24 with its SQLite backend, run as a child
 * process that never outlives this one. Also used by the test suite's global setup.
 */

export interface EmbeddedFerretDbOptions {
  /** FerretDB keeps its SQLite files in `dataDir/ferretdb/` and logs to `dataDir/ferretdb.log`. */
  dataDir: string;
  /** Path of the FerretDB executable; default `.cache/bin/ferretdb`, built on first use. */
  binary?: string;
  /** Progress messages (build, start, stop); silent when omitted. */
  log?: (message: string) => void;
}

export interface EmbeddedFerretDb {
  /** MongoDB connection string of the running instance. */
  uri: string;
  port: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const START_ATTEMPTS = 3;

/**
 * The repository root: the nearest folder above this file holding the build script. Walking up
 * (rather than a fixed `../..`) keeps it right both from `src/store/` and from `dist/src/store/`.
 */
export function repositoryRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'scripts', 'ferretdb-build.sh'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '../..');
    dir = parent;
  }
}

export function defaultFerretDbBinary(): string {
  return path.join(repositoryRoot(), '.cache', 'bin', 'ferretdb');
}

export async function startEmbeddedFerretDb(options: EmbeddedFerretDbOptions): Promise<EmbeddedFerretDb> {
  const log = options.log ?? (() => undefined);
  const binary = ensureBinary(options.binary, log);
  const dataDir = path.resolve(options.dataDir);
  const sqliteDir = path.join(dataDir, 'ferretdb');
  const logFile = path.join(dataDir, 'ferretdb.log');
  fs.mkdirSync(sqliteDir, { recursive: true });

  // The free port is probed and then released, so another process may take it before FerretDB
  // binds it; that shows up as an early exit with "address already in use" and is retried.
  for (let attempt = 1; ; attempt++) {
    const port = await findFreeLoopbackPort();
    const uri = `mongodb://127.0.0.1:${port}/`;
    const logStart = fileSize(logFile);
    const child = spawnFerretDb(binary, dataDir, sqliteDir, logFile, port);
    const handle = trackChild(child);
    try {
      await waitUntilReady(uri, handle, logFile, logStart);
    } catch (error) {
      await handle.stop();
      const portTaken = /address already in use/i.test(readLogSince(logFile, logStart));
      if (portTaken && attempt < START_ATTEMPTS) continue;
      throw error;
    }
    log(`FerretDB listening on 127.0.0.1:${port} (data in ${sqliteDir}, log in ${logFile})`);
    return {
      uri,
      port,
      stop: async () => {
        await handle.stop();
        log(`FerretDB on port ${port} stopped`);
      },
    };
  }
}

function ensureBinary(explicit: string | undefined, log: (message: string) => void): string {
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`FerretDB binary not found or not executable: ${explicit}`);
    return explicit;
  }
  const binary = defaultFerretDbBinary();
  if (isExecutable(binary)) return binary;
  const root = repositoryRoot();
  log(`FerretDB not found at ${binary}; running scripts/ferretdb-build.sh`);
  // Both streams go to our stderr: the build can take minutes and must not pollute stdout.
  const result = spawnSync('bash', [path.join(root, 'scripts', 'ferretdb-build.sh')], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (result.error) throw new Error(`could not run scripts/ferretdb-build.sh: ${result.error.message}`);
  if (result.status !== 0 || !isExecutable(binary)) {
    throw new Error(`scripts/ferretdb-build.sh failed (exit ${result.status ?? result.signal}); see its output above`);
  }
  return binary;
}

function spawnFerretDb(binary: string, dataDir: string, sqliteDir: string, logFile: string, port: number): ChildProcess {
  const logFd = fs.openSync(logFile, 'a');
  try {
    return spawn(
      binary,
      [
        '--handler=sqlite',
        // The trailing slash matters: FerretDB treats the URI path as a directory only with it.
        `--sqlite-url=file:${sqliteDir}/`,
        `--listen-addr=127.0.0.1:${port}`,
        // Without this every instance binds 127.0.0.1:8088 and a second one exits at start-up.
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
        // Otherwise FerretDB writes state.json into the current directory.
        `--state-dir=${dataDir}`,
      ],
      { cwd: dataDir, stdio: ['ignore', logFd, logFd] },
    );
  } finally {
    fs.closeSync(logFd); // the child has its own copy
  }
}

async function waitUntilReady(uri: string, child: TrackedChild, logFile: string, logStart: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exited()) {
      throw new Error(`FerretDB exited during start-up (${child.exitDescription()}); log tail:\n${logTail(logFile, logStart)}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.close().catch(() => undefined);
    }
    await delay(100);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `FerretDB did not answer ping within ${READY_TIMEOUT_MS / 1000} s (${reason}); log tail:\n${logTail(logFile, logStart)}`,
  );
}

function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free loopback port'))));
    });
  });
}

// ---- keeping children from outliving this process ----

interface TrackedChild {
  exited(): boolean;
  exitDescription(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function trackChild(child: ChildProcess): TrackedChild {
  let exitInfo: string | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    const done = (info: string): void => {
      if (exitInfo !== undefined) return;
      exitInfo = info;
      running.delete(child);
      if (running.size === 0) uninstallProcessHooks();
      resolve();
    };
    child.once('exit', (code, signal) => done(signal ? `signal ${signal}` : `exit code ${code}`));
    // A failed spawn (e.g. ENOENT) emits 'error' and maybe never 'exit'.
    child.once('error', (error) => done(`spawn error: ${error.message}`));
  });
  running.add(child);
  installProcessHooks();

  let stopping: Promise<void> | undefined;
  return {
    exited: () => exitInfo !== undefined,
    exitDescription: () => exitInfo ?? 'running',
    stop: () => {
      stopping ??= (async () => {
        if (exitInfo !== undefined) return;
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
        });
        const forced = await Promise.race([exitedPromise.then(() => false), timedOut]);
        clearTimeout(timer);
        if (forced) {
          child.kill('SIGKILL');
          await exitedPromise;
        }
      })();
      return stopping;
    },
  };
}

function killAllRunning(): void {
  for (const child of running) {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
}

function onParentSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) {
    // The application handles this signal itself (graceful shutdown) and will call stop();
    // the 'exit' hook remains the backstop.
    return;
  }
  killAllRunning();
  uninstallProcessHooks();
  // Nobody else handles it: restore the default action and re-raise, so the parent still dies of it.
  process.kill(process.pid, signal);
}

let hooksInstalled = false;

function installProcessHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllRunning);
  for (const signal of SIGNALS) process.on(signal, onParentSignal);
}

function uninstallProcessHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.removeListener('exit', killAllRunning);
  for (const signal of SIGNALS) process.removeListener(signal, onParentSignal);
}

// ---- small helpers ----

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function readLogSince(file: string, start: number): string {
  try {
    const text = fs.readFileSync(file);
    return text.subarray(Math.min(start, text.length)).toString('utf8');
  } catch {
    return '';
  }
}

function logTail(file: string, start: number, lines = 30): string {
  const text = readLogSince(file, start).trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : `(${file} is empty)`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
