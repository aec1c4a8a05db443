import type { PersistedResource } from '../../src/store/persisted-form';
import { SharedReads } from '../../src/store/shared-reads';

function storedDocument(): PersistedResource {
  return { _id: 'doc-1', v: 1, r: { resourceType: 'DocumentReference', id: 'doc-1', status: 'current' } } as unknown as PersistedResource;
}

describe('reads shared within one request', () => {
  test('the database is asked once for one document', async () => {
    const shared = new SharedReads();
    let loads = 0;
    const load = async () => (loads++, storedDocument());
    await Promise.all([shared.read('DocumentReference/doc-1', load), shared.read('DocumentReference/doc-1', load)]);
    expect(loads).toBe(1);
  });

  // regression: the first reader got the kept answer itself, so what it changed reached every later reader; fixed by copying for every reader
  test('what one reader changes in its document no other reader sees, the first one included', async () => {
    const shared = new SharedReads();
    const first = await shared.read('DocumentReference/doc-1', async () => storedDocument());
    (first?.r as { status: string }).status = 'entered-in-error';
    const second = await shared.read('DocumentReference/doc-1', async () => storedDocument());
    expect((second?.r as { status: string }).status).toBe('current');
    (second?.r as { status: string }).status = 'superseded';
    const third = await shared.read('DocumentReference/doc-1', async () => storedDocument());
    expect((third?.r as { status: string }).status).toBe('current');
  });

  test('a failed read is not kept, and forget() drops what was read', async () => {
    const shared = new SharedReads();
    await expect(shared.read('k', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    let loads = 0;
    await shared.read('k', async () => (loads++, storedDocument()));
    shared.forget();
    await shared.read('k', async () => (loads++, storedDocument()));
    expect(loads).toBe(2);
  });
});
