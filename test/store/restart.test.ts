import { createHub } from '../../src/create-hub';
import { loadFixtures } from '../../src/fixtures-loader';
import { createLogger } from '../../src/log';
import { isFerretDb } from '../../src/store/indexes';
import { startTestHub, type TestHub } from '../support/test-hub';
import { parseSearchRequest } from '@medplum/core';
import { systemPolicy } from '../../src/policy/access-policy';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  await loadFixtures(t.hub);
});
afterAll(() => t.close());

describe('a hub starts again on its own data', () => {
  it('creates its indexes only where missing: a second start on the same database works and serves the same data', async () => {
    // FerretDB 1.24 dropped the connection when asked to create indexes that already existed.
    const again = await createHub(t.config, t.database, { log: createLogger('silent') });
    expect(await again.ready()).toBe(true);
    const served = await again
      .openRepository(systemPolicy({ sub: 'restart', role: 'hub-admin', scopes: [] }), new Date())
      .searchResources(parseSearchRequest('Organization?_count=1000'));
    expect(served.length).toBe(await t.store.count('Organization', { always: true }));
    const indexes = await t.database.db.collection('Patient').listIndexes().toArray();
    // FerretDB gets only the unique indexes (indexes.ts); its queries use the GIN indexes.
    const expected = (await isFerretDb(t.database.db)) ? ['ssin_unique'] : ['del_id', 'del_ts', 'identifier', 'ssin_unique'];
    expect(indexes.map((i) => i.name)).toEqual(expect.arrayContaining(expected));
    // A third start with an index dropped by hand puts back just that one.
    await t.database.db.collection('Patient').dropIndex('ssin_unique');
    await createHub(t.config, t.database, { log: createLogger('silent') });
    expect((await t.database.db.collection('Patient').listIndexes().toArray()).map((i) => i.name)).toContain('ssin_unique');
  });
});
