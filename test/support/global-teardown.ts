import fs from 'node:fs/promises';
import { testDatabaseState } from './global-setup';
import { dropNetworkSnapshot } from './network-snapshot';

/** Drops the network snapshot, stops the database that global-setup started (if it started one) and removes its folder. */
export default async function globalTeardown(): Promise<void> {
  await dropNetworkSnapshot().catch(() => undefined);
  const state = testDatabaseState();
  if (!state) return;
  await state.database.stop();
  delete process.env.MONGODB_URI;
  delete process.env.POSTGRES_URL;
  await fs.rm(state.dataDir, { recursive: true, force: true });
}
