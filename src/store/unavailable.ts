import { MongoBulkWriteError, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';

/**
 * Telling an unreachable database from every other failure. Kept apart from the connection
 * (database.ts) so that the layers above can classify an error without reaching the store.
 */

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
  // A bulk write cut by a network error wraps it (no write errors of its own, the network message).
  if (err instanceof MongoBulkWriteError && [err.writeErrors].flat().length === 0) {
    return /closed|timed out|ECONNREFUSED|ECONNRESET|network|connect/i.test(err.message);
  }
  if (err instanceof MongoServerError) {
    // FerretDB reports a lost PostgreSQL as an internal error carrying the connection failure.
    return /connect(ion)? refused|failed to connect|connection reset|broken pipe|server closed|the database system is (starting up|shutting down)|terminating connection|no connection/i.test(
      err.message
    );
  }
  return false;
}

/**
 * Whether a write that failed with this error may still have been applied: a connection that broke
 * after the command was sent. A server that was never selected never received it.
 */
export function writeMayHaveLanded(err: unknown): boolean {
  if (err instanceof MongoServerSelectionError || err instanceof DatabaseUnavailableError) return false;
  if (err instanceof Error && err.name === 'MongoWaitQueueTimeoutError') return false;
  return isDatabaseUnavailable(err);
}
