import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import supertest from 'supertest';
import type { Resource } from '@medplum/fhirtypes';
import { SERVED_TYPES } from '../../src/fhir/served-types';
import { validateForWrite } from '../../src/fhir/validation';
import { HISTORY_COLLECTION } from '../../src/store/resource-store';
import { startNetworkHub, type NetworkHub } from '../support/network';

/**
 * Property-based fuzzing of the input gate (issue #13, SPEC §1): random mutations of valid
 * resources of every served type, written by fixture personas through every write path, and
 * random searches. Whatever is sent, the answer is never a 5xx, and afterwards every version the
 * database holds passes the hub's own validation again (read from the database, not the API).
 */
let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const PERSONAS = ['hub-admin', 'gp-anna-peeters', 'patient-marie-dubois', 'physician-sarah-maes'];

/** Who would write a resource of this type in real life: most writes are sent by them. */
function ownerOf(type: string): string {
  if (['Organization', 'Practitioner', 'PractitionerRole', 'Task', 'AuditEvent'].includes(type)) return 'hub-admin';
  if (type === 'Consent' || type === 'RelatedPerson') return 'patient-marie-dubois';
  return 'gp-anna-peeters';
}
const XHTML = 'http://www.w3.org/1999/xhtml';

/** One valid resource of every served type: the demo network's, plus a few written here. */
function seedResources(): JsonObject[] {
  const fromFixtures = ['network.json', 'documents.json'].flatMap((file) => {
    const bundle = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../fixtures', file), 'utf8')) as { entry: { resource: JsonObject }[] };
    return bundle.entry.map((e) => e.resource);
  });
  const patient = { reference: 'Patient/patient-marie-dubois' };
  const extra: JsonObject[] = [
    {
      resourceType: 'List',
      status: 'current',
      mode: 'working',
      subject: patient,
      entry: [{ item: { reference: 'DocumentReference/doc-marie-radiology-report' } }],
    },
    {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      subject: patient,
      valueQuantity: { value: 120, unit: 'mm[Hg]' },
    },
    { resourceType: 'Procedure', status: 'completed', subject: patient, code: { text: 'Appendectomy' } },
    {
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2026-11-23T09:00:00Z',
      agent: [{ requestor: true, who: { reference: 'Practitioner/gp-anna-peeters' } }],
      source: { observer: { display: 'x' } },
    },
  ];
  const all = [...fromFixtures, ...extra];
  // One of each type at least, and every fixture for variety.
  for (const type of SERVED_TYPES) if (!all.some((r) => r.resourceType === type)) throw new Error(`no seed for ${type}`);
  return all;
}

const SEEDS = seedResources();

const LONG_STRING = '<300 KB string>';
/** JSON.stringify replacer that expands LONG_STRING where it was placed. */
const expandLong = (_key: string, value: unknown) => (value === LONG_STRING ? 'x'.repeat(300 * 1024) : value);

/** Values that broke the hub or slipped through before (issue #13), and a few more of their kind. */
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  // Plausible values too, so that some mutated resources are valid and get stored.
  fc.constantFrom<Json>('Text', 'current', 'active', 'final', '2026-11-23', '2026-11-23T10:00:00Z', 'https://example.org/x', 1, true),
  fc.constantFrom<Json>(
    42,
    -1,
    1.5,
    0,
    true,
    false,
    null,
    {},
    [],
    [42],
    [null],
    ['x'],
    [{}],
    '',
    ' ',
    'x',
    { a: 1 },
    [[]],
    'Patient/x',
    '2020-13-45',
    '<b>x</b>'
  ),
  fc.constantFrom<Json>(
    `<div xmlns="${XHTML}"><script>alert(1)</script></div>`,
    `<div xmlns="${XHTML}"><img src="x" onerror="alert(1)"/></div>`,
    `<div xmlns="${XHTML}"><a href="javascript:alert(1)">x</a></div>`,
    `<div xmlns="${XHTML}"><p>ok</p></div>`
  ),
  fc.integer({ min: 1, max: 80 }).map((depth) => nested(depth)),
  // Stands for a 300 KB string until sent, so that a counterexample prints short.
  fc.constant(LONG_STRING),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>
);

function nested(depth: number): Json {
  let v: Json = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { extension: v };
  return v;
}

const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '_id',
    '$where',
    '$set',
    'toString',
    'hasOwnProperty',
    'resourceType',
    'id',
    'extension',
    'text',
    '_gender',
    'valueString',
    'foo',
    'meta'
  ),
  fc.string({ maxLength: 12 })
);

type Segment = string | number;

/** Every path into a JSON value (to objects, arrays and leaves). */
function pathsOf(value: Json, prefix: Segment[] = []): Segment[][] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return here;
}

/** Own properties only: `obj['__proto__'] = v` would set the prototype instead of a key. */
function setOwn(target: Json, key: Segment, value: Json): void {
  if (target && typeof target === 'object') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function parentOf(root: Json, at: Segment[]): Json | undefined {
  let node: Json | undefined = root;
  for (const segment of at.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, Json>)[segment] : undefined;
  return node;
}

type Mutation = { kind: 'set' | 'delete' | 'add' | 'wrap'; pick: number; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('set', 'set', 'delete', 'add', 'wrap'),
  pick: fc.nat(),
  key: hostileKey,
  value: hostileValue,
});

function mutate(seed: JsonObject, mutations: Mutation[]): JsonObject {
  const resource = JSON.parse(JSON.stringify(seed)) as JsonObject;
  for (const m of mutations) {
    const paths = pathsOf(resource).filter((p) => p.length > 0 && p[0] !== 'resourceType');
    if (!paths.length) break;
    const at = paths[m.pick % paths.length];
    const parent = parentOf(resource, at);
    const last = at[at.length - 1];
    if (!parent || typeof parent !== 'object') continue;
    const current = (parent as Record<string, Json>)[last];
    if (m.kind === 'set') setOwn(parent, last, m.value);
    else if (m.kind === 'wrap') setOwn(parent, last, Array.isArray(current) ? (current[0] ?? null) : [current]);
    else if (m.kind === 'delete' && Array.isArray(parent)) parent.splice(Number(last), 1);
    else if (m.kind === 'delete') delete (parent as Record<string, Json>)[last];
    else if (current && typeof current === 'object' && !Array.isArray(current)) setOwn(current, m.key, m.value);
    else setOwn(parent as Json, m.key, m.value);
  }
  return resource;
}

function token(persona: string): string {
  const personas = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../fixtures/personas.json'), 'utf8')) as {
    personas: Record<string, { claims: Record<string, unknown> }>;
  };
  return t.token(personas.personas[persona].claims);
}

const tokens = new Map<string, string>();
const auth = (persona: string) => {
  if (!tokens.has(persona)) tokens.set(persona, token(persona));
  return `Bearer ${tokens.get(persona)}`;
};

/** A JSON Patch pointer for a path. */
const pointer = (at: Segment[]) => '/' + at.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

type WriteMode = 'create' | 'update' | 'transaction' | 'batch' | 'patch';

const answers: number[] = [];
const writes: number[] = [];

async function sendWrite(persona: string, mode: WriteMode, seed: JsonObject, resource: JsonObject, mutations: Mutation[]): Promise<supertest.Response> {
  const agent = supertest(t.app);
  const type = String(seed.resourceType);
  const json = (test: supertest.Test, body: unknown) =>
    test.set('Authorization', auth(persona)).set('Content-Type', 'application/fhir+json').send(JSON.stringify(body, expandLong));
  switch (mode) {
    case 'create': {
      const { id: _omitted, ...fresh } = resource;
      return json(agent.post(`/fhir/${type}`), fresh);
    }
    case 'update':
      return json(agent.put(`/fhir/${type}/${String(seed.id ?? 'fuzz-target')}`), { ...resource, id: seed.id ?? 'fuzz-target' });
    case 'transaction':
    case 'batch': {
      const { id: _omitted, ...fresh } = resource;
      return json(agent.post('/fhir'), { resourceType: 'Bundle', type: mode, entry: [{ resource: fresh, request: { method: 'POST', url: type } }] });
    }
    case 'patch': {
      const paths = pathsOf(seed).filter((p) => p.length > 0 && p[0] !== 'resourceType' && p[0] !== 'id');
      const m = mutations[0];
      if (!m)
        return agent
          .patch(`/fhir/${type}/${String(seed.id)}`)
          .set('Authorization', auth(persona))
          .set('Content-Type', 'application/json-patch+json')
          .send('[]');
      const at = paths[m.pick % paths.length] ?? ['text'];
      const op =
        m.kind === 'delete'
          ? { op: 'remove', path: pointer(at) }
          : { op: m.kind === 'add' ? 'add' : 'replace', path: m.kind === 'add' ? pointer([...at.slice(0, -1), m.key]) : pointer(at), value: m.value };
      return agent
        .patch(`/fhir/${type}/${String(seed.id)}`)
        .set('Authorization', auth(persona))
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([op], expandLong));
    }
  }
}

const QUERY_NAMES = [
  '_id',
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_elements',
  '_summary',
  '_total',
  '_lastUpdated',
  '_cursor',
  'name',
  'identifier',
  'patient',
  'status',
  'date',
  'subject',
  'family',
  'category',
  'type',
  'author',
  'patient.name',
  'patient.identifier',
  'subject:Patient',
  'name:exact',
  'name:contains',
  'date:missing',
  'identifier:not',
  '_has:CareTeam:patient:status',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  '$where',
  'name[$ne]',
];
const QUERY_VALUES = [
  'abc',
  '-1',
  '0',
  '1',
  '1000',
  '1001',
  '1.5',
  'ge2020',
  'lt2026-11-23',
  '2020-13-45',
  'x,y,z',
  'Patient/patient-marie-dubois',
  'patient-marie-dubois',
  '|',
  'a|b',
  '\\,',
  '',
  'current',
  'name',
  '-date',
  'DocumentReference:subject',
  'Organization:constructor',
  'CareTeam:patient:toString',
  '__proto__',
  '*',
  'true',
  '%',
];

const query = fc.record({
  persona: fc.constantFrom(...PERSONAS),
  type: fc.constantFrom<string>(...SERVED_TYPES, 'Encounter', 'constructor', '__proto__'),
  mode: fc.constantFrom('get', 'form', 'json'),
  params: fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 8 })),
      fc.oneof(fc.constantFrom(...QUERY_VALUES), fc.string({ maxLength: 16 }), fc.integer().map(String))
    ),
    { maxLength: 6 }
  ),
  jsonValue: fc.option(hostileValue, { nil: undefined }),
});

function expectNoServerError(res: supertest.Response, what: string): void {
  answers.push(res.status);
  if (res.status >= 500) throw new Error(`${res.status} for ${what}: ${JSON.stringify(res.body).slice(0, 300)}`);
  if (res.status >= 400) expect(res.body.resourceType).toBe('OperationOutcome');
}

describe('fuzzing the input gate', () => {
  it('random mutations of valid resources of every type, on every write path: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(SEEDS.length - 1),
        fc.array(mutation, { minLength: 0, maxLength: 3 }),
        fc.constantFrom<WriteMode>('create', 'update', 'transaction', 'batch', 'patch'),
        fc.option(fc.constantFrom(...PERSONAS), { freq: 3, nil: undefined }),
        async (seedIndex, mutations, mode, anyone) => {
          const seed = SEEDS[seedIndex];
          const persona = anyone ?? ownerOf(String(seed.resourceType));
          const res = await sendWrite(persona, mode, seed, mutate(seed, mutations), mutations);
          expectNoServerError(res, `${mode} ${String(seed.resourceType)} as ${persona}`);
          writes.push(res.status);
        }
      ),
      { numRuns: 250 }
    );
    // The run must have exercised storage too, or "only valid resources stored" proves nothing.
    expect(writes.filter((s) => s < 300).length).toBeGreaterThan(0);
  }, 300_000);

  it('random searches (query string, form and JSON _search): never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(query, async ({ persona, type, mode, params, jsonValue }) => {
        const agent = supertest(t.app);
        const encoded = new URLSearchParams(params).toString();
        let res: supertest.Response;
        if (mode === 'get') {
          res = await agent.get(`/fhir/${type}?${encoded}`).set('Authorization', auth(persona));
        } else if (mode === 'form') {
          res = await agent
            .post(`/fhir/${type}/_search`)
            .set('Authorization', auth(persona))
            .set('Content-Type', 'application/x-www-form-urlencoded')
            .send(encoded);
        } else {
          const body = Object.fromEntries(params.map(([k, v]) => [k, jsonValue === undefined ? v : jsonValue]));
          res = await agent
            .post(`/fhir/${type}/_search`)
            .set('Authorization', auth(persona))
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body, expandLong));
        }
        expectNoServerError(res, `${mode} search ${type}?${encoded}`);
      }),
      { numRuns: 150 }
    );
  }, 300_000);

  it('afterwards, every version the database holds is a valid resource', async () => {
    const invalid: string[] = [];
    const check = (resource: Resource, where: string) => {
      try {
        validateForWrite(resource);
      } catch (err) {
        invalid.push(`${where}: ${JSON.stringify((err as { outcome?: unknown }).outcome ?? String(err)).slice(0, 300)}`);
      }
    };
    let checked = 0;
    for (const type of SERVED_TYPES) {
      for await (const doc of t.database.db.collection<{ _id: string; r: Resource }>(type).find({})) {
        check(doc.r, `${type}/${doc._id}`);
        checked++;
      }
    }
    for await (const entry of t.database.db.collection<{ _id: string; r: Resource }>(HISTORY_COLLECTION).find({})) {
      check(entry.r, `${HISTORY_COLLECTION} ${entry._id}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(SEEDS.length);
    expect(invalid).toEqual([]);
  }, 120_000);
});
