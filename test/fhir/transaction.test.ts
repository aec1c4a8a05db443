import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { makeSsin, ssinIdentifier } from '../../src/fhir/belgian-identifiers';
import { MECHANICS_ONLY, startTestHub, transactionOf, type TestHub } from '../support/test-hub';

let t: TestHub;
let failAt: number | undefined;
beforeAll(async () => {
  t = await startTestHub({
    ...MECHANICS_ONLY,
    faults: {
      beforeBatchWrite(index) {
        if (index === failAt) throw new Error('simulated database failure');
      },
    },
  });
});
afterEach(() => {
  failAt = undefined;
});
afterAll(async () => {
  await t.close();
});

const PATIENT_URN = 'urn:uuid:0f6b6a3e-5d7c-4c1e-9b1a-3f1c2d4e5a6b';
/** Each bundle's Patient gets an SSIN of its own (one Patient per SSIN, SPEC §4). */
let serial = 100;
function documentBundle(type: 'transaction' | 'batch', family: string): Bundle {
  serial += 2;
  return {
    resourceType: 'Bundle',
    type,
    entry: [
      {
        fullUrl: PATIENT_URN,
        resource: { resourceType: 'Patient', identifier: [ssinIdentifier(makeSsin('1970-03-03', serial))], name: [{ family }] },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        resource: {
          resourceType: 'DocumentReference',
          status: 'current',
          subject: { reference: PATIENT_URN },
          content: [{ attachment: { url: 'https://source.example/1' } }],
        },
        request: { method: 'POST', url: 'DocumentReference' },
      },
      { resource: { resourceType: 'Organization', name: `${family} org` }, request: { method: 'POST', url: 'Organization' } },
    ] as BundleEntry[],
  };
}
const count = async (query: string) => (await t.admin().get(`/fhir/${query}&_summary=count`)).body.total as number;

describe('transaction', () => {
  it('writes all entries and resolves urn:uuid references', async () => {
    const res = await t.admin().post('/fhir').send(documentBundle('transaction', 'Alpha'));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    const patientId = res.body.entry[0].resource.id;
    expect(res.body.entry[1].resource.subject.reference).toBe(`Patient/${patientId}`);
    expect(await count(`DocumentReference?patient=${patientId}&status=current`)).toBe(1);
  });

  it('stores nothing when one entry is invalid', async () => {
    const bundle = documentBundle('transaction', 'Beta');
    (bundle.entry as BundleEntry[])[2].resource = { resourceType: 'Organization', bogus: true } as never;
    const res = await t.admin().post('/fhir').send(bundle);
    expect(res.status).toBe(400);
    expect(await count('Patient?family=Beta')).toBe(0);
  });

  it('leaves no visible partial result when the database fails mid-commit', async () => {
    failAt = 2;
    const res = await t.admin().post('/fhir').send(documentBundle('transaction', 'Gamma'));
    expect(res.status).toBe(500);
    expect(res.body.issue[0].details.text).toBe('Internal server error');
    expect(JSON.stringify(res.body)).not.toContain('simulated');
    expect(await count('Patient?family=Gamma')).toBe(0);
    // Every stored document (a DocumentReference search must name its patient, and Gamma's was never created).
    expect(await t.database.db.collection('DocumentReference').countDocuments({})).toBe(1);
    expect(await count('Organization?name=Gamma')).toBe(0);
    const history = await t.database.db.collection('History').countDocuments({ 'r.name.family': 'Gamma' });
    expect(history).toBe(0);
    expect(await t.database.db.collection('TransactionJournal').countDocuments({})).toBe(0);
  });

  it('rolls an update back to the previous version when a later write fails', async () => {
    await t.admin().put('/fhir/Organization/keep-me').send({ resourceType: 'Organization', id: 'keep-me', name: 'original' });
    failAt = 1;
    const res = await t
      .admin()
      .post('/fhir')
      .send(
        transactionOf([
          { resource: { resourceType: 'Organization', id: 'keep-me', name: 'changed' }, request: { method: 'PUT', url: 'Organization/keep-me' } },
          { resource: { resourceType: 'Organization', name: 'second' }, request: { method: 'POST', url: 'Organization' } },
        ])
      );
    expect(res.status).toBe(500);
    const current = await t.admin().get('/fhir/Organization/keep-me');
    expect(current.body.name).toBe('original');
    expect(current.body.meta.versionId).toBe('1');
    // The version number rolled back is free again for the next write.
    const next = await t.admin().put('/fhir/Organization/keep-me').send({ resourceType: 'Organization', id: 'keep-me', name: 'v2' });
    expect(next.status).toBe(200);
    expect(next.body.meta.versionId).toBe('2');
  });

  it('fails the whole transaction on a version conflict (If-Match)', async () => {
    await t.admin().put('/fhir/Organization/conflicted').send({ resourceType: 'Organization', id: 'conflicted', name: 'one' });
    const res = await t
      .admin()
      .post('/fhir')
      .send(
        transactionOf([
          { resource: { resourceType: 'Organization', name: 'Delta org' }, request: { method: 'POST', url: 'Organization' } },
          {
            resource: { resourceType: 'Organization', id: 'conflicted', name: 'two' },
            request: { method: 'PUT', url: 'Organization/conflicted', ifMatch: 'W/"9"' },
          },
        ])
      );
    expect(res.status).toBe(412);
    expect(await count('Organization?name=Delta')).toBe(0);
  });
});

describe('a malformed request.ifMatch', () => {
  it('fails a transaction as a 400 and stores nothing; in a batch only its entry fails', async () => {
    await t.admin().put('/fhir/Organization/if-match-target').send({ resourceType: 'Organization', id: 'if-match-target', name: 'one' });
    const update = (name: string, ifMatch: string): BundleEntry => ({
      resource: { resourceType: 'Organization', id: 'if-match-target', name },
      request: { method: 'PUT', url: 'Organization/if-match-target', ifMatch },
    });
    const transaction = await t
      .admin()
      .post('/fhir')
      .send(
        transactionOf([
          { resource: { resourceType: 'Organization', name: 'Zeta org' }, request: { method: 'POST', url: 'Organization' } },
          update('two', 'garbage'),
        ])
      );
    expect(transaction.status).toBe(400);
    expect(JSON.stringify(transaction.body)).toContain('if-match-malformed');
    expect(await count('Organization?name=Zeta')).toBe(0);

    const batch = await t
      .admin()
      .post('/fhir')
      .send({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [update('three', 'W/garbage'), { request: { method: 'DELETE', url: 'Organization/if-match-target', ifMatch: '1' } }],
      });
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['400', '400']);
    const current = await t.admin().get('/fhir/Organization/if-match-target');
    expect(current.body.name).toBe('one');
    expect(current.body.meta.versionId).toBe('1');
  });
});

describe('batch', () => {
  it('processes entries independently and reports each outcome', async () => {
    const res = await t
      .admin()
      .post('/fhir')
      .send({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: { resourceType: 'Organization', name: 'Epsilon' }, request: { method: 'POST', url: 'Organization' } },
          { resource: { resourceType: 'Organization', bogus: 1 }, request: { method: 'POST', url: 'Organization' } },
          { request: { method: 'GET', url: 'Organization?name=Epsilon' } },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry[0].response.status).toMatch(/^201/);
    expect(res.body.entry[1].response.status).toMatch(/^400/);
    expect(await count('Organization?name=Epsilon')).toBe(1);
  });
});

describe('roll-back touches only what the commit applied', () => {
  it('a create that collides with an existing id leaves the existing resource intact', async () => {
    await t.admin().put('/fhir/Organization/existing-one').send({ resourceType: 'Organization', id: 'existing-one', name: 'keep' });
    // The second create collides with an existing id (as when a concurrent writer took it): the commit fails and rolls back.
    const { ResourceStore } = await import('../../src/store/resource-store');
    const store = new ResourceStore(t.database.db);
    const existing = await store.readCurrent('Organization', 'existing-one', { always: true });
    const base = existing as NonNullable<typeof existing>;
    const newcomer = { ...base, _id: 'brand-new', r: { ...base.r, id: 'brand-new' } as typeof base.r };
    await expect(
      store.commitBatch([
        { type: 'Organization', doc: newcomer, expectedVersion: null },
        { type: 'Organization', doc: { ...base, r: { ...base.r, name: 'clobbered' } as typeof base.r }, expectedVersion: null },
      ])
    ).rejects.toThrow();
    const after = await t.admin().get('/fhir/Organization/existing-one');
    expect(after.status).toBe(200);
    expect(after.body.name).toBe('keep');
    expect((await t.admin().get('/fhir/Organization/brand-new')).status).toBe(404);
  });
});
