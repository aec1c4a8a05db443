import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';

/** The database of this test run: set by global-setup (embedded PostgreSQL + FerretDB) or by the caller. */
export function testMongoUri(): string {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: run the tests through jest (global-setup starts FerretDB)');
  return uri;
}

/**
 * A database name no other test file uses, so test files can run in parallel on one server.
 * FerretDB maps a database to a PostgreSQL schema: [A-Za-z0-9_-], at most 63 characters.
 */
export function freshDatabaseName(prefix: string): string {
  const safePrefix = prefix.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40) || 'test';
  return `${safePrefix}_${randomBytes(8).toString('hex')}`;
}

export async function dropDatabase(uri: string, name: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}
