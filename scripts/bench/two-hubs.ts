import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type HubConfig } from '../../src/config';
import { connectDatabase, type Database } from '../../src/store/database';
import { startEmbeddedDatabase } from '../../src/store/embedded-database';

/** Undo steps, run last-in first-out by `cleanUp`. */
export type Cleanups = (() => Promise<unknown> | void)[];

export interface TwoHubGround {
  database: Database;
  /** Two loopback servers on their own ports: the hub measured and the hub it is compared with. */
  servers: [http.Server, http.Server];
  ports: [number, number];
  /** The first hub's config; the second takes the same with its own port and base URL. */
  config: HubConfig;
}

/**
 * What the side-by-side benchmarks (bench:audit, bench:scoped-writes) stand on: a temp dir, an
 * embedded PostgreSQL + FerretDB in it (or MONGODB_URI, with a database dropped at the end), and
 * two listening servers whose ports the hubs' base URLs name. Every step registers its undo.
 */
export async function prepareTwoHubs(label: string, note: (message: string) => void, cleanups: Cleanups): Promise<TwoHubGround> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `sharehub-bench-${label}-`));
  // Run as root, PostgreSQL drops to its own user, which must be able to traverse this folder.
  fs.chmodSync(root, 0o711);
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    note('starting an embedded PostgreSQL + FerretDB in a fresh temp dir');
    const embedded = await startEmbeddedDatabase({ dataDir: path.join(root, 'database') });
    cleanups.push(() => embedded.stop());
    uri = embedded.mongoUri;
  }
  const database = await connectDatabase(uri, `bench_${label}_${randomBytes(6).toString('hex')}`);
  cleanups.push(() => database.close());
  if (process.env.MONGODB_URI) cleanups.push(() => database.db.dropDatabase());

  const servers: [http.Server, http.Server] = [http.createServer(), http.createServer()];
  const ports = (await Promise.all(servers.map(listen))) as [number, number];
  cleanups.push(() => Promise.all(servers.map(closeServer)));
  const config: HubConfig = {
    ...loadConfig({ DATA_DIR: path.join(root, 'hub'), PORT: String(ports[0]), LOG_LEVEL: 'warn' }),
    mongodbUri: uri,
    databaseName: database.db.databaseName,
    baseUrl: `http://127.0.0.1:${ports[0]}/fhir`,
  };
  return { database, servers, ports, config };
}

export async function cleanUp(cleanups: Cleanups): Promise<void> {
  for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => undefined);
}

/** Runs a bench's main, then its clean-ups whatever happened; the exit code says whether it finished. */
export function runThenCleanUp(main: () => Promise<void>, cleanups: Cleanups, note: (message: string) => void): void {
  main()
    .then(() => cleanUp(cleanups))
    .then(() => process.exit(0))
    .catch(async (err: unknown) => {
      note(`failed: ${err instanceof Error ? err.message : String(err)}`);
      await cleanUp(cleanups);
      process.exit(1);
    });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
