import { MongoClient, MongoNetworkError, MongoServerError, MongoServerSelectionError, type Db } from 'mongodb';

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

/** Raised by the store itself when a write could not go through for a transient reason. */
export class DatabaseUnavailableError extends Error {}

/**
 * The one place that tells "the database is unreachable right now" (503 + Retry-After, SPEC §1)
 * from every other failure (500): the driver's network, selection and pool errors, and FerretDB's
 * answer when its PostgreSQL is down.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  // MongoNetworkError covers timeouts and a cleared pool; the driver does not export its wait-queue error.
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) return true;
  if (err instanceof Error && err.name === 'MongoWaitQueueTimeoutError') return true;
  if (err instanceof MongoServerError) {
    // FerretDB reports a lost PostgreSQL as an internal error carrying the connection failure.
    return /connect(ion)? refused|failed to connect|connection reset|broken pipe|server closed|the database system is (starting up|shutting down)|terminating connection|no connection/i.test(
      err.message,
    );
  }
  return false;
}
