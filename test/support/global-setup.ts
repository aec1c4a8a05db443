import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/store/embedded-database';
import { NETWORK_DATE } from './network';
import { writeNetworkSnapshot } from './network-snapshot';

/** What global-setup hands to global-teardown (both run in jest's parent process). */
export interface TestDatabaseState {
  database: EmbeddedDatabase;
  dataDir: string;
}

export const TEST_DATABASE_STATE = '__sharehubTestDatabase';

type GlobalWithState = typeof globalThis & { [TEST_DATABASE_STATE]?: TestDatabaseState };

export function testDatabaseState(): TestDatabaseState | undefined {
  return (globalThis as GlobalWithState)[TEST_DATABASE_STATE];
}

/**
 * Starts one PostgreSQL + FerretDB for the whole run (each test file uses a database of its own),
 * unless MONGODB_URI already points at a database. Workers are forked after this runs, so they
 * inherit MONGODB_URI and POSTGRES_URL from process.env.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.MONGODB_URI) await startRunDatabase();
  try {
    await writeNetworkSnapshot(NETWORK_DATE);
  } catch (error) {
    // Jest runs no teardown after a failed setup: stop what this run started.
    await testDatabaseState()?.database.stop();
    throw error;
  }
}

async function startRunDatabase(): Promise<void> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sharehub-test-'));
  try {
    const database = await startEmbeddedDatabase({ dataDir, durable: false });
    process.env.MONGODB_URI = database.mongoUri;
    process.env.POSTGRES_URL = database.postgresUrl;
    (globalThis as GlobalWithState)[TEST_DATABASE_STATE] = { database, dataDir };
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
