/**
 * What a peer hub may write or call at all (SPEC §11): it asks another hub, on behalf of one of its
 * professionals, for a patient's documents, one document and its content, and nothing else. Over
 * HTTP against real hubs (hub A calling hub B, and the metahub): every write, operation, bundle and
 * other read a peer token attempts is refused and stores nothing; the professional a token names
 * is checked against what the metahub vouches for, and so is the institution it claims to act for;
 * a token is used once. The policy itself refuses a peer every write (defence in depth).
 */
import { randomUUID } from 'node:crypto';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import jwt from 'jsonwebtoken';
import supertest from 'supertest';
import { ACTIONS, CALLERS } from '../../scripts/write-matrix';
import type { Facts } from '../../src/policy/facts';
import { mayOperate } from '../../src/policy/operation-policy';
import type { Principal } from '../../src/policy/principal';
import { mayWrite } from '../../src/policy/write-policy';
import { SSIN } from '../../src/vocabulary';
import { careTeam, personaClaims, seed, SH } from '../support/network';
import { actOf, peerToken as signedPeerToken, startFederation, type FederationUnderTest } from '../support/federation';
import { MARIE, MARIE_SSIN, PARC } from '../support/personas';

const SEARCH = `/fhir/DocumentReference?patient.identifier=${SSIN}|${MARIE_SSIN}&status=current`;
const LIEGE_MARIE = 'marie-dubois-liege';
const LIEGE_DOC = 'doc-liege-lab-2026-11';
const CHU_LIEGE_NIHII = '71044455000';
const PARC_NIHII = '71012314000';

let f: FederationUnderTest;
const key = (hubId: string) => crypto.createPrivateKey(fs.readFileSync(f.keyFiles[hubId], 'utf8'));

/** A single-use peer token hub A signs for hub B (or `aud`), acting for Anna unless the test says otherwise. */
const peerToken = (overrides: Record<string, unknown> = {}) => signedPeerToken(f, overrides);

const STORED_TYPES = ['DocumentReference', 'Consent', 'CareTeam', 'Patient', 'Task', 'Composition', 'Binary', 'List', 'RelatedPerson', 'Condition'];
const storedCounts = async () => Promise.all(STORED_TYPES.map(async (type) => [type, await f.b.store.count(type, { always: true })]));
const documentsIn = (body: unknown) =>
  ((body as Bundle).entry ?? []).filter((e) => e.resource?.resourceType === 'DocumentReference').map((e) => e.resource?.id);

beforeAll(async () => {
  f = await startFederation({ peerTimeoutMs: 3000 });
}, 120_000);
afterAll(async () => {
  await f?.close();
});

describe('a peer token writes nothing and calls no operation (hub B called by hub A, acting for Anna)', () => {
  const liegeDocument = {
    resourceType: 'DocumentReference',
    status: 'current',
    subject: { reference: `Patient/${LIEGE_MARIE}` },
    author: [{ reference: `Practitioner?identifier=https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/nihdi-professional|11234578003` }],
    type: { coding: [{ system: 'http://loinc.org', code: '11502-2' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/document-class`, code: 'lab-result' }] }],
    date: '2026-11-23T08:00:00Z',
    content: [{ attachment: { url: 'https://dms.chu-liege.example/documents/x.pdf', contentType: 'application/pdf' } }],
  };
  const consent = (kind: string) => ({
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: kind }] }],
    patient: { reference: `Patient/${LIEGE_MARIE}` },
    extension: [{ url: `${SH}/StructureDefinition/consent-channel`, valueCode: 'gp' }],
    provision: { type: kind === 'exclusion' ? 'deny' : 'permit' },
  });
  const parameters = { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'peer' }] };
  const ATTEMPTS: [string, string, string, unknown?][] = [
    ['create a document', 'POST', '/fhir/DocumentReference', liegeDocument],
    ['update a document', 'PUT', `/fhir/DocumentReference/${LIEGE_DOC}`, { ...liegeDocument, id: LIEGE_DOC }],
    ['patch a document', 'PATCH', `/fhir/DocumentReference/${LIEGE_DOC}`, [{ op: 'replace', path: '/status', value: 'entered-in-error' }]],
    ['delete a document', 'DELETE', `/fhir/DocumentReference/${LIEGE_DOC}`],
    ['register a hub-sharing consent', 'POST', '/fhir/Consent', consent('hub-sharing')],
    ['record an exclusion', 'POST', '/fhir/Consent', consent('exclusion')],
    [
      'revoke the consent',
      'PUT',
      '/fhir/Consent/consent-marie-liege-hub-sharing',
      { ...consent('hub-sharing'), id: 'consent-marie-liege-hub-sharing', status: 'inactive' },
    ],
    ['open a link', 'POST', '/fhir/CareTeam', careTeam(LIEGE_MARIE, 'Practitioner/physician-julien-renard', 'referral', { start: '2026-11-23' })],
    ['end a link', 'PATCH', '/fhir/CareTeam/link-marie-liege-julien-renard', [{ op: 'replace', path: '/status', value: 'inactive' }]],
    ['add a patient', 'POST', '/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: SSIN, value: '71060505963' }] }],
    [
      'change a patient',
      'PUT',
      `/fhir/Patient/${LIEGE_MARIE}`,
      { resourceType: 'Patient', id: LIEGE_MARIE, identifier: [{ system: SSIN, value: MARIE_SSIN }] },
    ],
    ['$release', 'POST', `/fhir/DocumentReference/${LIEGE_DOC}/$release`, parameters],
    ['$request-deletion', 'POST', `/fhir/DocumentReference/${LIEGE_DOC}/$request-deletion`, parameters],
    ['$publish-sumehr', 'POST', '/fhir/Composition/$publish-sumehr', { resourceType: 'Bundle', type: 'document', entry: [] }],
    ['file a Task', 'POST', '/fhir/Task', { resourceType: 'Task', status: 'requested', intent: 'order' }],
    ['$approve a Task', 'POST', '/fhir/Task/any/$approve', parameters],
    [
      'a transaction',
      'POST',
      '/fhir',
      { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: liegeDocument, request: { method: 'POST', url: 'DocumentReference' } }] },
    ],
    ['a batch', 'POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${LIEGE_MARIE}` } }] }],
    ['a search by POST', 'POST', '/fhir/DocumentReference/_search', { patient: `Patient/${LIEGE_MARIE}` }],
    ['read the Patient', 'GET', `/fhir/Patient/${LIEGE_MARIE}`],
    ['read the consents', 'GET', `/fhir/Consent?patient=Patient/${LIEGE_MARIE}`],
    ['read the links', 'GET', '/fhir/CareTeam'],
    ['$summary', 'GET', `/fhir/Patient/${LIEGE_MARIE}/$summary`],
    ['$consent-status', 'GET', `/fhir/Patient/$consent-status?identifier=${SSIN}|${MARIE_SSIN}`],
    ['a document history', 'GET', `/fhir/DocumentReference/${LIEGE_DOC}/_history`],
    ['a Binary', 'GET', '/fhir/Binary/binary-liege-discharge-letter'],
    ['the audit trail', 'GET', '/fhir/AuditEvent'],
    ['a system search', 'GET', '/fhir?_type=Patient'],
    ['the path in lower case', 'GET', `/fhir/documentreference/${LIEGE_DOC}`],
    ['a dot segment out of DocumentReference', 'GET', `/fhir/DocumentReference/../Patient/${LIEGE_MARIE}`],
    ['an encoded slash', 'GET', `/fhir/DocumentReference/${LIEGE_DOC}%2F..%2F..%2FPatient%2F${LIEGE_MARIE}`],
    ['a double slash', 'GET', `/fhir//Patient/${LIEGE_MARIE}`],
    ['the search including the Patient and authors', 'GET', `${SEARCH}&_include=DocumentReference:subject&_include=DocumentReference:author`],
    ['the search with AuditEvents by _revinclude', 'GET', `${SEARCH}&_revinclude=AuditEvent:entity`],
    ['a document read with _include', 'GET', `/fhir/DocumentReference/${LIEGE_DOC}?_include:iterate=DocumentReference:subject`],
  ];

  // One object per attempt: jest takes a test function with more parameters than values for a `done` callback.
  const attempts = ATTEMPTS.map(([what, method, url, body]) => ({ what, method, url, body }));
  it.each(attempts)('$what ($method $url): refused with an OperationOutcome, nothing stored', async ({ method, url, body }) => {
    const before = await storedCounts();
    const document = await f.b.store.readFactById('DocumentReference', LIEGE_DOC, true);
    let request = supertest(f.b.app)[method.toLowerCase() as 'get'](url).set('Authorization', `Bearer ${peerToken()}`);
    if (body !== undefined) {
      request = request.set('Content-Type', method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json').send(body as object);
    }
    const answer = await request;
    expect([403, 404]).toContain(answer.status);
    expect((answer.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect(await storedCounts()).toEqual(before);
    expect(await f.b.store.readFactById('DocumentReference', LIEGE_DOC, true)).toEqual(document);
  });

  it('the same token shape reads what SPEC §11 gives a peer: the document search and a document', async () => {
    const search = await supertest(f.b.app).get(SEARCH).set('Authorization', `Bearer ${peerToken()}`);
    expect(search.status).toBe(200);
    expect(documentsIn(search.body)).toContain(LIEGE_DOC);
    const read = await supertest(f.b.app).get(`/fhir/DocumentReference/${LIEGE_DOC}`).set('Authorization', `Bearer ${peerToken()}`);
    expect(read.status).toBe(200);
  });

  it('the metahub takes no clinical write from a hub either: only its own operations', async () => {
    const token = () =>
      jwt.sign(
        {
          iss: 'hub-a',
          sub: 'hub-a',
          role: 'hub',
          hub_id: 'hub-a',
          aud: 'metahub',
          iat: Math.floor(Date.now() / 1000),
          exp: Math.floor(Date.now() / 1000) + 60,
          jti: randomUUID(),
          scope: 'user/*.cruds',
        },
        key('hub-a'),
        { algorithm: 'ES256', keyid: 'hub-a' }
      );
    const before = await Promise.all(STORED_TYPES.map((type) => f.metahub.store.count(type, { always: true })));
    for (const [method, url, body] of [
      ['POST', '/fhir/DocumentReference', liegeDocument],
      ['POST', '/fhir/Consent', consent('hub-sharing')],
      [
        'POST',
        '/fhir',
        { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: liegeDocument, request: { method: 'POST', url: 'DocumentReference' } }] },
      ],
      ['PUT', '/fhir/Patient/x', { resourceType: 'Patient', id: 'x' }],
      ['GET', '/fhir/DocumentReference', undefined],
    ] as [string, string, unknown][]) {
      let request = supertest(f.metahub.app)[method.toLowerCase() as 'get'](url).set('Authorization', `Bearer ${token()}`);
      if (body !== undefined) request = request.set('Content-Type', 'application/fhir+json').send(body as object);
      const answer = await request;
      expect([method, url, answer.status]).toEqual([method, url, 403]);
    }
    expect(await Promise.all(STORED_TYPES.map((type) => f.metahub.store.count(type, { always: true })))).toEqual(before);
  });
});

describe('the policy refuses a peer hub every write and operation, whatever the route lets through', () => {
  // The facts a peer call gets are those of the professional it acts for: here the patient's GP.
  const gp = CALLERS.find((c) => c.role.startsWith("patient's GP")) as { facts: Facts; principal: Principal };
  const peer: Principal = { sub: 'hub-a', role: 'hub', hubId: 'hub-a', scopes: gp.principal.scopes, actor: { ...gp.principal, role: 'practitioner' } };

  it.each(ACTIONS.map((a) => [a.name, a] as const))('%s', (_name, action) => {
    const decision = action.write
      ? mayWrite(action.write({ role: 'peer hub', principal: peer, facts: gp.facts }), gp.facts, peer)
      : mayOperate(action.operation![0], action.operation![1], gp.facts, peer);
    expect(decision.allowed).toBe(false);
  });
});

describe('who a peer token may act for', () => {
  it("hub A vouching for hub B's own professional (published by B, not by A): 403", async () => {
    const answer = await supertest(f.b.app)
      .get(SEARCH)
      .set('Authorization', `Bearer ${peerToken({ act: { sub: 'julien', nihii: '19876543004', profession: 'physician' } })}`);
    expect(answer.status).toBe(403);
    expect((answer.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it("an unlinked GP of hub A claiming to act for hub B's CHU Liège does not get CHU Liège's admission links", async () => {
    // CHU Liège (an institution of hub B) admits Marie; the link is published to the metahub by hub B.
    await seed(
      f.b,
      careTeam(LIEGE_MARIE, 'Organization/org-chu-liege', 'hospital-stay', { start: new Date().toISOString(), end: '2027-12-31' }, 'link-marie-chu-liege')
    );
    const thomas = await supertest(f.b.app)
      .get(SEARCH)
      .set('Authorization', `Bearer ${peerToken({ act: actOf('gp-thomas-lambert', { organization: CHU_LIEGE_NIHII }) })}`);
    expect(thomas.status).toBe(200);
    expect(documentsIn(thomas.body)).toEqual([]);
  });

  it('hub A does not forward an institution claim its own registry does not back (no PractitionerRole there)', async () => {
    // Hôpital du Parc (hub A) admits Marie: published by hub A, the hub that would vouch for Parc's professionals.
    await seed(f.a, careTeam(MARIE, PARC, 'hospital-stay', { start: new Date().toISOString(), end: '2027-12-31' }, 'link-marie-parc'));
    const claims = { ...personaClaims('gp-thomas-lambert'), organization: PARC_NIHII };
    // Locally the claim opens nothing: Thomas holds no role at Parc.
    const local = await supertest(f.a.app)
      .get(SEARCH)
      .set('Authorization', `Bearer ${f.a.token(claims)}`);
    expect(documentsIn(local.body)).toEqual([]);
    const federated = await supertest(f.a.app)
      .get(`${SEARCH}&_federated=true`)
      .set('Authorization', `Bearer ${f.a.token(claims)}`);
    expect(federated.status).toBe(200);
    const fromB = ((federated.body as Bundle).entry ?? []).filter((e) => (e.fullUrl ?? '').startsWith(f.b.config.baseUrl));
    expect(fromB).toEqual([]);
    const content = await supertest(f.a.app)
      .get(`/fhir/DocumentReference/${LIEGE_DOC}/$content?peer=hub-b`)
      .set('Authorization', `Bearer ${f.a.token(claims)}`);
    expect(content.status).toBe(404);
  });
});

describe('a federated search with includes', () => {
  it("asks the peers for their documents without the includes, and keeps the includes to this hub's own results", async () => {
    const answer = await supertest(f.a.app)
      .get(`${SEARCH}&_federated=true&_include=DocumentReference:subject`)
      .set('Authorization', `Bearer ${f.a.token(personaClaims('gp-anna-peeters'))}`);
    expect(answer.status).toBe(200);
    const entries = (answer.body as Bundle).entry ?? [];
    expect(entries.filter((e) => e.search?.mode === 'outcome')).toEqual([]);
    expect(entries.filter((e) => (e.fullUrl ?? '').startsWith(f.b.config.baseUrl)).map((e) => e.resource?.resourceType)).toEqual([
      'DocumentReference',
      'DocumentReference',
      'DocumentReference',
    ]);
  });
});

describe('a peer token is used once', () => {
  it('twenty concurrent uses of one token: exactly one answered', async () => {
    const token = peerToken();
    const answers = await Promise.all(Array.from({ length: 20 }, () => supertest(f.b.app).get(SEARCH).set('Authorization', `Bearer ${token}`)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(19);
  });

  it('replayed for another patient or another document: 401', async () => {
    const token = peerToken();
    expect((await supertest(f.b.app).get(SEARCH).set('Authorization', `Bearer ${token}`)).status).toBe(200);
    const other = `/fhir/DocumentReference?patient.identifier=${SSIN}|71060505963&status=current`;
    expect((await supertest(f.b.app).get(other).set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await supertest(f.b.app).get(`/fhir/DocumentReference/${LIEGE_DOC}`).set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });
});
