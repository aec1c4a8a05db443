import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedFerretDb, type EmbeddedFerretDb } from '../../src/store/embedded-ferretdb';

/** What global-setup hands to global-teardown (both run in jest's parent process). */
export interface TestDatabaseState {
  ferretDb: EmbeddedFerretDb;
  dataDir: string;
}

export const TEST_DATABASE_STATE = '__sharehubTestDatabase';

type GlobalWithState = typeof globalThis & { [TEST_DATABASE_STATE]?: TestDatabaseState };

export function testDatabaseState(): TestDatabaseState | undefined {
  return (globalThis as GlobalWithState)[TEST_DATABASE_STATE];
}

/**
 * Starts one FerretDB for the whole run, unless MONGODB_URI already points at a database.
 * Workers are forked after this runs, so they inherit MONGODB_URI from process.env.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) return;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sharehub-test-'));
  try {
    const ferretDb = await startEmbeddedFerretDb({ dataDir });
    process.env.MONGODB_URI = ferretDb.uri;
    (globalThis as GlobalWithState)[TEST_DATABASE_STATE] = { ferretDb, dataDir };
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
