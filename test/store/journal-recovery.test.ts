import { MongoClient, MongoNetworkError, type Db } from 'mongodb';
import { toPersisted, type PersistedResource } from '../../src/store/persisted-form';
import { ResourceStore, type StoreFaults } from '../../src/store/resource-store';
import type { PlannedWrite, StoredResource } from '../../src/store/stored-resource';
import { MECHANICS_ONLY, startTestHub, transactionOf } from '../support/test-hub';
import { freshDatabaseName, testMongoUri } from '../support/database';

/**
 * Crash recovery of bundle commits decides by the commit record, never by age (SPEC §9): a commit
 * that reached its record is completed, one that did not is dropped, and nothing that was ever
 * visible is deleted. A fault hook that never settles stands for a hub killed at that point.
 */
const doc = (id: string, v: number, name: string): StoredResource =>
  ({
    _id: id,
    v,
    ts: new Date(),
    del: false,
    r: { resourceType: 'Organization', id, name, meta: { versionId: String(v) } },
    s: {},
    x: {},
    dl: {},
    dh: {},
    n: {},
    o: {},
    a: {},
  }) as StoredResource;
const creates = (...ids: string[]): PlannedWrite[] => ids.map((id) => ({ type: 'Organization', doc: doc(id, 1, `created ${id}`), expectedVersion: null }));
const never = (): Promise<void> => new Promise<void>(() => undefined);

let client: MongoClient;
let db: Db;
beforeAll(async () => {
  client = await MongoClient.connect(testMongoUri());
});
beforeEach(() => {
  db = client.db(freshDatabaseName('journal'));
});
afterEach(async () => {
  await db.dropDatabase();
});
afterAll(async () => {
  await client.close();
});

/** Starts a commit that freezes at the hooked point, as if the hub had been killed there. */
function crashingCommit(faults: StoreFaults, writes: PlannedWrite[]): void {
  void new ResourceStore(db, faults).commitBatch(writes).catch(() => undefined);
}
const until = async (condition: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 100 && !(await condition()); i++) await new Promise((r) => setTimeout(r, 50));
};
const names = async () => (await db.collection<PersistedResource>('Organization').find({}).sort({ _id: 1 }).toArray()).map((d) => `${d._id}:${d.v}`);

it('completes a commit that reached its commit record: the crash left one of three documents, the next start writes the other two', async () => {
  crashingCommit({ beforeBatchWrite: (i) => (i === 1 ? never() : undefined) }, creates('org-a', 'org-b', 'org-c'));
  await until(async () => (await names()).length === 1);
  expect(await names()).toEqual(['org-a:1']);

  const recovered = await new ResourceStore(db).recover();

  expect(recovered).toEqual({ aborted: 0, completed: 1 });
  expect(await names()).toEqual(['org-a:1', 'org-b:1', 'org-c:1']);
  expect(await db.collection('History').countDocuments({})).toBe(3);
  expect(await db.collection('TransactionJournal').countDocuments({})).toBe(0);
});

it('shows nothing of a commit before its commit point, and drops it when the hub died there', async () => {
  crashingCommit({ beforeCommitPoint: never }, creates('org-x', 'org-y'));
  await until(async () => (await db.collection('TransactionJournal').countDocuments({})) === 1);
  expect(await names()).toEqual([]);

  expect(await new ResourceStore(db).recover()).toEqual({ aborted: 1, completed: 0 });
  expect(await names()).toEqual([]);
  expect(await db.collection('TransactionJournal').countDocuments({})).toBe(0);
});

it('never undoes a committed write, even one changed since: recovery leaves later versions alone', async () => {
  crashingCommit({ beforeBatchWrite: (i) => (i === 1 ? never() : undefined) }, [
    ...creates('org-kept'),
    { type: 'Organization', doc: doc('org-later', 2, 'from the bundle'), expectedVersion: 1 },
  ]);
  await db.collection<PersistedResource>('Organization').insertOne(toPersisted(doc('org-later', 1, 'before')));
  await until(async () => (await names()).includes('org-kept:1'));
  // A later writer moved org-kept on to version 2 before the restart.
  await db.collection<PersistedResource>('Organization').replaceOne({ _id: 'org-kept' }, toPersisted(doc('org-kept', 2, 'edited later')));

  await new ResourceStore(db).recover();

  expect(await names()).toEqual(['org-kept:2', 'org-later:2']);
  const kept = await db.collection<PersistedResource>('Organization').findOne({ _id: 'org-kept' });
  expect(kept?.r).toMatchObject({ name: 'edited later' });
});

describe('the database goes away after the commit point', () => {
  it('answers 503 saying the bundle is stored, and completes it without a restart when the database is back', async () => {
    let failures = 0;
    const t = await startTestHub({
      ...MECHANICS_ONLY,
      faults: {
        beforeBatchWrite: (index) => {
          if (index === 1 && failures++ === 0) throw new MongoNetworkError('connection reset (simulated)');
        },
      },
    });
    try {
      const res = await t
        .admin()
        .post('/fhir')
        .send(
          transactionOf(
            ['One', 'Two', 'Three'].map((name) => ({
              resource: { resourceType: 'Organization', name: `Pending ${name}` },
              request: { method: 'POST', url: 'Organization' },
            }))
          )
        );
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.body.issue[0].details.text).toMatch(/it is stored and will be complete/);
      const total = async () => (await t.admin().get('/fhir/Organization?name=Pending&_summary=count')).body.total as number;
      const journals = () => t.database.db.collection('TransactionJournal').countDocuments({});
      await until(async () => (await journals()) === 0);
      expect(await total()).toBe(3);
      expect(await journals()).toBe(0);
    } finally {
      await t.close();
    }
  });
});
