import { documentFor, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, LUC } from '../support/personas';

/**
 * Conditional create (`If-None-Exist`, and `ifNoneExist` on bundle entries) so a client can retry
 * safely: no match -> 201, one match -> 200 with it, several -> 412. Matches are counted among what
 * the caller may see: a resource hidden from it answers exactly as no resource at all.
 */
let t: NetworkHub;
const IDS = 'https://lab.example/report-ids';

const report = (patient: string, value: string, author: string) => ({ ...documentFor(patient, { author }), identifier: [{ system: IDS, value }] });
const storedWith = (value: string) => t.database.db.collection('DocumentReference').countDocuments({ 'r.identifier.value': value });
const publish = (persona: string, patient: string, value: string) =>
  t
    .as(persona)
    .post('/fhir/DocumentReference', report(patient, value, `Practitioner/${persona}`))
    .set('If-None-Exist', `identifier=${IDS}|${value}`);

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

describe('If-None-Exist', () => {
  it('no match creates (201); the retry answers 200 with the same resource and stores nothing more', async () => {
    const first = await publish('gp-anna-peeters', MARIE, 'R-1');
    expect(first.status).toBe(201);
    const retry = await publish('gp-anna-peeters', MARIE, 'R-1');
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    expect(await storedWith('R-1')).toBe(1);
  });

  it('several matches: 412, nothing stored', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await t.as('gp-anna-peeters').post('/fhir/DocumentReference', report(MARIE, 'R-2', 'Practitioner/gp-anna-peeters'))).status).toBe(201);
    }
    const res = await publish('gp-anna-peeters', MARIE, 'R-2');
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await storedWith('R-2')).toBe(2);
  });

  it('a match hidden from the caller answers as no match: the caller creates its own, learning nothing', async () => {
    expect((await publish('gp-anna-peeters', MARIE, 'R-3')).status).toBe(201);
    // Thomas has no link with Marie: Anna's report is invisible to him, like an identifier nobody used.
    const hidden = await publish('gp-thomas-lambert', LUC, 'R-3');
    const unused = await publish('gp-thomas-lambert', LUC, 'R-3-unused');
    expect(hidden.status).toBe(201);
    expect(unused.status).toBe(201);
    expect(hidden.body.subject).toEqual({ reference: `Patient/${LUC}` });
    expect(await storedWith('R-3')).toBe(2);
    // Under a condition that does not name his patient, the one he sees is his own.
    expect((await publish('gp-thomas-lambert', LUC, 'R-3')).body.id).toBe(hidden.body.id);
  });

  it('an invalid condition is a 400', async () => {
    const res = await t
      .as('gp-anna-peeters')
      .post('/fhir/DocumentReference', report(MARIE, 'R-4', 'Practitioner/gp-anna-peeters'))
      .set('If-None-Exist', 'no-such-parameter=1');
    expect(res.status).toBe(400);
    expect(await storedWith('R-4')).toBe(0);
  });

  it('20 identical conditional creates at once: one 201, the others 200 with it, one stored', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => publish('gp-anna-peeters', MARIE, 'R-5')));
    const statuses = all.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    expect(await storedWith('R-5')).toBe(1);
  });
});

describe('ifNoneExist on transaction entries', () => {
  const bundle = (value: string) => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:9b1d4a52-2f0e-4c55-9a55-1f0c3f6a7b01',
        resource: report(MARIE, value, 'Practitioner/gp-anna-peeters'),
        request: { method: 'POST', url: 'DocumentReference', ifNoneExist: `identifier=${IDS}|${value}` },
      },
    ],
  });

  it('a retried transaction finds its entry instead of storing it twice', async () => {
    const first = await t.as('gp-anna-peeters').post('/fhir', bundle('T-1'));
    expect(first.status).toBe(200);
    expect(first.body.entry[0].response.status).toBe('201');
    const retry = await t.as('gp-anna-peeters').post('/fhir', bundle('T-1'));
    expect(retry.status).toBe(200);
    expect(retry.body.entry[0].response.status).toBe('200');
    expect(retry.body.entry[0].resource.id).toBe(first.body.entry[0].resource.id);
    expect(await storedWith('T-1')).toBe(1);
  });
});
