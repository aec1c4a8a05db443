/**
 * A red-team pass of the write side (SPEC §1, §4, §5 "Writes and operations"), as a hostile but
 * authenticated client of the demo network: writes whose body and URL name different patients,
 * patches that move what nobody moves, conditional writes searching another patient, bundles that
 * tie patients together by urn:uuid, contained resources, operations by the wrong caller, and a
 * request that reads what it just wrote. Each test asserts the safe answer over HTTP and what is
 * really stored afterwards (read past the policy).
 */
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { compositionFor, documentFor, NETWORK_DATE, type NetworkHub, personaClaims, startNetworkHub } from '../support/network';
import { makeSsin } from '../../src/fhir/belgian-identifiers';
import { ANNA, LUC, LUCAS, MARIE } from '../support/personas';

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
}, 120_000);
afterAll(async () => {
  await t.close();
});

const THOMAS = 'Practitioner/gp-thomas-lambert';
const urn = () => `urn:uuid:${randomUUID()}`;

function as(persona: string) {
  const auth = `Bearer ${t.token(personaClaims(persona))}`;
  const agent = supertest(t.app);
  const json = (request: supertest.Test, body: unknown, headers: Record<string, string>) =>
    request
      .set('Authorization', auth)
      .set('Content-Type', 'application/fhir+json')
      .set(headers)
      .send(body as object);
  return {
    get: (url: string) => agent.get(url).set('Authorization', auth),
    post: (url: string, body: unknown, headers: Record<string, string> = {}) => json(agent.post(url), body, headers),
    put: (url: string, body: unknown, headers: Record<string, string> = {}) => json(agent.put(url), body, headers),
    patch: (url: string, body: unknown, headers: Record<string, string> = {}) =>
      agent
        .patch(url)
        .set('Authorization', auth)
        .set('Content-Type', 'application/json-patch+json')
        .set(headers)
        .send(body as object),
    delete: (url: string, headers: Record<string, string> = {}) => agent.delete(url).set('Authorization', auth).set(headers),
  };
}

/** A document authored by the caller, created over HTTP. */
async function documentOf(persona: string, patient: string, author: string, options: Parameters<typeof documentFor>[1] = {}): Promise<string> {
  const created = await as(persona).post('/fhir/DocumentReference', documentFor(patient, { author, ...options }));
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

/** The current stored version of a resource, read past the policy (deleted ones included). */
async function storedVersion(type: string, id: string): Promise<{ v: number; r: Record<string, unknown> } | undefined> {
  const doc = await t.store.readFactById(type, id, true);
  return doc ? { v: doc.v, r: doc.r as unknown as Record<string, unknown> } : undefined;
}

const subjectOf = async (id: string) => ((await storedVersion('DocumentReference', id))?.r.subject as { reference?: string } | undefined)?.reference;
const countOf = async (type: string, patient: string) => t.store.count(type, { field: 'access.patient', in: [`Patient/${patient}`] });
const codeOf = (body: unknown) => (body as { issue?: { code?: string }[] }).issue?.[0]?.code;
const entryStatuses = (body: unknown) => ((body as { entry?: { response?: { status?: string } }[] }).entry ?? []).map((e) => e.response?.status);

describe('a write whose body names one patient and whose URL names another', () => {
  it("a PUT on another patient's document naming a patient the caller reaches: 404 as for a missing id, nothing changes", async () => {
    const marieDoc = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const before = await storedVersion('DocumentReference', marieDoc);
    // Thomas reaches Luc, not Marie: the URL's document is hidden from him, whatever his body says.
    const hidden = await as('gp-thomas-lambert').put(`/fhir/DocumentReference/${marieDoc}`, documentFor(LUC, { author: THOMAS, id: marieDoc }));
    const missing = await as('gp-thomas-lambert').put('/fhir/DocumentReference/no-such-doc', documentFor(LUC, { author: THOMAS, id: 'no-such-doc' }));
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(codeOf(hidden.body)).toBe(codeOf(missing.body));
    expect(await storedVersion('DocumentReference', marieDoc)).toEqual(before);
    expect(await storedVersion('DocumentReference', 'no-such-doc')).toBeUndefined();
  });

  it('a PUT whose body id differs from the URL id is a 400 and touches neither', async () => {
    const [a, b] = [await documentOf('gp-anna-peeters', MARIE, ANNA), await documentOf('gp-anna-peeters', LUCAS, ANNA)];
    const [beforeA, beforeB] = [await storedVersion('DocumentReference', a), await storedVersion('DocumentReference', b)];
    const answer = await as('gp-anna-peeters').put(`/fhir/DocumentReference/${a}`, documentFor(LUCAS, { author: ANNA, id: b }));
    expect(answer.status).toBe(400);
    expect([await storedVersion('DocumentReference', a), await storedVersion('DocumentReference', b)]).toEqual([beforeA, beforeB]);
  });

  it('a PATCH moving a stored Patient reference into the subject (move, copy) is refused; the subject stays', async () => {
    // Anna reaches Lucas: a document of Marie may name him in its context.
    const created = await as('gp-anna-peeters').post('/fhir/DocumentReference', {
      ...documentFor(MARIE, { author: ANNA }),
      context: { related: [{ reference: `Patient/${LUCAS}` }] },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    for (const op of [
      { op: 'move', from: '/context/related/0', path: '/subject' },
      { op: 'copy', from: '/context/related/0', path: '/subject' },
    ]) {
      const answer = await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, [op]);
      expect({ op: op.op, status: answer.status }).toEqual({ op: op.op, status: 403 });
      expect(await subjectOf(id)).toBe(`Patient/${MARIE}`);
    }
  });

  it("a PATCH copying a text onto a reference is decided as with the full facts: another patient's document the caller sees may be named", async () => {
    const lucasDoc = await documentOf('gp-anna-peeters', LUCAS, ANNA);
    const marieDoc = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const created = await as('gp-anna-peeters').post('/fhir/DocumentReference', {
      ...documentFor(MARIE, { author: ANNA }),
      description: `DocumentReference/${lucasDoc}`,
      relatesTo: [{ code: 'appends', target: { reference: `DocumentReference/${marieDoc}` } }],
    });
    const id = (created.body as { id: string }).id;
    // A reference to a document Anna sees (SPEC §5) is accepted when set directly, so when copied too.
    const copied = await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, [
      { op: 'copy', from: '/description', path: '/relatesTo/0/target/reference' },
    ]);
    expect(copied.status).toBe(200);
    // A hidden one is refused either way, as a missing one is.
    const lucDoc = await documentOf('gp-thomas-lambert', LUC, THOMAS);
    const again = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const hidden = await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, [
      { op: 'replace', path: '/relatesTo/0/target/reference', value: `DocumentReference/${again}` },
      { op: 'replace', path: '/description', value: `DocumentReference/${lucDoc}` },
      { op: 'copy', from: '/description', path: '/relatesTo/0/target/reference' },
    ]);
    expect(hidden.status).toBe(400);
    expect(((await storedVersion('DocumentReference', id))?.r.relatesTo as { target: { reference: string } }[])[0].target.reference).toBe(
      `DocumentReference/${lucasDoc}`
    );
  });

  it('a conditional update matching a document of another patient moves nothing; one matching a hidden document does not reach it', async () => {
    const marieDoc = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const before = await storedVersion('DocumentReference', marieDoc);
    const moved = await as('gp-anna-peeters').put(`/fhir/DocumentReference?_id=${marieDoc}`, documentFor(LUCAS, { author: ANNA }));
    expect(moved.status).toBe(403);
    expect(await storedVersion('DocumentReference', marieDoc)).toEqual(before);
    // Thomas's search cannot see Marie's document: no match, so at most a new document of his own for Luc.
    const blind = await as('gp-thomas-lambert').put(`/fhir/DocumentReference?_id=${marieDoc}`, documentFor(LUC, { author: THOMAS }));
    expect([201, 400, 404]).toContain(blind.status);
    if (blind.status === 201) expect((blind.body as { id: string }).id).not.toBe(marieDoc);
    expect(await storedVersion('DocumentReference', marieDoc)).toEqual(before);
  });

  it('If-Match on a hidden document answers as on a missing one (404, not 412); odd If-Match values are no 500', async () => {
    const marieDoc = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const before = await storedVersion('DocumentReference', marieDoc);
    const patch = [{ op: 'add', path: '/description', value: 'x' }];
    for (const ifMatch of ['W/"1"', 'W/"2"', '*', 'W/"abc"', '"1"', 'W/""']) {
      const hidden = await as('gp-thomas-lambert').patch(`/fhir/DocumentReference/${marieDoc}`, patch, { 'If-Match': ifMatch });
      const missing = await as('gp-thomas-lambert').patch('/fhir/DocumentReference/no-such-doc', patch, { 'If-Match': ifMatch });
      expect({ ifMatch, hidden: hidden.status }).toEqual({ ifMatch, hidden: missing.status });
      expect(hidden.status).toBeLessThan(500);
      const put = (id: string) =>
        as('gp-thomas-lambert').put(`/fhir/DocumentReference/${id}`, documentFor(MARIE, { author: THOMAS, id }), { 'If-Match': ifMatch });
      expect({ ifMatch, put: (await put(marieDoc)).status }).toEqual({ ifMatch, put: (await put('no-such-doc')).status });
      const del = (id: string) => as('gp-thomas-lambert').delete(`/fhir/DocumentReference/${id}`, { 'If-Match': ifMatch });
      expect({ ifMatch, del: (await del(marieDoc)).status }).toEqual({ ifMatch, del: (await del('no-such-doc')).status });
      // The author's own odd If-Match: a 4xx at worst, never a 500.
      const own = await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${marieDoc}`, [{ op: 'test', path: '/status', value: 'nope' }], {
        'If-Match': ifMatch,
      });
      expect({ ifMatch, own: own.status < 500 }).toEqual({ ifMatch, own: true });
    }
    expect(await storedVersion('DocumentReference', marieDoc)).toEqual(before);
  });
});

describe('bundles that tie patients together', () => {
  it('a transaction whose List of an unreached patient lists a new document of a reached one (urn:uuid) stores nothing', async () => {
    const [listUrl, docUrl] = [urn(), urn()];
    const [beforeMarie, beforeLuc] = [await countOf('DocumentReference', MARIE), await countOf('List', LUC)];
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: docUrl, resource: documentFor(MARIE, { author: ANNA }), request: { method: 'POST', url: 'DocumentReference' } },
        {
          fullUrl: listUrl,
          resource: {
            resourceType: 'List',
            status: 'current',
            mode: 'working',
            subject: { reference: `Patient/${LUC}` },
            source: { reference: ANNA },
            entry: [{ item: { reference: docUrl } }],
          },
          request: { method: 'POST', url: 'List' },
        },
      ],
    };
    const answer = await as('gp-anna-peeters').post('/fhir', bundle);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect([await countOf('DocumentReference', MARIE), await countOf('List', LUC)]).toEqual([beforeMarie, beforeLuc]);
  });

  it('a document of a reached patient appending (urn:uuid) to a new document of an unreached one: nothing stored', async () => {
    const lucUrl = urn();
    const [beforeMarie, beforeLuc] = [await countOf('DocumentReference', MARIE), await countOf('DocumentReference', LUC)];
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: lucUrl, resource: documentFor(LUC, { author: ANNA }), request: { method: 'POST', url: 'DocumentReference' } },
        {
          fullUrl: urn(),
          resource: { ...documentFor(MARIE, { author: ANNA }), relatesTo: [{ code: 'appends', target: { reference: lucUrl } }] },
          request: { method: 'POST', url: 'DocumentReference' },
        },
      ],
    };
    const answer = await as('gp-anna-peeters').post('/fhir', bundle);
    expect(answer.status).toBe(400);
    expect([await countOf('DocumentReference', MARIE), await countOf('DocumentReference', LUC)]).toEqual([beforeMarie, beforeLuc]);
  });

  it("a plain create for one patient next to a conditional create searching another patient's hidden document: the hidden one is neither found nor told", async () => {
    const lucDoc = await documentOf('gp-thomas-lambert', LUC, THOMAS);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: urn(), resource: documentFor(MARIE, { author: ANNA }), request: { method: 'POST', url: 'DocumentReference' } },
        {
          fullUrl: urn(),
          resource: documentFor(MARIE, { author: ANNA }),
          request: { method: 'POST', url: 'DocumentReference', ifNoneExist: `_id=${lucDoc}` },
        },
      ],
    };
    const answer = await as('gp-anna-peeters').post('/fhir', bundle);
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).not.toContain(lucDoc);
    expect(entryStatuses(answer.body)).toEqual(['201', '201']);
    // The same conditional entry naming Luc itself: refused, nothing stored for Luc.
    const before = await countOf('DocumentReference', LUC);
    const toLuc = {
      ...bundle,
      entry: [bundle.entry[0], { ...bundle.entry[1], resource: documentFor(LUC, { author: ANNA }) }],
    };
    const refused = await as('gp-anna-peeters').post('/fhir', toLuc);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).not.toContain(lucDoc);
    expect(await countOf('DocumentReference', LUC)).toBe(before);
  });

  it('PATCH entries of a bundle (a Binary or Parameters body) are held to the same rules: no move, no 500 on a malformed patch', async () => {
    const id = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const before = await storedVersion('DocumentReference', id);
    const binaryPatch = (ops: unknown) => ({
      resourceType: 'Binary',
      contentType: 'application/json-patch+json',
      data: Buffer.from(JSON.stringify(ops)).toString('base64'),
    });
    const bodies = [
      binaryPatch([{ op: 'replace', path: '/subject/reference', value: `Patient/${LUCAS}` }]),
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'operation',
            part: [
              { name: 'op', valueCode: 'replace' },
              { name: 'path', valueString: '/subject/reference' },
              { name: 'value', valueString: JSON.stringify(`Patient/${LUCAS}`) },
            ],
          },
        ],
      },
      binaryPatch([{ op: 'add', path: '/__proto__/polluted', value: 'yes' }]),
      binaryPatch([{ op: 'add', path: '/constructor/prototype/polluted', value: 'yes' }]),
      binaryPatch({ not: 'an array' }),
      { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from('{not json').toString('base64') },
      { resourceType: 'Binary', contentType: 'application/json-patch+json' },
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'operation',
            part: [
              { name: 'op', valueCode: 'add' },
              { name: 'path', valueString: '/description' },
              { name: 'value', valueString: '{not json' },
            ],
          },
        ],
      },
      { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'path', valueString: '/description' }] }] },
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'operation',
            part: [
              { name: 'op', valueCode: 'add' },
              { name: 'path', valueString: '/description' },
              { name: 'value', valueInteger: 1 },
            ],
          },
        ],
      },
      binaryPatch([{ op: 'add', path: '/_id', value: 'x' }]),
      // Decoded values never met the body's limits: nested far deeper than 64, or a string over 1 MB.
      {
        resourceType: 'Binary',
        contentType: 'application/json-patch+json',
        data: Buffer.from(`[{"op":"add","path":"/description","value":${'['.repeat(20000)}${']'.repeat(20000)}}]`).toString('base64'),
      },
      {
        resourceType: 'Binary',
        contentType: 'application/json-patch+json',
        data: Buffer.from(`[{"op":"add","path":"/extension","value":[${'{"url":"x","extension":['.repeat(3000)}${']}'.repeat(3000)}]}]`).toString('base64'),
      },
      binaryPatch([{ op: 'add', path: '/description', value: 'x'.repeat(2_000_000) }]),
      binaryPatch([{ op: 'add', path: '/$where', value: 'x' }]),
    ];
    for (const [i, resource] of bodies.entries()) {
      for (const type of ['batch', 'transaction']) {
        const answer = await as('gp-anna-peeters').post('/fhir', {
          resourceType: 'Bundle',
          type,
          entry: [{ resource, request: { method: 'PATCH', url: `DocumentReference/${id}` } }],
        });
        const statuses = [answer.status, ...entryStatuses(answer.body).map(Number)];
        expect({ i, type, fine: statuses.every((s) => s < 500) }).toEqual({ i, type, fine: true });
        // Refused: the transaction as a whole, or the batch's one entry.
        const refused = type === 'batch' ? entryStatuses(answer.body).map(Number) : [answer.status];
        expect({ i, type, refused: refused.every((s) => s >= 400) }).toEqual({ i, type, refused: true });
      }
    }
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(await storedVersion('DocumentReference', id)).toEqual(before);
  });
});

describe('writes that would change who sees a document', () => {
  it('a document whose subject is a contained Patient is refused, nothing stored', async () => {
    const before = await t.store.count('DocumentReference', { always: true });
    const answer = await as('gp-anna-peeters').post('/fhir/DocumentReference', {
      ...documentFor(MARIE, { author: ANNA }),
      contained: [
        {
          resourceType: 'Patient',
          id: 'p1',
          identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin', value: '84031212638' }],
        },
      ],
      subject: { reference: '#p1' },
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(await t.store.count('DocumentReference', { always: true })).toBe(before);
  });

  it('a document whose author is a contained Practitioner is refused (the caller must be the author), nothing stored', async () => {
    const before = await countOf('DocumentReference', MARIE);
    const answer = await as('gp-anna-peeters').post('/fhir/DocumentReference', {
      ...documentFor(MARIE, {}),
      contained: [{ resourceType: 'Practitioner', id: 'a1', name: [{ family: 'Peeters' }] }],
      author: [{ reference: '#a1' }],
    });
    expect(answer.status).toBe(403);
    expect(await countOf('DocumentReference', MARIE)).toBe(before);
  });

  it('a contained grant or link inside a document opens nothing to the professional it names', async () => {
    const answer = await as('gp-anna-peeters').post('/fhir/DocumentReference', {
      ...documentFor(MARIE, { author: ANNA }),
      contained: [
        {
          resourceType: 'Consent',
          id: 'g1',
          status: 'active',
          scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
          category: [{ coding: [{ system: 'https://sharehub.example/fhir/CodeSystem/consent-kind', code: 'grant' }] }],
          patient: { reference: `Patient/${MARIE}` },
          provision: { type: 'permit', actor: [{ role: { coding: [{ code: 'IRCP' }] }, reference: { reference: THOMAS } }] },
        },
        {
          resourceType: 'CareTeam',
          id: 'l1',
          status: 'active',
          subject: { reference: `Patient/${MARIE}` },
          participant: [{ member: { reference: THOMAS } }],
        },
      ],
    });
    expect(answer.status).toBeLessThan(500);
    expect((await as('gp-thomas-lambert').get(`/fhir/Patient/${MARIE}`)).status).toBe(404);
    if (answer.status === 201) expect((await as('gp-thomas-lambert').get(`/fhir/DocumentReference/${(answer.body as { id: string }).id}`)).status).toBe(404);
  });

  it('a professional cannot name another professional co-author of its document, and so let them in without a link', async () => {
    const before = await countOf('DocumentReference', MARIE);
    const coAuthored = await as('gp-anna-peeters').post('/fhir/DocumentReference', {
      ...documentFor(MARIE, { author: ANNA }),
      author: [{ reference: ANNA }, { reference: THOMAS }],
    });
    expect(coAuthored.status).toBe(403);
    // Nor through a submission set's source, which stands as its author.
    const listed = await as('gp-anna-peeters').post('/fhir/List', {
      resourceType: 'List',
      status: 'current',
      mode: 'working',
      subject: { reference: `Patient/${MARIE}` },
      source: { reference: THOMAS },
    });
    expect(listed.status).toBe(403);
    expect(await countOf('DocumentReference', MARIE)).toBe(before);
    expect((await as('gp-thomas-lambert').get(`/fhir/DocumentReference?patient=${MARIE}&status=current`)).body.total ?? 0).toBe(0);
  });

  it("a professional publishing for its institution names only that institution's professionals as authors", async () => {
    const SOFIA = 'patient-sofia-rossi';
    const before = await countOf('DocumentReference', SOFIA);
    // Koen acts for Ziekenhuis Zuid (its admission link reaches Sofia); Thomas has nothing to do with Zuid nor Sofia.
    const forZuid = (author: string) => documentFor(SOFIA, { author, custodian: 'Organization/org-ziekenhuis-zuid' });
    expect((await as('physician-koen-wouters').post('/fhir/DocumentReference', forZuid(THOMAS))).status).toBe(403);
    expect(await countOf('DocumentReference', SOFIA)).toBe(before);
    expect((await as('gp-thomas-lambert').get(`/fhir/DocumentReference?patient=${SOFIA}&status=current`)).body.total ?? 0).toBe(0);
    // Its own professionals it publishes for, itself included.
    expect((await as('physician-koen-wouters').post('/fhir/DocumentReference', forZuid('Practitioner/physician-koen-wouters'))).status).toBe(201);
  });

  it('its author cannot hand a document to another custodian; a co-professional cannot relabel it', async () => {
    const id = await documentOf('gp-anna-peeters', MARIE, ANNA, { label: 'R' });
    const before = await storedVersion('DocumentReference', id);
    const current = before?.r as Record<string, unknown>;
    // Another custodian would bring its own release defaults and its professionals acting for it.
    const away = await as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, { ...current, custodian: { reference: 'Organization/org-ziekenhuis-zuid' } });
    expect(away.status).toBe(403);
    const patched = await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, [{ op: 'remove', path: '/custodian' }]);
    expect(patched.status).toBe(403);
    // The nurse linked to Marie is neither author nor custodian: no relabelling to N.
    const relabel = await as('nurse-els-goossens').put(`/fhir/DocumentReference/${id}`, { ...current, securityLabel: [] });
    expect([403, 404]).toContain(relabel.status);
    const unlabel = await as('nurse-els-goossens').patch(`/fhir/DocumentReference/${id}`, [{ op: 'remove', path: '/securityLabel' }]);
    expect([403, 404]).toContain(unlabel.status);
    expect(await storedVersion('DocumentReference', id)).toEqual(before);
  });

  it('a link holder cannot add a second professional to its link or move it to another patient', async () => {
    const link = 'link-marie-dubois-anna-peeters';
    const current = (await storedVersion('CareTeam', link))?.r as Record<string, unknown> & { participant: unknown[] };
    const before = await storedVersion('CareTeam', link);
    const plusOne = await as('gp-anna-peeters').put(`/fhir/CareTeam/${link}`, {
      ...current,
      participant: [...current.participant, { member: { reference: THOMAS } }],
    });
    expect(plusOne.status).toBe(422);
    const moved = await as('gp-anna-peeters').put(`/fhir/CareTeam/${link}`, { ...current, subject: { reference: `Patient/${LUCAS}` } });
    expect(moved.status).toBe(403);
    expect(await storedVersion('CareTeam', link)).toEqual(before);
    expect((await as('gp-thomas-lambert').get(`/fhir/Patient/${MARIE}`)).status).toBe(404);
  });
});

describe('admission links of an institution that has not accepted the privacy policy', () => {
  it('neither its admin nor a physician acting for it opens one (422, nothing stored); its existing one it may still end', async () => {
    const stay = {
      resourceType: 'CareTeam',
      status: 'active',
      extension: [{ url: 'https://sharehub.example/fhir/StructureDefinition/link-proof', valueCode: 'hospital-admission' }],
      category: [{ coding: [{ system: 'https://sharehub.example/fhir/CodeSystem/link-type', code: 'hospital-stay' }] }],
      subject: { reference: `Patient/${MARIE}` },
      participant: [{ member: { reference: 'Organization/org-ziekenhuis-zuid' } }],
    };
    const before = await countOf('CareTeam', MARIE);
    for (const persona of ['zuid-admin', 'physician-koen-wouters']) {
      const answer = await as(persona).post('/fhir/CareTeam', stay);
      expect({ persona, status: answer.status }).toEqual({ persona, status: 422 });
    }
    expect(await countOf('CareTeam', MARIE)).toBe(before);
    expect((await as('physician-koen-wouters').get('/fhir/DocumentReference/doc-marie-lab-2026-11')).status).toBe(404);
    // Renewing its fixture link with Sofia is opening it anew: refused; discharging her is not.
    const sofia = (await storedVersion('CareTeam', 'link-sofia-rossi-ziekenhuis-zuid'))?.r as Record<string, unknown> & { period: object };
    expect(
      (await as('zuid-admin').put('/fhir/CareTeam/link-sofia-rossi-ziekenhuis-zuid', { ...sofia, period: { ...sofia.period, end: undefined } })).status
    ).toBe(422);
    const discharged = await as('zuid-admin').put('/fhir/CareTeam/link-sofia-rossi-ziekenhuis-zuid', {
      ...sofia,
      status: 'inactive',
      period: { ...sofia.period, end: NETWORK_DATE.toISOString() },
    });
    expect(discharged.status).toBe(200);
  });
});

describe('what is kept from the caller in its own audit events', () => {
  it('a professional reads the decision entities kept from it (SPEC §7) neither by a PATCH test op (or its error text) nor by vread or history', async () => {
    const persona = 'nurse-els-goossens';
    expect((await as(persona).get('/fhir/DocumentReference/doc-marie-lab-2026-10')).status).toBe(200);
    const events = await as(persona).get('/fhir/AuditEvent?_count=50');
    const event = (events.body as { entry: { resource: { id: string; entity?: { what?: { reference?: string } }[] } }[] }).entry
      .map((e) => e.resource)
      .find((r) => (r.entity ?? []).some((e) => e.what?.reference === 'DocumentReference/doc-marie-lab-2026-10'));
    expect(event).toBeDefined();
    const seen = JSON.stringify(event);
    // What the decision rested on (the patient's consent, the nurse's link): kept from the nurse.
    const hidden = ['Consent/consent-marie-dubois-hub-sharing', 'CareTeam/link-marie-dubois-els-goossens'];
    expect(hidden.some((h) => seen.includes(h))).toBe(false);
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      for (const value of [...hidden, 'DocumentReference/none']) {
        const probe = await as(persona).patch(`/fhir/AuditEvent/${event!.id}`, [{ op: 'test', path: `/entity/${i}/what/reference`, value }]);
        const text = JSON.stringify(probe.body);
        expect({ i, value, leaks: hidden.some((h) => text.includes(h) && h !== value) }).toEqual({ i, value, leaks: false });
        answers.add(`${i}:${value === 'DocumentReference/none' ? 'dummy' : 'hidden'}:${probe.status}`);
      }
    }
    // A value the nurse guesses right answers as a wrong one: nothing tells them apart.
    for (let i = 0; i < 6; i++) {
      const statuses = [...answers].filter((a) => a.startsWith(`${i}:`)).map((a) => a.split(':')[2]);
      expect({ i, distinct: new Set(statuses).size }).toEqual({ i, distinct: 1 });
    }
    // Nor do its older versions, read one by one or as a history.
    for (const url of [`/fhir/AuditEvent/${event!.id}/_history/1`, `/fhir/AuditEvent/${event!.id}/_history`, '/fhir/AuditEvent/_history']) {
      const read = await as(persona).get(url);
      expect({ url, status: read.status }).toEqual({ url, status: 200 });
      expect({ url, leaks: hidden.some((h) => JSON.stringify(read.body).includes(h)) }).toEqual({ url, leaks: false });
    }
  });
});

describe('what a trusted person and the patient may not write', () => {
  it('a trusted person (not a parent) decides nothing in the record they read: no revocation, no link end, no grant, no trusted person', async () => {
    const consent = await storedVersion('Consent', 'consent-sofia-rossi-hub-sharing');
    const link = await storedVersion('CareTeam', 'link-sofia-rossi-ahmed-benali');
    const paolo = as('trusted-paolo-rossi');
    const answers = [
      (await paolo.patch('/fhir/Consent/consent-sofia-rossi-hub-sharing', [{ op: 'replace', path: '/status', value: 'inactive' }])).status,
      (await paolo.patch('/fhir/CareTeam/link-sofia-rossi-ahmed-benali', [{ op: 'replace', path: '/status', value: 'inactive' }])).status,
      (
        await paolo.post('/fhir/RelatedPerson', {
          resourceType: 'RelatedPerson',
          patient: { reference: 'Patient/patient-sofia-rossi' },
          identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin', value: '84031212638' }],
        })
      ).status,
    ];
    expect(answers).toEqual([403, 403, 403]);
    expect(await storedVersion('Consent', 'consent-sofia-rossi-hub-sharing')).toEqual(consent);
    expect(await storedVersion('CareTeam', 'link-sofia-rossi-ahmed-benali')).toEqual(link);
  });

  it('the patient changes neither the release of a document she does not see yet (404) nor one she sees (403)', async () => {
    const unreleased = await documentOf('gp-anna-peeters', MARIE, ANNA, { release: { rule: 'never' } });
    const released = await documentOf('gp-anna-peeters', MARIE, ANNA, { release: { rule: 'immediate' } });
    const open = [{ op: 'replace', path: '/extension/0/extension/0/valueCode', value: 'immediate' }];
    const before = [await storedVersion('DocumentReference', unreleased), await storedVersion('DocumentReference', released)];
    expect((await as('patient-marie-dubois').patch(`/fhir/DocumentReference/${unreleased}`, open)).status).toBe(404);
    expect((await as('patient-marie-dubois').patch(`/fhir/DocumentReference/${released}`, open)).status).toBe(403);
    expect([await storedVersion('DocumentReference', unreleased), await storedVersion('DocumentReference', released)]).toEqual(before);
    // A FHIRPath Patch (Parameters) sent as a request body is not a JSON Patch: 400, never a 500.
    const fhirPathPatch = await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${released}`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }] }],
    });
    expect(fhirPathPatch.status).toBe(400);
  });
});

describe('who a trusted person is', () => {
  it('a child under 16 cannot turn the parent named by the parental grant into a stranger, who would then act as the parent', async () => {
    const lucas = `Bearer ${t.token({ sub: 'lucas', role: 'patient', ssin: '16051400374', scope: 'patient/*.rs patient/Consent.cu patient/CareTeam.u patient/RelatedPerson.cu' })}`;
    const strangerSsin = makeSsin('1980-02-02', 55);
    const stranger = `Bearer ${t.token({ sub: 'stranger', role: 'patient', ssin: strangerSsin, scope: 'patient/*.rs patient/Consent.cu' })}`;
    const mother = 'relatedperson-marie-dubois-mother-of-lucas';
    const before = await storedVersion('RelatedPerson', mother);
    const repointed = await supertest(t.app)
      .put(`/fhir/RelatedPerson/${mother}`)
      .set('Authorization', lucas)
      .set('Content-Type', 'application/fhir+json')
      .send({ ...(before?.r as object), identifier: [{ system: 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin', value: strangerSsin }] });
    expect(repointed.status).toBe(403);
    expect(await storedVersion('RelatedPerson', mother)).toEqual(before);
    expect((await supertest(t.app).get(`/fhir/Patient/${LUCAS}`).set('Authorization', stranger)).status).toBe(404);
  });

  it('an adult patient cannot make her trusted person a parent, nor someone else, by editing it: a new person takes a new grant', async () => {
    const sofia = as('patient-sofia-rossi');
    const paolo = await storedVersion('RelatedPerson', 'relatedperson-paolo-rossi');
    const asMother = { ...(paolo?.r as object), relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }] };
    expect((await sofia.put('/fhir/RelatedPerson/relatedperson-paolo-rossi', asMother)).status).toBe(403);
    expect(
      (await sofia.patch('/fhir/RelatedPerson/relatedperson-paolo-rossi', [{ op: 'replace', path: '/identifier/0/value', value: makeSsin('1980-02-02', 56) }]))
        .status
    ).toBe(403);
    expect(await storedVersion('RelatedPerson', 'relatedperson-paolo-rossi')).toEqual(paolo);
    // What does not change who the person is stays hers to edit.
    expect(
      (
        await sofia.patch('/fhir/RelatedPerson/relatedperson-paolo-rossi', [
          { op: 'add', path: '/telecom', value: [{ system: 'phone', value: '+32 2 111 11 11' }] },
        ])
      ).status
    ).toBe(200);
  });
});

describe("writes to a patient's identity", () => {
  it("the child's GP cannot move the child's birth date, which decides when the parent's grant ends (SPEC §4)", async () => {
    const before = await storedVersion('Patient', LUCAS);
    expect((await as('patient-marie-dubois').get(`/fhir/Patient/${LUCAS}`)).status).toBe(200);
    // Lucas made an adult: his mother would be shut out; the reverse would let a parent into a grown child's record.
    const older = await as('gp-anna-peeters').patch(`/fhir/Patient/${LUCAS}`, [{ op: 'replace', path: '/birthDate', value: '2000-01-01' }]);
    expect(older.status).toBe(403);
    const put = await as('gp-anna-peeters').put(`/fhir/Patient/${LUCAS}`, { ...(before?.r as object), birthDate: '2000-01-01' });
    expect(put.status).toBe(403);
    const removed = await as('gp-anna-peeters').patch(`/fhir/Patient/${LUCAS}`, [{ op: 'remove', path: '/birthDate' }]);
    expect(removed.status).toBe(403);
    expect(await storedVersion('Patient', LUCAS)).toEqual(before);
    expect((await as('patient-marie-dubois').get(`/fhir/Patient/${LUCAS}`)).status).toBe(200);
    // Other demographics stay the GP's to correct.
    const phone = await as('gp-anna-peeters').patch(`/fhir/Patient/${LUCAS}`, [
      { op: 'add', path: '/telecom', value: [{ system: 'phone', value: '+32 2 000 00 00' }] },
    ]);
    expect(phone.status).toBe(200);
  });
});

describe('operations by a caller who may not run them', () => {
  const awaitingRelease = () => documentOf('gp-anna-peeters', MARIE, ANNA, { release: { rule: 'on-physician-release' } });

  it('$release and $request-deletion: the patient, administrators, a non-author nurse and a stranger change nothing', async () => {
    const id = await awaitingRelease();
    const before = await storedVersion('DocumentReference', id);
    const attempts: [string, string, number[]][] = [
      ['patient-marie-dubois', '$release', [403, 404]],
      ['patient-marie-dubois', '$request-deletion', [403, 404]],
      ['hub-admin', '$release', [403, 404]],
      ['hub-admin', '$request-deletion', [403, 404]],
      ['hopital-du-parc-admin', '$request-deletion', [403, 404]],
      ['parc-medical-director', '$release', [403, 404]],
      ['nurse-els-goossens', '$request-deletion', [403]],
      ['nurse-els-goossens', '$release', [403]],
      ['gp-thomas-lambert', '$request-deletion', [404]],
      ['gp-thomas-lambert', '$release', [404]],
      ['physician-koen-wouters', '$release', [404]],
    ];
    for (const [persona, operation, expected] of attempts) {
      const answer = await as(persona).post(`/fhir/DocumentReference/${id}/${operation}`, {});
      expect({ persona, operation, ok: expected.includes(answer.status) }).toEqual({ persona, operation, ok: true });
    }
    expect(await storedVersion('DocumentReference', id)).toEqual(before);
    // Without an instance, or with another method: no 500, nothing changes.
    for (const [method, url] of [
      ['post', '/fhir/DocumentReference/$release'],
      ['get', `/fhir/DocumentReference/${id}/$release`],
      ['post', `/fhir/Composition/${id}/$release`],
    ] as const) {
      const answer = method === 'get' ? await as('gp-anna-peeters').get(url) : await as('gp-anna-peeters').post(url, {});
      expect({ url, ok: answer.status >= 400 && answer.status < 500 }).toEqual({ url, ok: true });
    }
    expect(await storedVersion('DocumentReference', id)).toEqual(before);
  });

  it('a withdrawn document stays withdrawn: no $release, PUT, PATCH or second withdrawal brings it back', async () => {
    const id = await awaitingRelease();
    expect((await as('gp-anna-peeters').post(`/fhir/DocumentReference/${id}/$request-deletion`, {})).status).toBe(200);
    const withdrawn = await storedVersion('DocumentReference', id);
    expect(withdrawn?.r.status).toBe('entered-in-error');
    const revived = { ...(withdrawn?.r as Record<string, unknown>), status: 'current' };
    const answers = [
      (await as('gp-anna-peeters').post(`/fhir/DocumentReference/${id}/$release`, {})).status,
      (await as('gp-anna-peeters').put(`/fhir/DocumentReference/${id}`, revived)).status,
      (await as('gp-anna-peeters').patch(`/fhir/DocumentReference/${id}`, [{ op: 'replace', path: '/status', value: 'current' }])).status,
      (await as('gp-anna-peeters').post(`/fhir/DocumentReference/${id}/$request-deletion`, {})).status,
      (await as('physician-sarah-maes').put(`/fhir/DocumentReference/${id}`, revived)).status,
    ];
    expect(answers).toEqual([404, 404, 404, 404, 404]);
    expect(await storedVersion('DocumentReference', id)).toEqual(withdrawn);
  });

  it("$sumehr-quality and $publish-sumehr of another's patient: 404 or 403, nothing published", async () => {
    const sumehrs = await t.store.count('Composition', { field: 'access.patient', in: [`Patient/${MARIE}`] });
    expect((await as('gp-thomas-lambert').post('/fhir/Composition/sumehr-marie-2026-11-composition/$sumehr-quality', {})).status).toBe(404);
    const composition = {
      ...compositionFor(MARIE),
      section: [],
    };
    const bundle = { resourceType: 'Bundle', type: 'document', entry: [{ fullUrl: urn(), resource: composition }] };
    // Naming Anna as author does not make the caller Anna; the patient, the nurse and a stranger publish nothing.
    for (const persona of ['patient-marie-dubois', 'nurse-els-goossens', 'gp-thomas-lambert', 'hub-admin']) {
      const answer = await as(persona).post('/fhir/Composition/$publish-sumehr', bundle);
      expect({ persona, status: answer.status }).toEqual({ persona, status: 403 });
    }
    // The patient's GP herself cannot name a co-author, who would read the SUMEHR without a link.
    const coAuthored = { ...bundle, entry: [{ fullUrl: urn(), resource: { ...composition, author: [{ reference: ANNA }, { reference: THOMAS }] } }] };
    expect((await as('gp-anna-peeters').post('/fhir/Composition/$publish-sumehr', coAuthored)).status).toBe(403);
    expect(await t.store.count('Composition', { field: 'access.patient', in: [`Patient/${MARIE}`] })).toBe(sumehrs);
  });
});

describe('a request that reads what it has just written', () => {
  it('a batch withdrawing a document then reading it gets 404: the read is not answered from the copy read before the write', async () => {
    const id = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      // The batch engine runs operations before reads, whatever the order of the entries.
      entry: [
        { request: { method: 'GET', url: `DocumentReference/${id}` } },
        { resource: { resourceType: 'Parameters' }, request: { method: 'POST', url: `DocumentReference/${id}/$request-deletion` } },
      ],
    };
    const answer = await as('gp-anna-peeters').post('/fhir', bundle);
    expect(answer.status).toBe(200);
    expect(entryStatuses(answer.body)).toEqual(['404', '200']);
  });

  it('a batch deleting a document then reading it gets 410; one relabelling it V then read by itself sees the new label', async () => {
    const id = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const deleted = await as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `DocumentReference/${id}` } }, { request: { method: 'DELETE', url: `DocumentReference/${id}` } }],
    });
    expect(entryStatuses(deleted.body)).toEqual(['410', '200']);
    const other = await documentOf('gp-anna-peeters', MARIE, ANNA);
    const current = (await storedVersion('DocumentReference', other))?.r as Record<string, unknown>;
    const relabelled = await as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: `DocumentReference/${other}` } },
        {
          resource: { ...current, securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] }] },
          request: { method: 'PUT', url: `DocumentReference/${other}` },
        },
      ],
    });
    expect(entryStatuses(relabelled.body)).toEqual(['200', '200']);
    const read = (relabelled.body as { entry: { resource?: { securityLabel?: { coding?: { code?: string }[] }[] } }[] }).entry[0].resource;
    expect(read?.securityLabel?.[0]?.coding?.[0]?.code).toBe('V');
    // The nurse linked to Marie no longer sees it.
    expect((await as('nurse-els-goossens').get(`/fhir/DocumentReference/${other}`)).status).toBe(404);
  });

  it("a batch ending the caller's own link then reading the patient's record: the read is decided without that link", async () => {
    const link = 'link-marie-dubois-els-goossens';
    const current = (await storedVersion('CareTeam', link))?.r as Record<string, unknown>;
    const answer = await as('nurse-els-goossens').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'DocumentReference/doc-marie-lab-2026-11' } },
        { resource: { ...current, status: 'inactive' }, request: { method: 'PUT', url: `CareTeam/${link}` } },
      ],
    });
    expect(entryStatuses(answer.body)).toEqual(['404', '200']);
    expect((await as('nurse-els-goossens').get('/fhir/DocumentReference/doc-marie-lab-2026-11')).status).toBe(404);
  });

  it('a batch ending the GP link then releasing a document of that patient: no longer the attending physician, nothing released', async () => {
    const id = await documentOf('gp-anna-peeters', LUCAS, ANNA, { release: { rule: 'on-physician-release' } });
    const before = await storedVersion('DocumentReference', id);
    const link = 'link-lucas-dubois-anna-peeters';
    const current = (await storedVersion('CareTeam', link))?.r as Record<string, unknown>;
    const answer = await as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Parameters' }, request: { method: 'POST', url: `DocumentReference/${id}/$release` } },
        { resource: { ...current, status: 'inactive' }, request: { method: 'PUT', url: `CareTeam/${link}` } },
      ],
    });
    // Her own document stays visible to her (author), but she no longer attends the patient.
    expect(entryStatuses(answer.body)).toEqual(['403', '200']);
    expect(await storedVersion('DocumentReference', id)).toEqual(before);
  });
});
