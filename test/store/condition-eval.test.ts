import fc from 'fast-check';
import { MongoClient, type Collection } from 'mongodb';
import type { Condition } from '../../src/store/condition';
import { matchesCondition } from '../../src/store/condition-eval';
import { toMongoFilter } from '../../src/store/mongo-filter';
import { toPersisted, type PersistedResource } from '../../src/store/persisted-form';
import type { StoredResource } from '../../src/store/stored-resource';
import { freshDatabaseName, testMongoUri } from '../support/database';

/**
 * The in-memory evaluator (reads by id, on the in-memory form) must match exactly what the database
 * matches (searches, on the persisted form with its top-level `s:` and `a:` fields).
 */
const D1 = new Date('2026-01-01T00:00:00Z');
const D2 = new Date('2026-06-01T00:00:00Z');
const docs = [
  { _id: 'a', a: { patient: 'Patient/1', authors: ['Practitioner/x', 'Practitioner/y'], label: 'N', current: true, from: D1 }, s: { name: ['dubois'] } },
  { _id: 'b', a: { patient: 'Patient/2', authors: [], label: 'R', current: false, from: D2 }, s: { name: ['dupont', 'jean'] } },
  { _id: 'c', a: { patient: null, label: 'V' }, s: {} },
  { _id: 'd', a: {}, s: { name: ['peeters'] } },
] as unknown as StoredResource[];

const field = fc.constantFrom('access.patient', 'access.authors', 'access.label', 'access.current', 'access.from', 'keys.name', 'id', 'access.nothing');
const scalar = fc.constantFrom<(string | boolean | Date | null)[]>(
  'Patient/1',
  'Patient/2',
  'Practitioner/x',
  'N',
  'R',
  true,
  false,
  D1,
  D2,
  null,
  'dub',
  'a',
  'c'
);
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ field, in: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ field, notIn: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ field, exists: fc.boolean() }),
  fc.record({ field, prefix: fc.constantFrom('du', 'Patient/', 'pee') }),
  fc.record({ field, gte: fc.constantFrom<(string | Date)[]>(D1, D2, 'Patient/2') }),
  fc.record({ field, lt: fc.constantFrom<(string | Date)[]>(D2, 'Patient/2') })
) as fc.Arbitrary<Condition>;
const condition = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.record({ and: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) })
  ) as fc.Arbitrary<Condition>,
})).c;

let client: MongoClient;
let collection: Collection<PersistedResource>;
beforeAll(async () => {
  client = await MongoClient.connect(testMongoUri());
  collection = client.db(freshDatabaseName('eval')).collection<PersistedResource>('Docs');
  await collection.insertMany(docs.map(toPersisted));
});
afterAll(async () => {
  await collection.db.dropDatabase();
  await client.close();
});

it('agrees with the database on random conditions', async () => {
  await fc.assert(
    fc.asyncProperty(condition, async (c) => {
      const byDatabase = (await collection.find(toMongoFilter(c) as never).toArray()).map((d) => d._id).sort();
      const inMemory = docs
        .filter((d) => matchesCondition(c, d))
        .map((d) => d._id)
        .sort();
      expect({ condition: JSON.stringify(c), ids: inMemory }).toEqual({ condition: JSON.stringify(c), ids: byDatabase });
    }),
    { numRuns: 150 }
  );
}, 120_000);
