/**
 * Codes outside their REQUIRED binding are invalid input (SPEC §1): 400 with issue.expression
 * naming the path, nothing stored, on create, update, patch and inside a transaction.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { documentFor, SH, startNetworkHub, type NetworkHub } from '../support/network';
import { MECHANICS_ONLY, startTestHub } from '../support/test-hub';
import { makeSsin, ssinIdentifier } from '../../src/fhir/belgian-identifiers';
import { MARIE, ANNA } from '../support/personas';

const STATUS_VS = 'http://hl7.org/fhir/ValueSet/document-reference-status';

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

/** A publisher's document, tagged so the database can be searched for any trace of it. */
const doc = (marker: string, extra: Record<string, unknown> = {}) => ({
  ...documentFor(MARIE, { author: ANNA }),
  description: marker,
  ...extra,
});
/** Current and historical versions carrying the marker, straight from the database. */
async function traces(marker: string): Promise<number> {
  const db = t.database.db;
  return (
    (await db.collection('DocumentReference').countDocuments({ 'r.description': marker })) +
    (await db.collection('History').countDocuments({ 'r.description': marker }))
  );
}
const expressions = (body: { issue?: { expression?: string[] }[] }) => (body.issue ?? []).flatMap((i) => i.expression ?? []);

describe('create', () => {
  it('stores the same document with a valid status (control)', async () => {
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', doc('bindings-control'));
    expect(res.status).toBe(201);
    expect(await traces('bindings-control')).toBeGreaterThan(0);
  });

  it('refuses a status outside document-reference-status with 400, the path, and stores nothing', async () => {
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', doc('bindings-create', { status: 'not-a-status' }));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'code-invalid',
        expression: ['DocumentReference.status'],
        details: expect.objectContaining({ text: `Value "not-a-status" is not in the required value set ${STATUS_VS}` }),
      })
    );
    expect(await traces('bindings-create')).toBe(0);
  });

  it('reports every bad code at once, in data types and in hub extensions, in the caller language', async () => {
    const body = doc('bindings-many', {
      identifier: [
        { use: 'official', system: 'https://lab.example/ids', value: '1' },
        { use: 'primary', system: 'https://lab.example/ids', value: '2' },
      ],
      relatesTo: [{ code: 'copies', target: { reference: 'DocumentReference/x' } }],
      extension: [{ url: `${SH}/StructureDefinition/release-rule`, extension: [{ url: 'rule', valueCode: 'whenever' }] }],
    });
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', body).set('Accept-Language', 'fr');
    expect(res.status).toBe(400);
    expect(expressions(res.body).sort()).toEqual([
      'DocumentReference.extension[0].extension[0].valueCode',
      'DocumentReference.identifier[1].use',
      'DocumentReference.relatesTo[0].code',
    ]);
    expect(res.body.issue[0].details.text).toMatch(/^La valeur ".+" ne fait pas partie du jeu de valeurs obligatoire /);
    expect(await traces('bindings-many')).toBe(0);
  });
});

describe('update', () => {
  it('refuses a PUT with a bad status and keeps the stored version', async () => {
    const created = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', doc('bindings-update'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const res = await t.as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, { ...created.body, status: 'archived' });
    expect(res.status).toBe(400);
    expect(expressions(res.body)).toEqual(['DocumentReference.status']);
    const read = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('current');
    expect(read.body.meta.versionId).toBe(created.body.meta.versionId);
    expect(await t.database.db.collection('History').countDocuments({ 'r.description': 'bindings-update' })).toBe(1);
  });

  it('refuses a JSON Patch that puts a bad code in a data type', async () => {
    const admin = await startTestHub(MECHANICS_ONLY);
    try {
      const created = await admin
        .admin()
        .post('/fhir/Patient')
        .send({ resourceType: 'Patient', identifier: [ssinIdentifier(makeSsin('1977-07-07', 71))], name: [{ family: 'Patched' }] });
      expect(created.status).toBe(201);
      const res = await admin
        .admin()
        .patch(`/fhir/Patient/${created.body.id}`)
        .send([{ op: 'add', path: '/name/0/use', value: 'stage-name' }]);
      expect(res.status).toBe(400);
      expect(expressions(res.body)).toEqual(['Patient.name[0].use']);
      const read = await admin.admin().get(`/fhir/Patient/${created.body.id}`);
      expect(read.body.name).toEqual([{ family: 'Patched' }]);
    } finally {
      await admin.close();
    }
  });
});

describe('transaction', () => {
  it('refuses the whole Bundle when one entry has a bad code, and stores none of it', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: doc('bindings-tx-good') as never, request: { method: 'POST', url: 'DocumentReference' } },
        { resource: doc('bindings-tx-bad', { status: 'not-a-status' }) as never, request: { method: 'POST', url: 'DocumentReference' } },
      ],
    };
    const res = await t.as('gp-anna-peeters').post('/fhir', bundle);
    expect(res.status).toBe(400);
    expect(expressions(res.body)).toContain('DocumentReference.status');
    expect(await traces('bindings-tx-good')).toBe(0);
    expect(await traces('bindings-tx-bad')).toBe(0);
  });

  it('commits the same Bundle once the code is valid (control)', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: doc('bindings-tx-ok') as never, request: { method: 'POST', url: 'DocumentReference' } }],
    };
    const res = await t.as('gp-anna-peeters').post('/fhir', bundle);
    expect(res.status).toBe(200);
    expect(await traces('bindings-tx-ok')).toBeGreaterThan(0);
  });
});
