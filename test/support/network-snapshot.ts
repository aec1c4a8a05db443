import type { Db } from 'mongodb';
import { loadFixtures } from '../../src/fixtures-loader';
import { dropDatabase, freshDatabaseName } from './database';
import { startTestHub } from './test-hub';

/**
 * The demo network is loaded once per test run, by the hub's own fixture loader, into a snapshot
 * database (global-setup); every network hub then starts on a copy of it, as a hub restarts on a
 * database that holds data, instead of loading the fixtures again (seconds per hub on this machine).
 */
const SNAPSHOT_DATABASE = 'SHAREHUB_TEST_NETWORK_SNAPSHOT';

/** Loads the demo network at `date` into a database of its own and names it for the workers. */
export async function writeNetworkSnapshot(date: Date, attempts = 2): Promise<string> {
  const name = freshDatabaseName('network_snapshot');
  const t = await startTestHub({ clock: () => date }, { databaseName: name });
  let loaded = false;
  try {
    await loadFixtures(t.hub);
    loaded = true;
  } catch (error) {
    // A starved machine can make one load answer 503; a second load, into a fresh database, says
    // whether that was the machine or the fixtures (which then fail the run, loudly, here).
    if (attempts <= 1) throw error;
    console.warn(`sharehub tests: loading the demo network failed (${String(error).slice(0, 200)}); loading it again`);
  } finally {
    await t.close({ keepDatabase: loaded });
  }
  if (!loaded) return writeNetworkSnapshot(date, attempts - 1);
  process.env[SNAPSHOT_DATABASE] = name;
  return name;
}

/** Copies every collection of the snapshot, documents as stored, into an empty database. */
export async function copyNetworkSnapshot(target: Db): Promise<void> {
  const name = process.env[SNAPSHOT_DATABASE];
  if (!name) throw new Error(`${SNAPSHOT_DATABASE} is not set: the jest global setup writes the network snapshot`);
  const source = target.client.db(name);
  for (const { name: collection } of await source.listCollections({}, { nameOnly: true }).toArray()) {
    const documents = await source.collection(collection).find({}).toArray();
    if (documents.length > 0) await target.collection(collection).insertMany(documents, { ordered: true });
  }
}

/** Drops the snapshot (global-teardown), for a run on a database that outlives it. */
export async function dropNetworkSnapshot(): Promise<void> {
  const name = process.env[SNAPSHOT_DATABASE];
  const uri = process.env.MONGODB_URI;
  if (!name || !uri) return;
  await dropDatabase(uri, name);
  delete process.env[SNAPSHOT_DATABASE];
}
