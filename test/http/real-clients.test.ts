import { randomUUID } from 'node:crypto';
import type { Bundle, DocumentReference, OperationOutcome, Parameters, Patient, Resource } from '@medplum/fhirtypes';
import { Client as FhirKitClient } from 'fhir-kit-client';
import FhirClient from 'fhirclient/lib/Client';
import NodeAdapter from 'fhirclient/lib/adapters/NodeAdapter';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { documentFor, submissionSetEntry } from '../support/network';
import { startLoopbackHub, type LoopbackHub } from '../support/loopback';
import { MARIE } from '../support/personas';

/**
 * The hub driven over real HTTP by the FHIR clients applications use: SMART's `fhirclient`
 * (its Node Client, with a state holding serverUrl and a token response) and `fhir-kit-client`.
 */
let hub: LoopbackHub;
const DOCUMENTS = 7;

beforeAll(async () => {
  hub = await startLoopbackHub();
});
afterAll(async () => {
  await hub.close();
});

function smartClient(persona: string): FhirClient {
  // The Node adapter only needs a request to compute its own URL; the state carries the server and token.
  const adapter = new NodeAdapter({ request: { headers: {}, url: '/' } as IncomingMessage, response: {} as ServerResponse });
  return new FhirClient(adapter, { serverUrl: hub.baseUrl, tokenResponse: { access_token: hub.tokenOf(persona) } });
}

function kitClient(persona: string): FhirKitClient {
  return new FhirKitClient({ baseUrl: hub.baseUrl, customHeaders: { Authorization: `Bearer ${hub.tokenOf(persona)}` } });
}

/** A document Anna publishes for Marie, marked so a test finds exactly its own. */
const annasDocument = (tag: string) =>
  ({ ...documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' }), description: tag }) as unknown as DocumentReference;

/** An ITI-65 Provide Document Bundle: submission set + document. */
function provideBundle(tag: string): Bundle {
  const [setUrl, docUrl] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      submissionSetEntry(setUrl, MARIE, 'Practitioner/gp-anna-peeters', [docUrl]),
      { fullUrl: docUrl, resource: annasDocument(tag), request: { method: 'POST', url: 'DocumentReference' } },
    ],
  };
}

describe('fhirclient (SMART JavaScript client, Node)', () => {
  const tag = 'fhirclient-paging';

  it('reads, creates, and pages through a search by following next links', async () => {
    const client = smartClient('gp-anna-peeters');
    const patient = await client.request<Patient>(`Patient/${MARIE}`);
    expect(patient.id).toBe(MARIE);
    const created: DocumentReference[] = [];
    for (let i = 0; i < DOCUMENTS; i++) created.push(await client.create<DocumentReference>(annasDocument(tag) as never));
    expect(created.every((d) => d.id && d.meta?.versionId === '1')).toBe(true);

    const query = `DocumentReference?patient=${MARIE}&status=current&description=${tag}&_count=2`;
    // pageLimit 0 follows every next link; flat gives the resources of all pages in one array.
    const all = await client.request<DocumentReference[]>(query, { pageLimit: 0, flat: true });
    expect(all.map((d) => d.id).sort()).toEqual(created.map((d) => d.id).sort());
    const pages: Bundle[] = [];
    await client.request(query, { pageLimit: 0, onPage: (page) => void pages.push(page as unknown as Bundle) });
    expect(pages.map((p) => p.entry?.length)).toEqual([2, 2, 2, 1]);
  });

  it('posts a transaction (ITI-65) and calls an operation', async () => {
    const client = smartClient('gp-anna-peeters');
    const response = await client.request<Bundle>({
      url: '',
      method: 'POST',
      body: JSON.stringify(provideBundle('fhirclient-transaction')),
      headers: { 'Content-Type': 'application/fhir+json' },
    });
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status.slice(0, 3))).toEqual(['201', '201']);
    const matrix = await client.request<Parameters>('$access-matrix');
    expect(matrix.resourceType).toBe('Parameters');
    expect(matrix.parameter?.length).toBeGreaterThan(0);
  });

  it('surfaces refusals as errors carrying the OperationOutcome', async () => {
    const anna = smartClient('gp-anna-peeters');
    const doc = await anna.create<DocumentReference>(annasDocument('fhirclient-refusal') as never);
    // Thomas has no link with Marie: the document does not exist for him.
    const thomas = smartClient('gp-thomas-lambert');
    const hidden = await thomas.request(`DocumentReference/${doc.id}`).then(
      () => undefined,
      (err: Error & { status: number }) => err
    );
    expect(hidden?.status).toBe(404);
    expect(hidden?.message).toContain('"resourceType": "OperationOutcome"');
    const noStatus = await anna.request(`DocumentReference?patient=${MARIE}`).then(
      () => undefined,
      (err: Error & { status: number }) => err
    );
    expect(noStatus?.status).toBe(400);
    expect(noStatus?.message).toContain('A DocumentReference search requires status');
  });
});

describe('fhir-kit-client', () => {
  const tag = 'fhir-kit-paging';

  it('reads, creates, and pages through a search with nextPage', async () => {
    const client = kitClient('gp-anna-peeters');
    const patient = (await client.read({ resourceType: 'Patient', id: MARIE })) as Patient;
    expect(patient.id).toBe(MARIE);
    const created: string[] = [];
    for (let i = 0; i < DOCUMENTS; i++)
      created.push(((await client.create({ resourceType: 'DocumentReference', body: annasDocument(tag) as never })) as Resource).id as string);

    const ids: string[] = [];
    let page = (await client.search({
      resourceType: 'DocumentReference',
      searchParams: { patient: MARIE, status: 'current', description: tag, _count: 3 },
    })) as unknown as Bundle | undefined;
    let pages = 0;
    while (page) {
      pages++;
      ids.push(...(page.entry ?? []).map((e) => (e.resource as Resource).id as string));
      page = (await client.nextPage({ bundle: page as never })) as unknown as Bundle | undefined;
    }
    expect(pages).toBe(Math.ceil(DOCUMENTS / 3));
    expect(ids.sort()).toEqual(created.sort());
  });

  it('posts a transaction (ITI-65) and calls an operation', async () => {
    const client = kitClient('gp-anna-peeters');
    const response = (await client.transaction({ body: provideBundle('fhir-kit-transaction') as never })) as unknown as Bundle;
    expect(response.type).toBe('transaction-response');
    const docId = (response.entry?.[1].resource as Resource).id;
    expect(((await client.read({ resourceType: 'DocumentReference', id: docId as string })) as unknown as DocumentReference).description).toBe(
      'fhir-kit-transaction'
    );
    const matrix = (await client.operation({ name: '$access-matrix', method: 'GET' })) as Parameters;
    expect(matrix.resourceType).toBe('Parameters');
  });

  it('surfaces refusals as errors carrying the OperationOutcome', async () => {
    const thomas = kitClient('gp-thomas-lambert');
    const anna = kitClient('gp-anna-peeters');
    const doc = (await anna.create({ resourceType: 'DocumentReference', body: annasDocument('fhir-kit-refusal') as never })) as Resource;
    const refusal = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: { response: { status: number; data: OperationOutcome } }) => err.response
      );
    const hidden = await refusal(thomas.read({ resourceType: 'DocumentReference', id: doc.id as string }));
    expect(hidden?.status).toBe(404);
    expect(hidden?.data.resourceType).toBe('OperationOutcome');
    // Thomas may not publish for a patient he has no link with: refused, nothing stored.
    const write = await refusal(
      thomas.create({
        resourceType: 'DocumentReference',
        body: { ...annasDocument('fhir-kit-refused-write'), author: [{ reference: 'Practitioner/gp-thomas-lambert' }] } as never,
      })
    );
    expect(write?.status).toBeGreaterThanOrEqual(400);
    expect(write?.data.resourceType).toBe('OperationOutcome');
    const stored = (await anna.search({
      resourceType: 'DocumentReference',
      searchParams: { patient: MARIE, status: 'current', description: 'fhir-kit-refused-write', _summary: 'count' },
    })) as unknown as Bundle;
    expect(stored.total).toBe(0);
    const missingPatient = await refusal(anna.search({ resourceType: 'DocumentReference', searchParams: { status: 'current' } }));
    expect(missingPatient?.status).toBe(400);
    expect(missingPatient?.data.issue?.[0].expression).toEqual(['patient']);
  });
});
