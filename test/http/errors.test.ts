import supertest from 'supertest';
import { startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

describe('public endpoints', () => {
  it('serves /healthz, /readyz and /fhir/metadata without a token', async () => {
    expect((await supertest(t.app).get('/healthz')).status).toBe(200);
    expect((await supertest(t.app).get('/readyz')).body.status).toBe('ready');
    const metadata = await supertest(t.app).get('/fhir/metadata');
    expect(metadata.status).toBe(200);
    expect(metadata.body.resourceType).toBe('CapabilityStatement');
    const docRef = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'DocumentReference');
    expect(docRef.interaction.map((i: { code: string }) => i.code)).toEqual(
      expect.arrayContaining(['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'])
    );
    expect(docRef.searchParam.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['patient', 'status', 'date', '_id']));
    expect(metadata.body.rest[0].interaction.map((i: { code: string }) => i.code)).toEqual(['batch', 'transaction']);
    expect(metadata.body.rest[0].resource.map((r: { type: string }) => r.type)).not.toContain('Encounter');
  });
});

describe('errors are OperationOutcomes with the right status', () => {
  it('413 for a body over the limit, and nothing stored', async () => {
    const huge = { resourceType: 'Organization', name: 'x'.repeat(11 * 1024 * 1024) };
    const res = await t.admin().post('/fhir/Organization').send(huge);
    expect(res.status).toBe(413);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await t.admin().get('/fhir/Organization?_summary=count')).body.total).toBe(0);
  });

  it('415 for a body that is not FHIR JSON', async () => {
    const res = await t.admin().post('/fhir/Organization').set('Content-Type', 'application/xml').send('<Organization/>');
    expect(res.status).toBe(415);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('400 for malformed JSON', async () => {
    const res = await t.admin().post('/fhir/Organization').send('{"resourceType": "Organization",');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toBe('Invalid JSON body');
  });

  it('405 with Allow for a method the path does not take', async () => {
    const res = await t.admin().post('/fhir/Organization/abc');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toContain('GET');
  });

  it('answers in French or Dutch by Accept-Language', async () => {
    const fr = await t.admin().get('/fhir/Organization/missing').set('Accept-Language', 'fr-BE,fr;q=0.9');
    expect(fr.status).toBe(404);
    expect(fr.body.issue[0].details.text).toBe('Introuvable');
    const nl = await t.admin().get('/fhir/Organization?bogus=1').set('Accept-Language', 'nl');
    expect(nl.body.issue[0].details.text).toBe("Onbekende zoekparameter 'bogus' voor Organization");
    const en = await t.admin().get('/fhir/Organization/missing');
    expect(en.body.issue[0].details.text).toBe('Not found');
  });

  it('500 without details when the database fails, not a 400 with the driver message', async () => {
    const broken = await startTestHub();
    await broken.database.close();
    const res = await broken.admin().get('/fhir/Organization/anything');
    expect(res.status).toBe(500);
    expect(res.body.issue[0].details.text).toBe('Internal server error');
    expect(JSON.stringify(res.body)).not.toMatch(/Mongo|topology|client/i);
    expect((await supertest(broken.app).get('/readyz')).status).toBe(503);
    await broken.close().catch(() => undefined);
  });
});

describe('request log', () => {
  it('writes one JSON line per request without the token or the query string', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../src/log');
    const logged = await startTestHub({ log: createLogger('info', (l) => lines.push(l)) });
    await logged.admin().get('/fhir/Patient?identifier=https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin|85073003328');
    const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ method: 'GET', path: '/fhir/Patient', status: 200 });
    expect(typeof requestLines[0].durationMs).toBe('number');
    expect(typeof requestLines[0].requestId).toBe('string');
    expect(lines.join('\n')).not.toContain(logged.adminToken);
    expect(lines.join('\n')).not.toContain('85073003328');
    await logged.close();
  });
});
