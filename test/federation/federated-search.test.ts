import type { Bundle, BundleEntry, DocumentReference, OperationOutcome } from '@medplum/fhirtypes';
import supertest from 'supertest';
import { personaClaims } from '../interop/loopback';
import { startFederation, type FederationUnderTest } from '../support/federation';

/** SPEC §11: a professional asks only their own hub (A), which asks the hubs holding the patient's data. */
const SSIN = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin';
const MARIE_SSIN = '84031212638';
const FEDERATED = `/fhir/DocumentReference?patient.identifier=${SSIN}|${MARIE_SSIN}&status=current&_federated=true`;

let f: FederationUnderTest;
beforeAll(async () => {
  f = await startFederation({ peerTimeoutMs: 2000 });
}, 120_000);
afterAll(async () => {
  await f?.close();
});

const asOnA = (persona: string) => ({
  get: (url: string) => supertest(f.a.app).get(url).set('Authorization', `Bearer ${f.a.token(personaClaims(persona))}`),
});
const fullUrls = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.fullUrl as string);
const outcomes = (bundle: Bundle) => (bundle.entry ?? []).filter((e: BundleEntry) => e.search?.mode === 'outcome').map((e) => (e.resource as OperationOutcome).issue?.[0]?.details?.text ?? '');

describe('federated document search', () => {
  it("a GP linked on hub A sees hub B's documents for the same patient, with their fullUrl on B, and opens one through A", async () => {
    const res = await asOnA('gp-anna-peeters').get(FEDERATED);
    expect(res.status).toBe(200);
    const urls = fullUrls(res.body);
    expect(urls).toContain(`${f.a.config.baseUrl}/DocumentReference/doc-marie-lab-2026-11`);
    expect(urls).toEqual(expect.arrayContaining([`${f.b.config.baseUrl}/DocumentReference/doc-liege-discharge-letter`, `${f.b.config.baseUrl}/DocumentReference/doc-liege-lab-2026-11`]));
    expect(outcomes(res.body)).toEqual([]);
    const letter = (res.body as Bundle).entry?.find((e) => e.fullUrl?.endsWith('/doc-liege-discharge-letter'))?.resource as DocumentReference;
    const proxied = letter.content[0].attachment.url as string;
    expect(proxied).toBe(`${f.a.config.baseUrl}/DocumentReference/doc-liege-discharge-letter/$content?peer=hub-b`);
    const content = await asOnA('gp-anna-peeters').get(proxied.slice(proxied.indexOf('/fhir/')));
    expect(content.status).toBe(200);
    expect(content.text).toContain('Discharge letter: Marie Dubois');
  });
});
