import supertest from 'supertest';
import { startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

interface DeclaredOperation {
  name: string;
  definition: string;
  type?: string;
}

async function declaredOperations(): Promise<DeclaredOperation[]> {
  const rest = (await supertest(t.app).get('/fhir/metadata')).body.rest[0];
  const onTypes = rest.resource.flatMap((r: { type: string; operation?: DeclaredOperation[] }) => (r.operation ?? []).map((o) => ({ ...o, type: r.type })));
  return [...onTypes, ...(rest.operation ?? [])];
}

describe('every operation has its OperationDefinition (SPEC §8)', () => {
  it('declares $content on DocumentReference', async () => {
    expect((await declaredOperations()).filter((o) => o.type === 'DocumentReference').map((o) => o.name)).toContain('content');
  });

  it('serves the definition each CapabilityStatement entry points at, for the same code and resource type', async () => {
    const declared = await declaredOperations();
    expect(declared.length).toBeGreaterThanOrEqual(11);
    for (const op of declared) {
      const id = op.definition.split('/OperationDefinition/')[1];
      const res = await t.admin().get(`/fhir/OperationDefinition/${id}`);
      expect({ op: op.name, status: res.status }).toEqual({ op: op.name, status: 200 });
      expect(res.body.url).toBe(op.definition);
      expect(res.body.code).toBe(op.name);
      if (op.type) expect(res.body.resource).toContain(op.type);
      else expect(res.body.system).toBe(true);
    }
  });

  it('serves no definition of an operation the hub does not offer', async () => {
    const declared = new Set((await declaredOperations()).map((o) => o.name));
    const served = await t.admin().get('/fhir/OperationDefinition');
    expect(served.status).toBe(200);
    const codes = served.body.entry.map((e: { resource: { code: string } }) => e.resource.code);
    expect(codes.filter((code: string) => !declared.has(code))).toEqual([]);
  });
});
