import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { MECHANICS_ONLY, startTestHub, type TestHub } from '../support/test-hub';
import { SSIN as SSIN_SYSTEM } from '../../src/vocabulary';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub(MECHANICS_ONLY);
});
afterAll(async () => {
  await t.close();
});

const organization = (name: string) => ({ resourceType: 'Organization', name, active: true });

describe('create, read, vread', () => {
  it('creates with a server id and version 1, and reads it back with ETag', async () => {
    const created = await t
      .admin()
      .post('/fhir/Organization')
      .send({ ...organization('Clinique A'), id: 'client-chosen' });
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe('client-chosen');
    expect(created.body.meta.versionId).toBe('1');
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.headers.location).toBe(`http://localhost:8080/fhir/Organization/${created.body.id}/_history/1`);
    expect(created.headers['content-type']).toMatch(/application\/fhir\+json/);

    const read = await t.admin().get(`/fhir/Organization/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('Clinique A');

    const vread = await t.admin().get(`/fhir/Organization/${created.body.id}/_history/1`);
    expect(vread.status).toBe(200);
    expect(vread.body.meta.versionId).toBe('1');
  });

  it('answers 404 for an unknown id, an unknown version and an unsupported type', async () => {
    expect((await t.admin().get('/fhir/Organization/nope')).status).toBe(404);
    const created = await t.admin().post('/fhir/Organization').send(organization('B'));
    expect((await t.admin().get(`/fhir/Organization/${created.body.id}/_history/7`)).status).toBe(404);
    expect((await t.admin().get(`/fhir/Observation/x`)).status).toBe(404);
  });

  it('refuses a body whose resourceType does not match the URL', async () => {
    const res = await t.admin().post('/fhir/Organization').send({ resourceType: 'Patient' });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('update', () => {
  it('creates a new version and keeps the old one readable', async () => {
    const created = await t.admin().post('/fhir/Organization').send(organization('v1'));
    const id = created.body.id;
    const updated = await t
      .admin()
      .put(`/fhir/Organization/${id}`)
      .send({ ...organization('v2'), id });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect((await t.admin().get(`/fhir/Organization/${id}/_history/1`)).body.name).toBe('v1');
    expect((await t.admin().get(`/fhir/Organization/${id}`)).body.name).toBe('v2');
  });

  it('honours If-Match: the right version succeeds, a stale one is 412 and stores nothing', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('m1'));
    const ok = await t
      .admin()
      .put(`/fhir/Organization/${body.id}`)
      .set('If-Match', 'W/"1"')
      .send({ ...organization('m2'), id: body.id });
    expect(ok.status).toBe(200);
    const stale = await t
      .admin()
      .put(`/fhir/Organization/${body.id}`)
      .set('If-Match', 'W/"1"')
      .send({ ...organization('m3'), id: body.id });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const current = await t.admin().get(`/fhir/Organization/${body.id}`);
    expect(current.body.name).toBe('m2');
    expect(current.body.meta.versionId).toBe('2');
  });

  it('creates on update when the id is new (update as create)', async () => {
    const res = await t
      .admin()
      .put('/fhir/Organization/chosen-id-1')
      .send({ ...organization('chosen'), id: 'chosen-id-1' });
    expect(res.status).toBe(201);
    expect(res.body.meta.versionId).toBe('1');
  });

  it('refuses an id in the body that differs from the URL', async () => {
    const res = await t
      .admin()
      .put('/fhir/Organization/a1')
      .send({ ...organization('x'), id: 'b2' });
    expect(res.status).toBe(400);
  });
});

describe('patch (JSON Patch)', () => {
  it('applies operations as a new version', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('before'));
    const res = await t
      .admin()
      .patch(`/fhir/Organization/${body.id}`)
      .send([
        { op: 'replace', path: '/name', value: 'after' },
        { op: 'add', path: '/alias', value: ['A'] },
      ]);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('after');
    expect(res.body.alias).toEqual(['A']);
    expect(res.body.meta.versionId).toBe('2');
  });

  it('refuses a patch that breaks the resource or changes its id, and stores nothing', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('p'));
    const invalid = await t
      .admin()
      .patch(`/fhir/Organization/${body.id}`)
      .send([{ op: 'add', path: '/bogus', value: 1 }]);
    expect(invalid.status).toBe(400);
    const idChange = await t
      .admin()
      .patch(`/fhir/Organization/${body.id}`)
      .send([{ op: 'replace', path: '/id', value: 'other' }]);
    expect(idChange.status).toBe(400);
    const badPath = await t
      .admin()
      .patch(`/fhir/Organization/${body.id}`)
      .send([{ op: 'remove', path: '/nothing/here' }]);
    expect(badPath.status).toBe(400);
    expect((await t.admin().get(`/fhir/Organization/${body.id}`)).body.meta.versionId).toBe('1');
  });
});

describe('delete', () => {
  it('is logical: read is 410, vread of the kept version works, history shows the delete', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('to delete'));
    const del = await t.admin().delete(`/fhir/Organization/${body.id}`);
    expect(del.status).toBe(200);
    expect((await t.admin().get(`/fhir/Organization/${body.id}`)).status).toBe(410);
    expect((await t.admin().get(`/fhir/Organization/${body.id}/_history/1`)).body.name).toBe('to delete');
    expect((await t.admin().get(`/fhir/Organization/${body.id}/_history/2`)).status).toBe(410);
    const history = await t.admin().get(`/fhir/Organization/${body.id}/_history`);
    expect(history.body.type).toBe('history');
    expect(history.body.entry.map((e: { request: { method: string } }) => e.request.method)).toEqual(['DELETE', 'POST']);
    const search = await t.admin().get(`/fhir/Organization?_id=${body.id}`);
    expect(search.body.total).toBe(0);
  });

  it('deleting an unknown id is 404, deleting twice is harmless', async () => {
    expect((await t.admin().delete('/fhir/Organization/never-was')).status).toBe(404);
    const { body } = await t.admin().post('/fhir/Organization').send(organization('twice'));
    expect((await t.admin().delete(`/fhir/Organization/${body.id}`)).status).toBe(200);
    expect((await t.admin().delete(`/fhir/Organization/${body.id}`)).status).toBe(200);
    const history = await t.admin().get(`/fhir/Organization/${body.id}/_history`);
    expect(history.body.entry).toHaveLength(2);
  });

  it('an update after delete brings the resource back as a new version', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('phoenix'));
    await t.admin().delete(`/fhir/Organization/${body.id}`);
    const res = await t
      .admin()
      .put(`/fhir/Organization/${body.id}`)
      .send({ ...organization('phoenix 2'), id: body.id });
    expect(res.status).toBe(200);
    expect(res.body.meta.versionId).toBe('3');
  });
});

describe('history', () => {
  it('lists instance versions newest first with a total', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('h1'));
    await t
      .admin()
      .put(`/fhir/Organization/${body.id}`)
      .send({ ...organization('h2'), id: body.id });
    await t
      .admin()
      .put(`/fhir/Organization/${body.id}`)
      .send({ ...organization('h3'), id: body.id });
    const res = await t.admin().get(`/fhir/Organization/${body.id}/_history`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.entry.map((e: { resource: { name: string } }) => e.resource.name)).toEqual(['h3', 'h2', 'h1']);
  });

  it('lists type history newest first, filtered by _since', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await t
      .admin()
      .put('/fhir/Patient/somebody')
      .send({ resourceType: 'Patient', id: 'somebody', identifier: [{ system: SSIN_SYSTEM, value: makeSsin('1966-06-06', 61) }] });
    const { body } = await t
      .admin()
      .post('/fhir/RelatedPerson')
      .send({
        resourceType: 'RelatedPerson',
        patient: { reference: 'Patient/somebody' },
        name: [{ family: 'Trusted' }],
      });
    const res = await t.admin().get(`/fhir/RelatedPerson/_history?_since=${encodeURIComponent(before)}`);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('history');
    expect(res.body.entry.some((e: { resource: { id: string } }) => e.resource.id === body.id)).toBe(true);
  });
});

describe('references', () => {
  it('refuses a write that points at a missing resource, naming the path', async () => {
    const res = await t
      .admin()
      .post('/fhir/RelatedPerson')
      .send({ resourceType: 'RelatedPerson', patient: { reference: 'Patient/nobody-here' } });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['patient.reference']);
  });
});

describe('validation', () => {
  it('refuses an invalid resource with expression paths and stores nothing', async () => {
    const before = (await t.admin().get('/fhir/Patient?_summary=count')).body.total;
    const res = await t.admin().post('/fhir/Patient').send({ resourceType: 'Patient', birthDate: 'yesterday', foo: 1 });
    expect(res.status).toBe(400);
    const expressions = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.birthDate', 'Patient.foo']));
    expect((await t.admin().get('/fhir/Patient?_summary=count')).body.total).toBe(before);
  });

  it('refuses an SSIN with a wrong checksum', async () => {
    const res = await t
      .admin()
      .post('/fhir/Patient')
      .send({
        resourceType: 'Patient',
        identifier: [{ system: SSIN_SYSTEM, value: '85073003329' }],
      });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Patient.identifier[0].value']);
  });

  it('refuses a missing required element of a profile-independent R4 rule', async () => {
    const res = await t.admin().post('/fhir/Consent').send({ resourceType: 'Consent', status: 'active' });
    expect(res.status).toBe(400);
    const expressions = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Consent.scope', 'Consent.category']));
  });
});

describe('If-Match on patch and delete', () => {
  it('a stale version is 412 and changes nothing; the right one applies', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('guarded'));
    await t
      .admin()
      .put(`/fhir/Organization/${body.id}`)
      .send({ ...organization('guarded 2'), id: body.id });
    const stalePatch = await t
      .admin()
      .patch(`/fhir/Organization/${body.id}`)
      .set('If-Match', 'W/"1"')
      .send([{ op: 'replace', path: '/name', value: 'lost update' }]);
    expect(stalePatch.status).toBe(412);
    expect((await t.admin().delete(`/fhir/Organization/${body.id}`).set('If-Match', 'W/"1"')).status).toBe(412);
    expect((await t.admin().get(`/fhir/Organization/${body.id}`)).body.name).toBe('guarded 2');
    const patch = await t
      .admin()
      .patch(`/fhir/Organization/${body.id}`)
      .set('If-Match', 'W/"2"')
      .send([{ op: 'replace', path: '/name', value: 'guarded 3' }]);
    expect(patch.status).toBe(200);
    expect((await t.admin().delete(`/fhir/Organization/${body.id}`).set('If-Match', 'W/"3"')).status).toBe(200);
  });
});

describe('a malformed If-Match', () => {
  const MALFORMED = ['garbage', '1', 'W/1', '"abc"', 'W/"1', '*', '"1", "2"'];

  it('is refused with a coded 400 on update, patch and delete, and changes nothing', async () => {
    const { body } = await t.admin().post('/fhir/Organization').send(organization('untouched'));
    for (const header of MALFORMED) {
      const put = await t
        .admin()
        .put(`/fhir/Organization/${body.id}`)
        .set('If-Match', header)
        .send({ ...organization('overwritten'), id: body.id });
      expect([header, put.status]).toEqual([header, 400]);
      expect(put.body.issue[0].details.coding).toContainEqual(expect.objectContaining({ code: 'if-match-malformed' }));
      const patch = await t
        .admin()
        .patch(`/fhir/Organization/${body.id}`)
        .set('If-Match', header)
        .send([{ op: 'replace', path: '/name', value: 'patched' }]);
      expect([header, patch.status]).toEqual([header, 400]);
      expect([header, (await t.admin().delete(`/fhir/Organization/${body.id}`).set('If-Match', header)).status]).toEqual([header, 400]);
    }
    const current = await t.admin().get(`/fhir/Organization/${body.id}`);
    expect(current.body.name).toBe('untouched');
    expect(current.body.meta.versionId).toBe('1');
    const french = await t
      .admin()
      .put(`/fhir/Organization/${body.id}`)
      .set('If-Match', 'garbage')
      .set('Accept-Language', 'fr')
      .send({ ...organization('x'), id: body.id });
    expect(french.body.issue[0].details.text).toContain('If-Match doit');
    // Both well-formed shapes still work.
    expect(
      (
        await t
          .admin()
          .put(`/fhir/Organization/${body.id}`)
          .set('If-Match', '"1"')
          .send({ ...organization('v2'), id: body.id })
      ).status
    ).toBe(200);
    expect(
      (
        await t
          .admin()
          .put(`/fhir/Organization/${body.id}`)
          .set('If-Match', 'W/"2"')
          .send({ ...organization('v3'), id: body.id })
      ).status
    ).toBe(200);
  });
});
