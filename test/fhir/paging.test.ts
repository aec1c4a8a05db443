import type { Bundle, Resource } from '@medplum/fhirtypes';
import { MECHANICS_ONLY, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub(MECHANICS_ONLY);
  for (let i = 0; i < 25; i++) {
    const id = `org-${String(i).padStart(2, '0')}`;
    await t
      .admin()
      .put(`/fhir/Organization/${id}`)
      .send({ resourceType: 'Organization', id, name: `Org ${i % 5}` });
  }
});
afterAll(async () => {
  await t.close();
});

const pathOf = (url: string) => url.replace('http://localhost:8080', '');
const idsOf = (b: Bundle) => (b.entry ?? []).map((e) => (e.resource as Resource).id as string);
const link = (b: Bundle, relation: string) => b.link?.find((l) => l.relation === relation)?.url;

async function walk(first: string, during?: (page: number) => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let url: string | undefined = first;
  for (let page = 0; url && page < 50; page++) {
    const res = await t.admin().get(pathOf(url));
    expect(res.status).toBe(200);
    seen.push(...idsOf(res.body));
    await during?.(page);
    url = link(res.body, 'next');
  }
  return seen;
}

describe('paging', () => {
  it('walks every match once through opaque next links, and back through previous', async () => {
    const seen = await walk('/fhir/Organization?_count=10');
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);

    const first = (await t.admin().get('/fhir/Organization?_count=10')).body as Bundle;
    const second = (await t.admin().get(pathOf(link(first, 'next') as string))).body as Bundle;
    expect(link(second, 'next')).toBeDefined();
    const back = (await t.admin().get(pathOf(link(second, 'previous') as string))).body as Bundle;
    expect(idsOf(back)).toEqual(idsOf(first));
  });

  it('keeps a sorted walk complete and duplicate-free while resources are created and deleted', async () => {
    const before = idsOf((await t.admin().get('/fhir/Organization?_count=1000&_sort=name')).body);
    const seen = await walk('/fhir/Organization?_count=4&_sort=-name', async (page) => {
      // Between pages: add one that sorts before the cursor and delete one not yet seen.
      await t
        .admin()
        .put(`/fhir/Organization/zz-new-${page}`)
        .send({ resourceType: 'Organization', id: `zz-new-${page}`, name: 'Org 9' });
      if (page === 1) await t.admin().delete('/fhir/Organization/org-00');
    });
    expect(new Set(seen).size).toBe(seen.length);
    const survivors = before.filter((id) => id !== 'org-00');
    expect(seen.filter((id) => !id.startsWith('zz-new'))).toEqual(expect.arrayContaining(survivors));
  });

  it('refuses a tampered cursor with 400', async () => {
    const res = await t.admin().get('/fhir/Organization?_count=10&_cursor=not-a-cursor');
    expect(res.status).toBe(400);
  });
});
