import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import supertest from 'supertest';
import { consentFor, documentFor, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE } from '../support/personas';

/**
 * Issue #13's hostile and careless inputs, each as it was found by the fuzzer: answered 400/413
 * with an OperationOutcome naming the path, never a 500, and nothing stored (SPEC §1).
 */
let t: NetworkHub;
let server: Server;
let organization: { id: string };
beforeAll(async () => {
  t = await startNetworkHub();
  server = t.app.listen(0, '127.0.0.1');
  organization = (await admin().post('/fhir/Organization', { resourceType: 'Organization', name: 'Target of updates' })).body;
});
afterAll(async () => {
  server.close();
  await t.close();
});

const XHTML = 'http://www.w3.org/1999/xhtml';
/** Every version ever written: unchanged means the request stored nothing. */
const versionsStored = () => t.database.db.collection('History').countDocuments();
const admin = () => t.as('hub-admin');

interface Outcome {
  resourceType: string;
  issue: { details?: { text?: string }; expression?: string[] }[];
}

/** Sends a request, expects the status with an OperationOutcome, and checks nothing was stored. */
async function refused(send: () => supertest.Test, status = 400): Promise<Outcome> {
  const before = await versionsStored();
  const res = await send();
  expect({ status: res.status, type: res.body?.resourceType }).toEqual({ status, type: 'OperationOutcome' });
  expect(await versionsStored()).toBe(before);
  return res.body as Outcome;
}

const expressions = (o: Outcome) => o.issue.flatMap((i) => i.expression ?? []);
const adminToken = () => t.token({ sub: 'hub-admin', role: 'hub-admin', scope: 'system/*.cruds user/*.cruds' });
/** The hub-admin persona without a body set yet (PersonaAgent always sends one). */
const authed = (method: 'get' | 'post' | 'put' | 'patch', url: string) => supertest(t.app)[method](url).set('Authorization', `Bearer ${adminToken()}`);
const rawJson = (method: 'post' | 'put', url: string, text: string) => () => authed(method, url).set('Content-Type', 'application/fhir+json').send(text);
const jsonPatch = (url: string, ops: unknown[]) => () => authed('patch', url).set('Content-Type', 'application/json-patch+json').send(ops);

/** Bytes exactly as given (supertest would serialise a Buffer as JSON), over a real socket. */
async function postBytes(path: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; body: Outcome }> {
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken()}`, 'Content-Type': 'application/fhir+json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as Outcome };
}

describe('wrong FHIR types are refused on every write path', () => {
  it('Consent.scope 42, provision 42, category [42] (patient registering through the portal)', async () => {
    const consent = { ...consentFor(MARIE, 'grant', { actor: 'Practitioner/gp-thomas-lambert' }), scope: 42, provision: 42, category: [42] };
    const o = await refused(() => t.as(MARIE).post('/fhir/Consent', consent));
    expect(expressions(o)).toEqual(expect.arrayContaining(['Consent.scope', 'Consent.provision', 'Consent.category[0]']));
  });

  it('Patient.gender {} and birthDate {} (a GP adding a patient)', async () => {
    const o = await refused(() => t.as('gp-anna-peeters').post('/fhir/Patient', { resourceType: 'Patient', gender: {}, birthDate: {} }));
    expect(expressions(o)).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate']));
  });

  it('an update', async () => {
    const o = await refused(() => admin().put(`/fhir/Organization/${organization.id}`, { ...organization, active: 'yes', telecom: { value: 'x' } }));
    expect(expressions(o)).toEqual(expect.arrayContaining(['Organization.active', 'Organization.telecom']));
  });

  it('the result of a patch', async () => {
    const o = await refused(jsonPatch(`/fhir/Organization/${organization.id}`, [{ op: 'add', path: '/type', value: [42] }]));
    expect(expressions(o)).toContain('Organization.type[0]');
  });

  it.each(['__proto__', 'a b', 'x'.repeat(65), 'caf\u00e9'])('an update to the id %j (not a FHIR id)', async (id) => {
    const o = await refused(() => admin().put(`/fhir/Organization/${encodeURIComponent(id)}`, { resourceType: 'Organization', id, name: 'Odd id' }));
    expect(expressions(o)).toContain('Organization.id');
  });

  it('a patch path through __proto__ reaches neither the resource nor Object.prototype', async () => {
    await refused(jsonPatch(`/fhir/Organization/${organization.id}`, [{ op: 'add', path: '/__proto__/polluted', value: 'yes' }]));
    await refused(jsonPatch(`/fhir/Organization/${organization.id}`, [{ op: 'add', path: '/_id', value: 'forged' }]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a transaction entry: the whole transaction is refused', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Organization', name: 'Valid one' }, request: { method: 'POST', url: 'Organization' } },
        { resource: { resourceType: 'Organization', name: 'Bad one', type: 42 }, request: { method: 'POST', url: 'Organization' } },
      ],
    };
    const o = await refused(() => admin().post('/fhir', bundle));
    expect(expressions(o).join()).toContain('type');
  });

  it('a batch entry: that entry is answered 400 on its own, nothing invalid stored', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Organization', name: 'Batch', active: 'yes' }, request: { method: 'POST', url: 'Organization' } },
        { resource: { resourceType: 'Patient', identifier: 'x' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Organization', name: 'Batch', alias: [{}] }, request: { method: 'PUT', url: `Organization/${organization.id}` } },
      ],
    };
    const before = await versionsStored();
    const res = await admin().post('/fhir', bundle);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['400', '400', '400']);
    expect(await versionsStored()).toBe(before);
  });

  it('operation input: a bare resource and Parameters', async () => {
    const composition = { resourceType: 'Composition', status: 'preliminary', title: 42, type: { coding: [{ system: 'http://loinc.org', code: '60591-5' }] } };
    const o = await refused(() => t.as('gp-anna-peeters').post('/fhir/Composition/$sumehr-quality', composition));
    expect(expressions(o)).toContain('Composition.title');
    await refused(() => admin().post('/fhir/Task/any/$approve', { resourceType: 'Parameters', parameter: 42 }));
  });
});

describe('keys that are not FHIR element names', () => {
  it.each([
    ['a top-level __proto__', '{"resourceType":"Organization","name":"P","__proto__":{"active":true}}', 'Organization.__proto__'],
    ['constructor', '{"resourceType":"Organization","name":"C","constructor":"x"}', 'Organization.constructor'],
    ['a top-level _id', '{"resourceType":"Organization","name":"I","_id":"forged"}', 'Organization._id'],
    ['a $ operator', '{"resourceType":"Organization","name":"D","$where":"1"}', 'Organization.$where'],
    ['a nested __proto__', '{"resourceType":"Organization","name":"N","address":[{"__proto__":{"city":"x"}}]}', 'Organization.address[0].__proto__'],
  ])('%s is a 400 naming it', async (_what, text, expression) => {
    const o = await refused(rawJson('post', '/fhir/Organization', text));
    expect(expressions(o)).toContain(expression);
  });
});

describe("narrative XHTML is FHIR's subset", () => {
  const withDiv = (div: string) => ({ resourceType: 'Organization', name: 'Narrated', text: { status: 'generated', div } });
  it.each([
    ['a script', `<div xmlns="${XHTML}"><script>alert(1)</script></div>`],
    ['an event attribute', `<div xmlns="${XHTML}"><p onclick="alert(1)">x</p></div>`],
    ['a javascript: URL', `<div xmlns="${XHTML}"><a href="  jav&#x61;script:alert(1)">x</a></div>`],
    ['an iframe', `<div xmlns="${XHTML}"><iframe src="https://evil.example"></iframe></div>`],
    ['a style with expression()', `<div xmlns="${XHTML}"><p style="width: expression(alert(1))">x</p></div>`],
    ['no XHTML namespace', '<div><p>x</p></div>'],
    ['markup that is not well-formed', `<div xmlns="${XHTML}"><p>x</div>`],
  ])('%s is a 400', async (_what, div) => {
    const o = await refused(() => admin().post('/fhir/Organization', withDiv(div)));
    expect(expressions(o)).toContain('Organization.text.div');
  });

  it('basic formatting is accepted', async () => {
    const res = await admin().post(
      '/fhir/Organization',
      withDiv(`<div xmlns="${XHTML}"><p class="x">Soins &amp; <b>suivi</b><br/><a href="https://hub.example/">lien</a></p></div>`)
    );
    expect(res.status).toBe(201);
  });
});

describe('malformed and oversized bodies are 400/413, never 500', () => {
  it.each([
    ['null', 'null'],
    ['a string', '"Organization"'],
    ['an array', '[1,2]'],
    ['"identifier": "x"', '{"resourceType":"Organization","identifier":"x"}'],
    ['a 300 KB string where an object is expected', `{"resourceType":"Organization","address":"${'x'.repeat(300 * 1024)}"}`],
    ['10,000 nested arrays', `{"resourceType":"Organization","name":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
    [
      '1,000 nested extensions',
      `{"resourceType":"Organization",${'"extension":[{"url":"https://x.example/e",'.repeat(1000)}"valueString":"x"${'}]'.repeat(1000)}}`,
    ],
    ['a string over 1 MB', `{"resourceType":"Organization","name":"${'x'.repeat(1024 * 1024 + 1)}"}`],
  ])('%s', async (_what, text) => {
    const o = await refused(rawJson('post', '/fhir/Organization', text));
    // A body that is no object at all has no path to name.
    if (text.startsWith('{')) expect(expressions(o).length).toBeGreaterThan(0);
  });

  it('the limits name the path where they were reached', async () => {
    const deep = await refused(
      rawJson('post', '/fhir/Organization', `{"resourceType":"Organization","name":"x","alias":${'['.repeat(100)}${']'.repeat(100)}}`)
    );
    expect(expressions(deep)[0]).toMatch(/^Organization\.alias(\[0\]){63}$/);
    const long = await refused(
      rawJson('post', '/fhir/Organization', `{"resourceType":"Organization","address":[{"city":"a"},{"city":"${'x'.repeat(1024 * 1024 + 1)}"}]}`)
    );
    expect(expressions(long)).toEqual(['Organization.address[1].city']);
  });

  it.each([
    ['"identifier": "x"', { resourceType: 'Patient', identifier: 'x' }],
    [
      'a top-level _id',
      {
        resourceType: 'Patient',
        _id: 'x',
        identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin', value: '85073003328' }],
      },
    ],
    ['a 300 KB string for identifier', { resourceType: 'Patient', identifier: 'x'.repeat(300 * 1024) }],
  ])('a GP adding a patient with %s', async (_what, patient) => {
    await refused(() => t.as('gp-anna-peeters').post('/fhir/Patient', patient));
  });

  it('an empty create body', async () => {
    await refused(() => authed('post', '/fhir/Organization'));
  });

  it('attachment.data may exceed 1 MB (bounded by the body limit only)', async () => {
    const doc = documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' });
    const data = Buffer.alloc(1024 * 1024, 7).toString('base64');
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', { ...doc, content: [{ attachment: { ...doc.content[0].attachment, data } }] });
    expect(res.status).toBe(201);
    await refused(() => t.as('gp-anna-peeters').post('/fhir/DocumentReference', { ...doc, description: data }));
  });

  it('Content-Encoding: gzip on a body that is not gzip is a 400; a real gzip body is read', async () => {
    const body = JSON.stringify({ resourceType: 'Organization', name: 'Zipped' });
    const before = await versionsStored();
    const plain = await postBytes('/fhir/Organization', { 'Content-Encoding': 'gzip' }, body);
    expect({ status: plain.status, type: plain.body.resourceType }).toEqual({ status: 400, type: 'OperationOutcome' });
    expect(await versionsStored()).toBe(before);
    expect((await postBytes('/fhir/Organization', { 'Content-Encoding': 'gzip' }, gzipSync(body))).status).toBe(201);
  });

  it('the 10 MB limit holds after decompression (413)', async () => {
    const bomb = gzipSync(JSON.stringify({ resourceType: 'Organization', name: 'x'.repeat(11 * 1024 * 1024) }));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await postBytes('/fhir/Organization', { 'Content-Encoding': 'gzip' }, bomb);
    expect({ status: res.status, type: res.body.resourceType }).toEqual({ status: 413, type: 'OperationOutcome' });
  });
});

describe('search input', () => {
  const many = (n: number, name: (i: number) => string) => Array.from({ length: n }, (_, i) => `${name(i)}=x`).join('&');

  it.each(['abc', '-1', '1.5', '1001', ''])('_count=%s is a 400, and the database stays connected', async (count) => {
    const res = await admin().get(`/fhir/Organization?_count=${count}`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['_count']);
    expect((await admin().get('/fhir/Organization?_count=1000')).status).toBe(200);
  });

  it('answers in French or Dutch by Accept-Language', async () => {
    const fr = await admin().get('/fhir/Organization?_count=abc').set('Accept-Language', 'fr');
    expect(fr.body.issue[0].details.text).toBe('_count doit être un entier de 0 à 1000');
    const nl = await admin().post('/fhir/Organization', { resourceType: 'Organization', active: 'yes' }).set('Accept-Language', 'nl');
    expect(nl.body.issue[0].details.text).toBe('boolean verwacht (een JSON-boolean)');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'patient.constructor', 'name:toString'])('a parameter named %s is a 400', async (name) => {
    const res = await admin().get(`/fhir/Organization?${name}=x`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it.each([
    '_include=Organization:constructor',
    '_revinclude=Patient:toString',
    '_include:iterate=Organization:__proto__',
    '_sort=-constructor',
    '_elements=__proto__',
  ])('%s (a value naming an Object.prototype member) is a 400', async (query) => {
    const res = await admin().get(`/fhir/Organization?${query}`);
    expect({ status: res.status, type: res.body.resourceType }).toEqual({ status: 400, type: 'OperationOutcome' });
  });

  it('more than 100 parameters, or 50 values of one, is a 400 (query and form)', async () => {
    expect((await admin().get(`/fhir/Organization?${many(101, (i) => `p${i}`)}`)).status).toBe(400);
    expect((await admin().get(`/fhir/Organization?name=${Array(51).fill('a').join(',')}`)).status).toBe(400);
    expect((await admin().get(`/fhir/Organization?${many(51, () => 'name')}`)).status).toBe(400);
    const form = (body: string) => authed('post', '/fhir/Organization/_search').set('Content-Type', 'application/x-www-form-urlencoded').send(body);
    expect((await form(many(101, (i) => `p${i}`))).status).toBe(400);
    expect((await form(many(1001, (i) => `p${i}`))).status).toBe(400);
    expect((await form(many(6000, () => 'name'))).status).toBe(400);
  });

  it('a form _search with 1,000 chained values is refused before any database work', async () => {
    const body = Array.from({ length: 1000 }, (_, i) => `patient.name=n${i}`).join('&');
    const res = await authed('post', '/fhir/CareTeam/_search').set('Content-Type', 'application/x-www-form-urlencoded').send(body);
    expect(res.status).toBe(400);
    const chained = Array.from({ length: 6 }, (_, i) => `patient.name=n${i}`).join('&');
    expect((await t.as('gp-anna-peeters').get(`/fhir/CareTeam?${chained}`)).status).toBe(400);
  });

  it('object or array values in a JSON _search body are a 400', async () => {
    const json = (body: unknown) =>
      authed('post', '/fhir/Organization/_search')
        .set('Content-Type', 'application/json')
        .send(body as object);
    expect((await json({ name: { $ne: 'x' } })).status).toBe(400);
    expect((await json({ name: [{ a: 1 }] })).status).toBe(400);
    expect((await json({ name: 42 })).status).toBe(400);
    expect((await json({ name: 'Hôpital' })).status).toBe(200);
  });

  it('a _search body carries no more text than a URL (its query goes to the audit trail)', async () => {
    const json = authed('post', '/fhir/Organization/_search').set('Content-Type', 'application/json');
    const long = 'x'.repeat(300 * 1024);
    expect((await json.send({ name: long, address: long, identifier: long, _id: long })).status).toBe(400);
  });

  it('a bracketed query parameter is not turned into an object', async () => {
    const res = await admin().get('/fhir/Organization?name[$ne]=x');
    expect(res.status).toBe(400);
  });

  it.each(['constructor=x', '_include=Organization:constructor', 'name=x&_count=abc'])(
    'a conditional create with If-None-Exist: %s is a 400',
    async (condition) => {
      await refused(() => admin().post('/fhir/Organization', { resourceType: 'Organization', name: 'Conditional' }).set('If-None-Exist', condition));
    }
  );

  it('an ifNoneExist of a transaction entry is held to the same limits', async () => {
    const entry = {
      resource: { resourceType: 'Organization', name: 'Conditional' },
      request: { method: 'POST', url: 'Organization', ifNoneExist: 'constructor=x' },
    };
    await refused(() => admin().post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [entry] }));
  });

  it('a GET entry of a batch is held to the same limits', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Organization?_count=abc' } }, { request: { method: 'GET', url: 'Organization?constructor=1' } }],
    };
    const res = await admin().post('/fhir', bundle);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['400', '400']);
  });
});
