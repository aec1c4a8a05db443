import fs from 'node:fs';
import path from 'node:path';
import { delay, fileSize, findFreeLoopbackPort, killStaleProcess, readLogSince, type TrackedChild } from './child-process';
import { ensureFerretDbBinary, ferretDbLogFile, spawnFerretDb, waitForFerretDb } from './embedded-ferretdb';
import {
  ensurePostgresDatabase,
  initCluster,
  postgresBinDir,
  postgresDataDir,
  spawnPostgres,
  waitForPostgres,
} from './embedded-postgres';
import { startWatchdog } from './watchdog';

/**
 * The embedded default database (SPEC §9): PostgreSQL with FerretDB 1.24 on top, both children of
 * this process and supervised by it: restarted when they die, stopped when it stops, and taken
 * along by a watchdog when it is killed. A start first stops whatever a killed hub left running on
 * the same data folder (by the pid files). The test suite's global setup uses it too.
 */

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  /** FerretDB executable; default `.cache/bin/ferretdb`, built on first use. */
  ferretDbBinary?: string;
  /** initdb/postgres directory; default the pinned npm package (or `POSTGRES_BIN_DIR`). */
  postgresBinDir?: string;
  /** false: no fsync (throw-away test clusters). */
  durable?: boolean;
  log?: (message: string) => void;
}

export interface EmbeddedDatabase {
  /** MongoDB connection string of FerretDB. */
  mongoUri: string;
  /** The PostgreSQL database FerretDB stores in (for index provisioning and explain). */
  postgresUrl: string;
  /** Current process ids, for operators and the fault tests. */
  pids(): { postgres: number; ferretdb: number; watchdog: number };
  /** Stops FerretDB then PostgreSQL; safe to call twice. */
  stop(): Promise<void>;
}

const FERRETDB_DATABASE = 'ferretdb';
const START_ATTEMPTS = 3;
const RESTART_BACKOFF_MS = [200, 500, 1000, 2000, 5000];

export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const ferretBinary = ensureFerretDbBinary(options.ferretDbBinary, log);
  const binDir = postgresBinDir(options.postgresBinDir ?? process.env.POSTGRES_BIN_DIR);
  initCluster(dataDir, binDir);
  await cleanUpAfterKilledHub(dataDir, log);

  const watchdog = startWatchdog();
  const postgresLog = path.join(dataDir, 'postgres.log');
  const ferretLog = ferretDbLogFile(dataDir);
  const ferretPidFile = path.join(dataDir, 'ferretdb.pid');
  let stopping = false;

  const launchPostgres = async (port: number): Promise<TrackedChild> => {
    const start = fileSize(postgresLog);
    const child = spawnPostgres({ dataDir, port, binDir, durable: options.durable });
    watchdog.watch(child.pid, 'SIGINT');
    try {
      await waitForPostgres(port, child, postgresLog, start);
    } catch (error) {
      await child.stop();
      throw Object.assign(error as Error, { portTaken: /could not bind|address already in use/i.test(readLogSince(postgresLog, start)) });
    }
    return child;
  };
  const launchFerretDb = async (port: number, postgresUrl: string): Promise<TrackedChild> => {
    const start = fileSize(ferretLog);
    const child = spawnFerretDb(ferretBinary, dataDir, port, postgresUrl);
    watchdog.watch(child.pid, 'SIGTERM');
    fs.writeFileSync(ferretPidFile, `${child.pid}\n`);
    try {
      await waitForFerretDb(`mongodb://127.0.0.1:${port}/`, child, ferretLog, start);
    } catch (error) {
      await child.stop();
      throw Object.assign(error as Error, { portTaken: /address already in use/i.test(readLogSince(ferretLog, start)) });
    }
    return child;
  };

  // A free port is probed then released, so another process may take it first: retried.
  const firstStart = async (launch: (port: number) => Promise<TrackedChild>): Promise<[TrackedChild, number]> => {
    for (let attempt = 1; ; attempt++) {
      const port = await findFreeLoopbackPort();
      try {
        return [await launch(port), port];
      } catch (error) {
        if (!(error as { portTaken?: boolean }).portTaken || attempt >= START_ATTEMPTS) throw error;
      }
    }
  };

  let [postgres, postgresPort] = await firstStart(launchPostgres);
  let ferretdb: TrackedChild;
  let ferretPort: number;
  let postgresUrl: string;
  try {
    postgresUrl = await ensurePostgresDatabase(postgresPort, FERRETDB_DATABASE);
    [ferretdb, ferretPort] = await firstStart((port) => launchFerretDb(port, postgresUrl));
  } catch (error) {
    await postgres.stop();
    watchdog.close();
    throw error;
  }
  log(`PostgreSQL on 127.0.0.1:${postgresPort}, FerretDB on 127.0.0.1:${ferretPort} (data in ${dataDir})`);

  // Restarted on the same port, so the hub's driver and FerretDB's pool reconnect by themselves.
  const supervise = (name: string, current: () => TrackedChild, relaunch: () => Promise<TrackedChild>, replace: (c: TrackedChild) => void): void => {
    void current().exit.then(async () => {
      if (stopping) return;
      log(`${name} died (${current().exitDescription()}); restarting`);
      for (let attempt = 0; !stopping; attempt++) {
        await delay(RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]);
        if (stopping) return;
        try {
          const child = await relaunch();
          if (stopping) {
            await child.stop();
            return;
          }
          replace(child);
          log(`${name} restarted (pid ${child.pid})`);
          supervise(name, current, relaunch, replace);
          return;
        } catch (error) {
          log(`${name} restart failed: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    });
  };
  supervise('PostgreSQL', () => postgres, () => launchPostgres(postgresPort), (c) => (postgres = c));
  supervise('FerretDB', () => ferretdb, () => launchFerretDb(ferretPort, postgresUrl), (c) => (ferretdb = c));

  let stopped: Promise<void> | undefined;
  return {
    mongoUri: `mongodb://127.0.0.1:${ferretPort}/`,
    postgresUrl,
    pids: () => ({ postgres: postgres.pid, ferretdb: ferretdb.pid, watchdog: watchdog.pid }),
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        await ferretdb.stop();
        await postgres.stop();
        fs.rmSync(ferretPidFile, { force: true });
        watchdog.close();
        log('FerretDB and PostgreSQL stopped');
      })();
      return stopped;
    },
  };
}

/** Stops the FerretDB and PostgreSQL a killed hub may have left on this data folder. */
async function cleanUpAfterKilledHub(dataDir: string, log: (message: string) => void): Promise<void> {
  const ferret = await killStaleProcess(path.join(dataDir, 'ferretdb.pid'), `--state-dir=${dataDir}`, 'SIGTERM');
  if (ferret) log(`stopped a FerretDB left running on ${dataDir} (pid ${ferret})`);
  const pgData = postgresDataDir(dataDir);
  const postgres = await killStaleProcess(path.join(pgData, 'postmaster.pid'), pgData, 'SIGINT');
  if (postgres) log(`stopped a PostgreSQL left running on ${pgData} (pid ${postgres})`);
}
