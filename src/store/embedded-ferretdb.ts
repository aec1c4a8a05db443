import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { delay, isExecutable, logTail, spawnLogged, trackChild, type TrackedChild } from './child-process';

/**
 * FerretDB 1.24 on its PostgreSQL backend: the MongoDB wire protocol in front of the embedded
 * PostgreSQL (embedded-database.ts starts and supervises both).
 */

const READY_TIMEOUT_MS = 20_000;

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

export function ensureFerretDbBinary(explicit: string | undefined, log: (message: string) => void): string {
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

/** FerretDB's own PostgreSQL pool size, within the embedded cluster's max_connections. */
const FERRETDB_POOL_MAX_CONNS = 150;

function withFerretDbPool(postgresUrl: string): string {
  const url = new URL(postgresUrl);
  url.searchParams.set('pool_max_conns', String(FERRETDB_POOL_MAX_CONNS));
  return url.toString();
}

export function ferretDbLogFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'ferretdb.log');
}

export function spawnFerretDb(binary: string, dataDir: string, port: number, postgresUrl: string): TrackedChild {
  const dir = path.resolve(dataDir);
  const child = spawnLogged(
    binary,
    [
      '--handler=postgresql',
      // FerretDB 1.24 deadlocks when every connection of its pool (50 by default) is taken by
      // operations that then wait for its collection registry: give it more connections than its
      // clients can use at once (the hubs' driver pools are bounded in database.ts).
      `--postgresql-url=${withFerretDbPool(postgresUrl)}`,
      `--listen-addr=127.0.0.1:${port}`,
      // Without this every instance binds 127.0.0.1:8088 and a second one exits at start-up.
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
      // Otherwise FerretDB writes state.json into the current directory. Also the marker by which
      // a later start recognises this process as ours (child-process.ts killStaleProcess).
      `--state-dir=${dir}`,
    ],
    ferretDbLogFile(dir),
    { cwd: dir }
  );
  return trackChild(child, 'SIGTERM');
}

export async function waitForFerretDb(uri: string, child: TrackedChild, logFile: string, logStart: number): Promise<void> {
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
  throw new Error(`FerretDB did not answer ping within ${READY_TIMEOUT_MS / 1000} s (${reason}); log tail:\n${logTail(logFile, logStart)}`);
}
