import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { ensureDevSigningKey, publicJwk } from '../../src/federation/signing-key';
import { startTestHub, type TestHub } from '../support/test-hub';

// docs/contract.md is what integrators read: everything it names must be served (issue: the project carries its own contract).
const contract = fs.readFileSync(path.resolve(__dirname, '../../docs/contract.md'), 'utf8');

/** Every `SH/<type>/<id>` the contract names. */
function named(type: string): string[] {
  return [...new Set([...contract.matchAll(new RegExp(`SH/${type}/([A-Za-z][A-Za-z0-9-]*)`, 'g'))].map((m) => m[1]))].sort();
}

const operations = [...new Set([...contract.matchAll(/`\$([a-z][a-z-]*)`/g)].map((m) => m[1]))].sort();

let t: TestHub;
let metahub: TestHub;
let dir: string;
beforeAll(async () => {
  t = await startTestHub();
  // A metahub trusting only itself: enough to read its CapabilityStatement.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-contract-'));
  const peersFile = path.join(dir, 'peers.json');
  const peerJwksFile = path.join(dir, 'peer-jwks.json');
  fs.writeFileSync(peersFile, JSON.stringify([{ hub_id: 'metahub', base_url: 'http://127.0.0.1:9/fhir' }]));
  fs.writeFileSync(peerJwksFile, JSON.stringify({ keys: [publicJwk(ensureDevSigningKey(dir), 'metahub')] }));
  metahub = await startTestHub({}, { federation: { mode: 'metahub', hubId: 'metahub', peersFile, peerJwksFile, peerTimeoutMs: 3000 } });
});
afterAll(async () => {
  await t.close();
  await metahub.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Operation names a CapabilityStatement declares, on types and at system level. */
async function declaredBy(hub: TestHub): Promise<string[]> {
  const rest = (await supertest(hub.app).get('/fhir/metadata')).body.rest[0];
  return [
    ...rest.resource.flatMap((r: { operation?: { name: string }[] }) => (r.operation ?? []).map((o) => o.name)),
    ...(rest.operation ?? []).map((o: { name: string }) => o.name),
  ];
}

describe('docs/contract.md names only what the hub serves', () => {
  it('finds the names it checks (the parser still reads the document)', () => {
    expect(named('CodeSystem')).toEqual(expect.arrayContaining(['consent-kind', 'link-type', 'document-class', 'registration']));
    expect(named('StructureDefinition')).toEqual(expect.arrayContaining(['release-rule', 'consent-channel', 'audit-chain', 'hub-membership']));
    expect(operations).toEqual(expect.arrayContaining(['content', 'publish-sumehr', 'consent-status']));
  });

  it.each(['CodeSystem', 'StructureDefinition', 'SearchParameter'])('serves every %s it names', async (type) => {
    const missing: string[] = [];
    for (const id of named(type)) {
      const res = await t.admin().get(`/fhir/${type}?url=${encodeURIComponent(`https://sharehub.example/fhir/${type}/${id}`)}`);
      if (res.status !== 200 || res.body.total !== 1) missing.push(id);
    }
    expect(missing).toEqual([]);
  });

  it('declares every operation it names in the CapabilityStatement of a hub or of the metahub', async () => {
    // Their OperationDefinitions are checked in test/http/operation-definitions.test.ts and test/federation.
    const declared = new Set([...(await declaredBy(t)), ...(await declaredBy(metahub))]);
    expect(operations.filter((op) => !declared.has(op))).toEqual([]);
  });
});
