import type { AuditEvent, Bundle, BundleEntry, DocumentReference, OperationOutcome } from '@medplum/fhirtypes';
import crypto from 'node:crypto';
import fs from 'node:fs';
import supertest from 'supertest';
import { signPeerToken } from '../../src/federation/peer-token';
import { personaClaims } from '../support/network';
import { startFederation, type FederationUnderTest } from '../support/federation';
import { SSIN, NIHII_PROFESSIONAL as NIHII, SH } from '../../src/vocabulary';
import { MARIE_SSIN } from '../support/personas';

/** SPEC §11: a professional asks only their own hub (A), which asks the hubs holding the patient's data. */
const FEDERATED = `/fhir/DocumentReference?patient.identifier=${SSIN}|${MARIE_SSIN}&status=current&_federated=true`;

let f: FederationUnderTest;
beforeAll(async () => {
  f = await startFederation({ peerTimeoutMs: 2000 });
}, 120_000);
afterAll(async () => {
  await f?.close();
});

const agent = (app: FederationUnderTest['a']['app'], token: string) => ({
  get: (url: string) => supertest(app).get(url).set('Authorization', `Bearer ${token}`),
  post: (url: string, body: object) => supertest(app).post(url).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/fhir+json').send(body),
  put: (url: string, body: object) => supertest(app).put(url).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/fhir+json').send(body),
});
const asOnA = (persona: string) => agent(f.a.app, f.a.token(personaClaims(persona)));
/** Marie Dubois signing in on hub B's portal (same SSIN, her record there is `marie-dubois-liege`). */
const marieOnB = () => agent(f.b.app, f.b.token({ sub: 'marie-on-b', role: 'patient', ssin: MARIE_SSIN, scope: 'patient/*.cruds' }));
const fromB = (bundle: Bundle) =>
  fullUrls(bundle)
    .filter((u) => u.startsWith(f.b.config.baseUrl))
    .map((u) => u.split('/').pop())
    .sort();
const fromA = (bundle: Bundle) => fullUrls(bundle).filter((u) => u.startsWith(f.a.config.baseUrl));
const exclusionOf = (patient: string, nihii: string) => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: `${SH}/CodeSystem/consent-kind`, code: 'exclusion' }] }],
  patient: { reference: `Patient/${patient}` },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
  provision: {
    type: 'deny',
    actor: [
      {
        role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
        reference: { identifier: { system: NIHII, value: nihii } },
      },
    ],
  },
});
const NIHII_OF = (persona: string) => personaClaims(persona).nihii as string;
const B_DOCUMENTS = ['doc-liege-discharge-letter', 'doc-liege-lab-2026-11', 'doc-liege-psychiatric-note'];
const fullUrls = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.fullUrl as string);
const outcomes = (bundle: Bundle) =>
  (bundle.entry ?? []).filter((e: BundleEntry) => e.search?.mode === 'outcome').map((e) => (e.resource as OperationOutcome).issue?.[0]?.details?.text ?? '');

describe('federated document search', () => {
  it('the CapabilityStatements declare the federated search (hub) and the national operations (metahub)', async () => {
    const hub = (await supertest(f.a.app).get('/fhir/metadata')).body;
    const documents = hub.rest[0].resource.find((r: { type: string }) => r.type === 'DocumentReference');
    expect(documents.searchParam.map((p: { name: string }) => p.name)).toContain('_federated');
    const metahub = (await supertest(f.metahub.app).get('/fhir/metadata')).body.rest[0];
    const opsOf = (type: string) => metahub.resource.find((r: { type: string }) => r.type === type).operation.map((o: { name: string }) => o.name);
    expect(opsOf('Patient')).toEqual(expect.arrayContaining(['register-holder', 'holders']));
    expect(opsOf('Practitioner')).toContain('national-access');
    expect(metahub.operation.map((o: { name: string }) => o.name)).toContain('publish');
    // Each served with its OperationDefinition, and only where it is offered.
    const hubToken = () => signPeerToken(crypto.createPrivateKey(fs.readFileSync(f.keyFiles['hub-a'], 'utf8')), 'hub-a', { audience: 'metahub', scopes: [] });
    for (const code of ['register-holder', 'holders', 'publish', 'national-access']) {
      const definition = await supertest(f.metahub.app).get(`/fhir/OperationDefinition/${code}`).set('Authorization', `Bearer ${hubToken()}`);
      expect({ code, status: definition.status }).toEqual({ code, status: 200 });
      expect((await f.a.admin().get(`/fhir/OperationDefinition/${code}`)).status).toBe(404);
    }
  });

  it("a GP linked on hub A sees hub B's documents for the same patient, with their fullUrl on B, and opens one through A", async () => {
    const res = await asOnA('gp-anna-peeters').get(FEDERATED);
    expect(res.status).toBe(200);
    const urls = fullUrls(res.body);
    expect(urls).toContain(`${f.a.config.baseUrl}/DocumentReference/doc-marie-lab-2026-11`);
    expect(urls).toEqual(
      expect.arrayContaining([
        `${f.b.config.baseUrl}/DocumentReference/doc-liege-discharge-letter`,
        `${f.b.config.baseUrl}/DocumentReference/doc-liege-lab-2026-11`,
      ])
    );
    expect(outcomes(res.body)).toEqual([]);
    const letter = (res.body as Bundle).entry?.find((e) => e.fullUrl?.endsWith('/doc-liege-discharge-letter'))?.resource as DocumentReference;
    const proxied = letter.content[0].attachment.url as string;
    expect(proxied).toBe(`${f.a.config.baseUrl}/DocumentReference/doc-liege-discharge-letter/$content?peer=hub-b`);
    const preferred = await asOnA('gp-anna-peeters').get(FEDERATED.replace('&_federated=true', '')).set('Prefer', 'handling=strict, federated');
    expect(fullUrls(preferred.body).sort()).toEqual([...urls].sort());
    const content = await asOnA('gp-anna-peeters').get(proxied.slice(proxied.indexOf('/fhir/')));
    expect(content.status).toBe(200);
    expect(content.text).toContain('Discharge letter: Marie Dubois');
    // Both sides record it: on A, Marie's trail names what Anna received from B, and Anna's own the content she opened.
    const onB = `${f.b.config.baseUrl}/DocumentReference/doc-liege-discharge-letter`;
    const mentions = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => (e.resource as AuditEvent).entity?.some((x) => x.what?.reference === onB));
    expect(mentions((await asOnA('patient-marie-dubois').get('/fhir/AuditEvent?patient=patient-marie-dubois&_count=200')).body).length).toBeGreaterThan(0);
    const annasOwn = mentions((await asOnA('gp-anna-peeters').get('/fhir/AuditEvent?_count=200')).body).map(
      (e) => (e.resource as AuditEvent).subtype?.[0]?.display
    );
    expect(annasOwn).toContain('$content');
  });

  it('the same GP without a link sees nothing from B; once it creates a link on A, B answers at once', async () => {
    const before = await asOnA('gp-thomas-lambert').get(FEDERATED);
    expect(before.status).toBe(200);
    expect(fromB(before.body)).toEqual([]);
    expect(fromA(before.body)).toEqual([]);
    expect(outcomes(before.body)).toEqual([]);
    const link = await asOnA('gp-thomas-lambert').post('/fhir/CareTeam', {
      resourceType: 'CareTeam',
      status: 'active',
      extension: [{ url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-read' }],
      category: [{ coding: [{ system: `${SH}/CodeSystem/link-type`, code: 'referral' }] }],
      subject: { reference: 'Patient/patient-marie-dubois' },
      participant: [{ member: { reference: 'Practitioner/gp-thomas-lambert' } }],
    });
    expect(link.status).toBe(201);
    expect(fromB((await asOnA('gp-thomas-lambert').get(FEDERATED)).body)).toEqual(B_DOCUMENTS);
  });

  it("B decides with its own rules for A's professional: a nurse sees the lab result and the letter, never the psychiatric note", async () => {
    expect(fromB((await asOnA('nurse-els-goossens').get(FEDERATED)).body)).toEqual(['doc-liege-discharge-letter', 'doc-liege-lab-2026-11']);
    expect((await asOnA('nurse-els-goossens').get('/fhir/DocumentReference/doc-liege-psychiatric-note/$content?peer=hub-b')).status).toBe(404);
  });

  it("an exclusion registered on B holds when asked from A, and on A's own documents too (national exclusions)", async () => {
    expect(fromA((await asOnA('nurse-els-goossens').get(FEDERATED)).body).length).toBeGreaterThan(0);
    const excluded = await marieOnB().post('/fhir/Consent', exclusionOf('marie-dubois-liege', NIHII_OF('nurse-els-goossens')));
    expect(excluded.status).toBe(201);
    const after = await asOnA('nurse-els-goossens').get(FEDERATED);
    expect(after.status).toBe(200);
    expect(fromB(after.body)).toEqual([]);
    expect(fromA(after.body)).toEqual([]);
    expect((await asOnA('nurse-els-goossens').get('/fhir/DocumentReference/doc-marie-lab-2026-11')).status).toBe(404);
    expect((await asOnA('nurse-els-goossens').get('/fhir/DocumentReference/doc-liege-discharge-letter/$content?peer=hub-b')).status).toBe(404);
  });

  it('an exclusion registered on A holds on B: B knows it only from the metahub', async () => {
    const marieOnA = asOnA('patient-marie-dubois');
    expect((await marieOnA.post('/fhir/Consent', exclusionOf('patient-marie-dubois', NIHII_OF('gp-thomas-lambert')))).status).toBe(201);
    expect(fromB((await asOnA('gp-thomas-lambert').get(FEDERATED)).body)).toEqual([]);
  });

  it("the patient's trail on B shows the access, naming hub A (agent role hub) and the GP", async () => {
    const trail = await marieOnB().get('/fhir/AuditEvent?patient=marie-dubois-liege&_count=100');
    expect(trail.status).toBe(200);
    const events = (trail.body as Bundle).entry?.map((e) => e.resource as import('@medplum/fhirtypes').AuditEvent) ?? [];
    const byAnna = events.filter((e) => e.outcome === '0' && e.agent.some((a) => a.requestor && a.who?.identifier?.value === NIHII_OF('gp-anna-peeters')));
    expect(byAnna.length).toBeGreaterThan(0);
    const hubAgent = byAnna[0].agent.find((a) => a.who?.identifier?.value === 'hub-a');
    expect(hubAgent?.role?.[0]?.text).toBe('hub');
    expect(byAnna[0].agent.find((a) => a.requestor)?.who?.display).toBe('Anna Peeters');
    expect(byAnna.some((e) => e.entity?.some((x) => x.what?.reference === 'DocumentReference/doc-liege-discharge-letter'))).toBe(true);
  });

  it('paging a merged result: each source pages on its own; following next yields every entry once', async () => {
    const all = fullUrls((await asOnA('gp-anna-peeters').get(FEDERATED)).body).sort();
    const seen: string[] = [];
    let url: string | undefined = `${FEDERATED}&_count=1`;
    let pages = 0;
    while (url && pages < 20) {
      const page = await asOnA('gp-anna-peeters').get(url);
      expect(page.status).toBe(200);
      const entries = fullUrls(page.body);
      expect(entries.filter((u) => u.startsWith(f.a.config.baseUrl)).length).toBeLessThanOrEqual(1);
      expect(entries.filter((u) => u.startsWith(f.b.config.baseUrl)).length).toBeLessThanOrEqual(1);
      seen.push(...entries);
      const next = (page.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
      url = next ? next.slice(next.indexOf('/fhir/')) : undefined;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen.sort()).toEqual(all);
    const tampered = await asOnA('gp-anna-peeters').get(
      `/fhir/DocumentReference?_federated=true&_federated-page=${Buffer.from(JSON.stringify({ peers: { 'hub-b': 'http://attacker.example/x' } })).toString('base64url')}`
    );
    expect(tampered.status).toBe(400);
  });

  it('a revocation registered on A stops B at once', async () => {
    const marieOnA = asOnA('patient-marie-dubois');
    const consent = (await marieOnA.get('/fhir/Consent/consent-marie-dubois-hub-sharing')).body;
    const revoked = {
      ...consent,
      status: 'inactive',
      provision: { ...consent.provision, period: { ...consent.provision.period, end: new Date().toISOString() } },
    };
    expect((await marieOnA.put('/fhir/Consent/consent-marie-dubois-hub-sharing', revoked)).status).toBe(200);
    const after = await asOnA('gp-anna-peeters').get(FEDERATED);
    expect(after.status).toBe(200);
    expect(fromB(after.body)).toEqual([]);
    expect(outcomes(after.body)).toEqual([]);
    expect((await asOnA('gp-anna-peeters').get('/fhir/DocumentReference/doc-liege-discharge-letter/$content?peer=hub-b')).status).toBe(404);
  });
});
