import { ResourceStore } from '../../src/store/resource-store';
import type { StoredResource } from '../../src/store/stored-resource';
import { MongoClient } from 'mongodb';
import { freshDatabaseName, testMongoUri } from '../support/database';

/** A crash in the middle of a batch commit is rolled back at the next start, but never a live commit. */
const doc = (id: string, v: number, name: string): StoredResource =>
  ({ _id: id, v, ts: new Date(), del: false, r: { resourceType: 'Organization', id, name }, s: {}, x: {}, dl: {}, dh: {}, n: {}, o: {}, a: {} }) as StoredResource;

it('rolls back abandoned journals and leaves young ones (another instance may be committing)', async () => {
  const client = await MongoClient.connect(testMongoUri());
  const db = client.db(freshDatabaseName('journal'));
  const store = new ResourceStore(db);
  const orgs = db.collection<StoredResource>('Organization');
  // Applied writes of two interrupted commits: an update of org-a (1 -> 2) and a create of org-b.
  await orgs.insertMany([doc('org-a', 2, 'half-committed'), doc('org-b', 1, 'half-created'), doc('org-c', 2, 'in flight')]);
  const journal = db.collection('TransactionJournal');
  const old = new Date(Date.now() - 10 * 60_000);
  await journal.insertOne({ _id: 'old' as never, state: 'applying', at: old, entries: [
    { type: 'Organization', id: 'org-a', newVersion: 2, previous: doc('org-a', 1, 'original') },
    { type: 'Organization', id: 'org-b', newVersion: 1 },
  ] });
  await journal.insertOne({ _id: 'young' as never, state: 'applying', at: new Date(), entries: [{ type: 'Organization', id: 'org-c', newVersion: 2, previous: doc('org-c', 1, 'before') }] });

  expect(await store.recover()).toBe(1);
  expect((await orgs.findOne({ _id: 'org-a' }))?.r).toMatchObject({ name: 'original' });
  expect(await orgs.findOne({ _id: 'org-b' })).toBeNull();
  expect((await orgs.findOne({ _id: 'org-c' }))?.r).toMatchObject({ name: 'in flight' });
  expect(await journal.countDocuments({})).toBe(1);
  await db.dropDatabase();
  await client.close();
});
