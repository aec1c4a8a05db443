import supertest from 'supertest';
import { startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

describe('the hub serves its own profiles and access matrix (SPEC §4, §10)', () => {
  it('reads and lists CodeSystems, ValueSets, extensions and SearchParameters from profiles/', async () => {
    const linkType = await t.admin().get('/fhir/CodeSystem/link-type');
    expect(linkType.status).toBe(200);
    expect(linkType.body.url).toBe('https://sharehub.example/fhir/CodeSystem/link-type');
    const all = await t.admin().get('/fhir/CodeSystem');
    expect(all.body.total).toBeGreaterThanOrEqual(8);
    const byUrl = await t.admin().get('/fhir/StructureDefinition?url=https://sharehub.example/fhir/StructureDefinition/release-rule');
    expect(byUrl.body.total).toBe(1);
    expect((await t.admin().get('/fhir/SearchParameter/DocumentReference-release-rule')).status).toBe(200);
    expect((await t.admin().get('/fhir/ValueSet/no-such-set')).status).toBe(404);
    expect((await t.admin().get('/fhir/CodeSystem?name=x')).status).toBe(400);
  });

  it('serves the access matrix the policy applies', async () => {
    const res = await t.admin().get('/fhir/$access-matrix');
    expect(res.body.resourceType).toBe('Parameters');
    const psychiatric = res.body.parameter.find((p: { part: { name: string; valueCode: string }[] }) => p.part[0].valueCode === 'psychiatric');
    expect(psychiatric.part.filter((p: { name: string }) => p.name === 'profession').map((p: { valueCode: string }) => p.valueCode)).toEqual(['physician']);
  });

  it('needs a token like everything else, and is declared in the CapabilityStatement', async () => {
    expect((await supertest(t.app).get('/fhir/CodeSystem/link-type')).status).toBe(401);
    const metadata = await supertest(t.app).get('/fhir/metadata');
    expect(metadata.body.rest[0].resource.map((r: { type: string }) => r.type)).toEqual(expect.arrayContaining(['CodeSystem', 'StructureDefinition']));
    expect(metadata.body.rest[0].operation[0].name).toBe('access-matrix');
  });

  it('declares every operation it serves, on the resource type it belongs to', async () => {
    const metadata = await supertest(t.app).get('/fhir/metadata');
    const rest = metadata.body.rest[0];
    const opsOf = (type: string) => rest.resource.find((r: { type: string }) => r.type === type).operation.map((o: { name: string }) => o.name);
    expect(opsOf('Patient')).toContain('consent-status');
    expect(opsOf('Task')).toEqual(expect.arrayContaining(['approve', 'reject']));
    expect(rest.operation.map((o: { name: string }) => o.name)).toEqual(['access-matrix']);
    expect(rest.operation[0].definition).toBe('https://sharehub.example/fhir/OperationDefinition/access-matrix');
  });
});
