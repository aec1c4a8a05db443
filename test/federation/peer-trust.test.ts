import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import supertest from 'supertest';
import { signPeerToken } from '../../src/federation/peer-token';
import { personaClaims } from '../support/network';
import { actOf, peerToken as signedPeerToken, startFederation, type FederationUnderTest } from '../support/federation';
import { SSIN } from '../../src/vocabulary';
import { MARIE_SSIN } from '../support/personas';

/** SPEC §11 trust and faults: forged, replayed or over-reaching peer tokens; peers that fail, stall, babble or flood. */
const SEARCH = `/fhir/DocumentReference?patient.identifier=${SSIN}|${MARIE_SSIN}&status=current`;
const FAKE_PEERS = ['hub-slow', 'hub-garbage', 'hub-huge'];

let f: FederationUnderTest;
const key = (hubId: string) => crypto.createPrivateKey(fs.readFileSync(f.keyFiles[hubId], 'utf8'));
const anna = () => personaClaims('gp-anna-peeters');

/** A peer token as hub A would sign it, with claims (or the key) changed by the test. */
const peerToken = (overrides: Record<string, unknown> = {}, signer = 'hub-a', kid = 'hub-a') => signedPeerToken(f, overrides, signer, kid);
const onB = (token: string, url = SEARCH) => supertest(f.b.app).get(url).set('Authorization', `Bearer ${token}`);
const isOutcomeOnly = (body: unknown) => (body as OperationOutcome).resourceType === 'OperationOutcome';

beforeAll(async () => {
  f = await startFederation({ peerTimeoutMs: 3000, extraPeers: FAKE_PEERS });
  // Fake peers, played by the test: one never answers, one answers garbage, one an endless body.
  f.listeners['hub-slow'].serve(() => undefined);
  f.listeners['hub-garbage'].serve((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end('{"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": 42}]}')
  );
  f.listeners['hub-huge'].serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
    const chunk = `{"fullUrl":"x","resource":{"resourceType":"Basic","id":"${'x'.repeat(60_000)}"}},`;
    let sent = 0;
    const pump = (): void => {
      while (sent < 200 && res.write(chunk)) sent++;
      if (sent < 200) res.once('drain', pump);
      else res.end('{}]}');
    };
    pump();
  });
  for (const id of FAKE_PEERS) {
    const token = signPeerToken(key(id), id, { audience: 'metahub', scopes: [] });
    const registered = await supertest(f.metahub.app)
      .post('/fhir/Patient/$register-holder')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'identifier', valueIdentifier: { system: SSIN, value: MARIE_SSIN } }] });
    expect(registered.status).toBe(200);
  }
}, 120_000);
afterAll(async () => {
  await f?.close();
});

describe('peer tokens (hub B receiving a call from hub A)', () => {
  it("a well-formed token is answered with B's own decision, once: a replay is refused", async () => {
    const token = peerToken();
    const first = await onB(token);
    expect(first.status).toBe(200);
    expect((first.body as Bundle).total).toBe(3);
    const replay = await onB(token);
    expect(replay.status).toBe(401);
    expect(replay.body.issue[0].details.text).toBe('Peer token already used');
  });

  it('forged tokens: wrong signature, audience, issuer, expired, long-lived, without kid → 401 and nothing else', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      ['signed by B with kid hub-a', peerToken({}, 'hub-b', 'hub-a')],
      ['audience metahub', peerToken({ aud: 'metahub' })],
      ['issuer hub-b', peerToken({ iss: 'hub-b' })],
      ['hub_id hub-b', peerToken({ hub_id: 'hub-b' })],
      ['expired', peerToken({ iat: now - 200, exp: now - 100 })],
      ['valid for an hour', peerToken({ exp: now + 3600 })],
      ['unknown kid', peerToken({}, 'hub-a', 'hub-z')],
      ['no jti', peerToken({ jti: undefined })],
    ];
    for (const [what, token] of cases) {
      const res = await onB(token);
      expect([what, res.status]).toEqual([what, 401]);
      expect(isOutcomeOnly(res.body)).toBe(true);
      expect(res.headers['www-authenticate']).toMatch(/Bearer/);
    }
  });

  it('act naming an unknown or inactive professional, a patient, or nobody → 403; a user-issuer token with role hub → 401', async () => {
    const cases: [string, string, number][] = [
      ['unknown NIHII', peerToken({ act: { ...actOf('gp-anna-peeters'), nihii: '99999999999' } }), 403],
      ['junior awaiting accreditation', peerToken({ act: actOf('junior-lisa-vermeulen') }), 403],
      ['registered with another profession', peerToken({ act: { ...actOf('gp-anna-peeters'), profession: 'pharmacist' } }), 403],
      ['a patient', peerToken({ act: { sub: 'marie', role: 'patient', ssin: MARIE_SSIN } }), 403],
      ['a hub-admin', peerToken({ act: { sub: 'admin', role: 'hub-admin' } }), 403],
      ['nobody', peerToken({ act: undefined }), 403],
      [
        "B's own user issuer",
        f.b.token({ sub: 'peer', role: 'hub', hub_id: 'hub-a', scope: 'user/*.rs', act: { ...actOf('gp-anna-peeters'), role: 'practitioner' } }),
        401,
      ],
    ];
    for (const [what, token, status] of cases) {
      const res = await onB(token);
      expect([what, res.status]).toEqual([what, status]);
      expect(isOutcomeOnly(res.body)).toBe(true);
    }
  });

  it('a peer reads documents only: writes and other resources are 403; a peer call is never federated further', async () => {
    const write = await supertest(f.b.app)
      .post('/fhir/Consent')
      .set('Authorization', `Bearer ${peerToken()}`)
      .set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Consent' });
    expect(write.status).toBe(403);
    expect((await onB(peerToken(), '/fhir/Patient?identifier=' + encodeURIComponent(`${SSIN}|${MARIE_SSIN}`))).status).toBe(403);
    expect((await onB(peerToken(), '/fhir/AuditEvent')).status).toBe(403);
    expect((await onB(peerToken(), `${SEARCH}&_federated=true`)).status).toBe(403);
  });

  it('the metahub serves hubs only: a user token is refused, and so is a hub token for another audience', async () => {
    const holders = `/fhir/Patient/$holders?identifier=${SSIN}|${MARIE_SSIN}`;
    expect((await supertest(f.metahub.app).get(holders).set('Authorization', `Bearer ${f.metahub.adminToken}`)).status).toBe(401);
    expect(
      (
        await supertest(f.metahub.app)
          .get(holders)
          .set('Authorization', `Bearer ${peerToken({ act: undefined })}`)
      ).status
    ).toBe(401);
    const answer = await supertest(f.metahub.app)
      .get(holders)
      .set('Authorization', `Bearer ${signPeerToken(key('hub-a'), 'hub-a', { audience: 'metahub', scopes: [] })}`);
    expect(answer.status).toBe(200);
    expect((answer.body as Bundle).entry?.map((e) => e.resource?.id).sort()).toEqual(['hub-a', 'hub-b', ...FAKE_PEERS].sort());
  });
});

describe('faulty peers', () => {
  const warnings = (bundle: Bundle) =>
    (bundle.entry ?? []).filter((e: BundleEntry) => e.search?.mode === 'outcome').map((e) => (e.resource as OperationOutcome).issue?.[0]?.details?.text ?? '');
  const search = () =>
    supertest(f.a.app)
      .get(`${SEARCH}&_federated=true`)
      .set('Authorization', `Bearer ${f.a.token(anna())}`);

  it('a slow, a garbage and a flooding peer are cut off, each named in an outcome entry; the others answer', async () => {
    const res = await search();
    expect(res.status).toBe(200);
    const texts = warnings(res.body);
    expect(texts).toHaveLength(3);
    expect(texts.find((t) => t.includes('hub-slow'))).toMatch(/did not answer within 3000 ms/);
    expect(texts.find((t) => t.includes('hub-garbage'))).toMatch(/malformed entries/);
    expect(texts.find((t) => t.includes('hub-huge'))).toMatch(/larger than/);
    const urls = (res.body as Bundle).entry?.map((e) => e.fullUrl ?? '') ?? [];
    expect(urls.filter((u) => u.startsWith(f.b.config.baseUrl))).toHaveLength(3);
    expect(urls.filter((u) => u.startsWith(f.a.config.baseUrl)).length).toBeGreaterThan(0);
    expect((res.body as Bundle).total).toBeUndefined();
  });

  it("hub B down: A answers its own results and a warning naming B, never a 5xx; B's content reads 502", async () => {
    await f.listeners['hub-b'].close();
    const res = await search();
    expect(res.status).toBe(200);
    expect(warnings(res.body).find((t) => t.includes('hub-b'))).toMatch(/could not be reached/);
    const urls = (res.body as Bundle).entry?.map((e) => e.fullUrl ?? '') ?? [];
    expect(urls.some((u) => u.startsWith(f.a.config.baseUrl))).toBe(true);
    expect(urls.some((u) => u.startsWith(f.b.config.baseUrl))).toBe(false);
    const content = await supertest(f.a.app)
      .get('/fhir/DocumentReference/doc-liege-discharge-letter/$content?peer=hub-b')
      .set('Authorization', `Bearer ${f.a.token(anna())}`);
    expect(content.status).toBe(502);
  });

  it("metahub down: A's professionals get 503 with Retry-After (national consents cannot be checked), never data", async () => {
    await f.listeners.metahub.close();
    const res = await supertest(f.a.app)
      .get(`/fhir/DocumentReference/doc-marie-lab-2026-11`)
      .set('Authorization', `Bearer ${f.a.token(anna())}`);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});
