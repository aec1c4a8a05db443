import { MongoClient, type Db } from 'mongodb';

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * How long the hub waits for an unreachable database before answering 503 (SPEC §9: about a
 * second). Socket timeout: a query that runs longer than this on a live database is cut too, so it
 * is wider (and settable for bulk jobs such as the benchmark's seeding).
 */
const SELECTION_TIMEOUT_MS = 1000;
const DEFAULT_SOCKET_TIMEOUT_MS = 10_000;

/** Connects with the official driver; the same code runs on MongoDB 6+ and FerretDB 1.24. */
export async function connectDatabase(uri: string, name: string, options: { socketTimeoutMS?: number } = {}): Promise<Database> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: SELECTION_TIMEOUT_MS,
    connectTimeoutMS: SELECTION_TIMEOUT_MS,
    socketTimeoutMS: options.socketTimeoutMS ?? (Number(process.env.DATABASE_SOCKET_TIMEOUT_MS) || DEFAULT_SOCKET_TIMEOUT_MS),
    // The monitor notices a database that came back within half a second: the driver reconnects.
    heartbeatFrequencyMS: 1000,
    minHeartbeatFrequencyMS: 500,
    waitQueueTimeoutMS: 5000,
    // Bounded so that a few hubs on one embedded FerretDB stay below its PostgreSQL pool
    // (embedded-ferretdb.ts): FerretDB 1.24 deadlocks when that pool runs dry.
    maxPoolSize: 40,
  });
  // A first connect while the database restarts retries until the caller's patience runs out.
  await client.connect();
  const db = client.db(name);
  return { client, db, close: () => client.close() };
}

export async function pingDatabase(db: Db): Promise<boolean> {
  try {
    await db.command({ ping: 1 }, { timeoutMS: SELECTION_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}
