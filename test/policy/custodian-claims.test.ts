/**
 * Who a professional may name as a document's custodian (SPEC §4: "the institution that keeps the
 * content"). The custodian's professionals withdraw what it keeps ($request-deletion is "author or
 * custodian", SPEC §5 "or its institution keeps"), so naming one hands it that right:
 * - a SUMEHR lives in the hub's safe: its custodian is the institution its GP acts for, or none;
 * - a document whose content is in the hub's safe (an ITI-65 Binary) likewise;
 * - a document whose content a source system keeps names that source's institution: its registered
 *   Endpoint must serve the URL (content-sources.ts), so the custodian cannot be just any institution.
 * Each attack over HTTP, with what is stored afterwards.
 */
import { randomUUID } from 'node:crypto';
import { careTeam, compositionFor, documentFor, LOINC, NETWORK_DATE, type NetworkHub, seed, startNetworkHub, submissionSetEntry } from '../support/network';
import { ANNA, MARIE, PARC, ZUID } from '../support/personas';

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
  // Hôpital du Parc admits Marie: Dr Maes, acting for Parc, reaches her record through the admission link.
  await seed(t, careTeam(MARIE, PARC, 'hospital-stay', { start: NETWORK_DATE.toISOString(), end: '2027-01-31' }, 'link-marie-parc'));
}, 120_000);
afterAll(async () => {
  await t.close();
});

const urn = () => `urn:uuid:${randomUUID()}`;
const countOf = (type: string) => t.store.count(type, { field: 'access.patient', in: [`Patient/${MARIE}`] });
const codeOf = (body: unknown) => (body as { issue?: { code?: string }[] }).issue?.[0]?.code;

/** A minimal SUMEHR document Bundle by Anna for Marie, with the custodian the test names. */
function sumehr(custodian?: string) {
  const problem = { fullUrl: urn(), resource: { resourceType: 'Condition', subject: { reference: `Patient/${MARIE}` }, code: { text: 'Asthma' } } };
  return {
    resourceType: 'Bundle',
    type: 'document',
    entry: [
      {
        fullUrl: urn(),
        resource: {
          ...compositionFor(MARIE),
          ...(custodian ? { custodian: { reference: custodian } } : {}),
          section: [{ title: 'Problems', code: { coding: [{ system: LOINC, code: '11450-4' }] }, entry: [{ reference: problem.fullUrl }] }],
        },
      },
      problem,
    ],
  };
}

/** An ITI-65 Provide Document Bundle by Anna for Marie: the content is a Binary in the hub's safe. */
function provideBundle(custodian: string | false) {
  const [setUrl, docUrl, binUrl] = [urn(), urn(), urn()];
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      submissionSetEntry(setUrl, MARIE, ANNA, [docUrl], { date: '2026-11-23T09:00:00Z' }),
      {
        fullUrl: docUrl,
        resource: { ...documentFor(MARIE, { author: ANNA, custodian }), content: [{ attachment: { url: binUrl, contentType: 'text/plain' } }] },
        request: { method: 'POST', url: 'DocumentReference' },
      },
      {
        fullUrl: binUrl,
        resource: { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from('lab result').toString('base64') },
        request: { method: 'POST', url: 'Binary' },
      },
    ],
  };
}

describe('the custodian of a SUMEHR', () => {
  it("a GP acting for no institution names Hôpital du Parc as its SUMEHR's custodian: 403, nothing stored", async () => {
    const before = await Promise.all(['DocumentReference', 'Composition', 'Condition'].map(countOf));
    const answer = await t.as('gp-anna-peeters').post('/fhir/Composition/$publish-sumehr', sumehr(PARC));
    expect(answer.status).toBe(403);
    expect(codeOf(answer.body)).toBe('forbidden');
    expect(await Promise.all(['DocumentReference', 'Composition', 'Condition'].map(countOf))).toEqual(before);
  });

  it("the same SUMEHR without a custodian is published, and Parc's physician cannot withdraw it", async () => {
    const answer = await t.as('gp-anna-peeters').post('/fhir/Composition/$publish-sumehr', sumehr());
    expect(answer.status).toBe(201);
    const id = (answer.body as { id: string }).id;
    // Dr Maes reaches Marie (admission link of Parc) and sees the SUMEHR, but neither wrote it nor keeps it.
    expect((await t.as('physician-sarah-maes').get(`/fhir/DocumentReference/${id}`)).status).toBe(200);
    const withdrawal = await t.as('physician-sarah-maes').post(`/fhir/DocumentReference/${id}/$request-deletion`, { resourceType: 'Parameters' });
    expect(withdrawal.status).toBe(403);
    expect((await t.store.readFactById('DocumentReference', id))?.r).toMatchObject({ status: 'current' });
  });
});

describe('the custodian of a document in the hub safe (ITI-65)', () => {
  it('a GP acting for no institution names Parc as custodian of its Binary: 403, nothing stored', async () => {
    const before = await Promise.all(['DocumentReference', 'List', 'Binary'].map(countOf));
    const binaries = await t.store.count('Binary', { always: true });
    const answer = await t.as('gp-anna-peeters').post('/fhir', provideBundle(PARC));
    expect(answer.status).toBe(403);
    expect(await Promise.all(['DocumentReference', 'List', 'Binary'].map(countOf))).toEqual(before);
    expect(await t.store.count('Binary', { always: true })).toBe(binaries);
  });

  it('without a custodian it is published; the hub keeps the content', async () => {
    const answer = await t.as('gp-anna-peeters').post('/fhir', provideBundle(false));
    expect(answer.status).toBe(200);
  });
});

describe('the custodian of a document a source system keeps', () => {
  it("a GP names Parc, whose registered source serves the URL: published, and Parc's physician may withdraw it (Parc keeps it)", async () => {
    const answer = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(MARIE, { author: ANNA, custodian: PARC }));
    expect(answer.status).toBe(201);
    const id = (answer.body as { id: string }).id;
    const withdrawal = await t.as('physician-sarah-maes').post(`/fhir/DocumentReference/${id}/$request-deletion`, { resourceType: 'Parameters' });
    expect(withdrawal.status).toBe(200);
    expect((await t.store.readFactById('DocumentReference', id, true))?.r).toMatchObject({ status: 'entered-in-error' });
  });

  it("a GP names Ziekenhuis Zuid as custodian of content at Parc's source: 422, nothing stored", async () => {
    const before = await countOf('DocumentReference');
    const document = { ...documentFor(MARIE, { author: ANNA, custodian: PARC }), custodian: { reference: ZUID } };
    const answer = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', document);
    expect(answer.status).toBe(422);
    expect(await countOf('DocumentReference')).toBe(before);
  });
});

describe('the institution a professional acts for', () => {
  it('Dr Maes, acting for Parc, names Parc as custodian of her own ITI-65 document in the safe: published', async () => {
    const bundle = provideBundle(PARC);
    const SARAH = 'Practitioner/physician-sarah-maes';
    const [set, doc, binary] = bundle.entry;
    const answer = await t.as('physician-sarah-maes').post('/fhir', {
      ...bundle,
      entry: [
        { ...set, resource: { ...set.resource, source: { reference: SARAH } } },
        { ...doc, resource: { ...(doc.resource as object), author: [{ reference: SARAH }] } },
        binary,
      ],
    });
    expect(answer.status).toBe(200);
  });

  it("as Marie's GP acting for Parc, she names Parc as her SUMEHR's custodian: published; another institution: 403", async () => {
    await seed(
      t,
      careTeam(MARIE, 'Practitioner/physician-sarah-maes', 'gp-long-term', { start: NETWORK_DATE.toISOString(), end: '2027-06-30' }, 'link-marie-maes')
    );
    const authored = (custodian: string) => {
      const bundle = sumehr(custodian);
      const [composition, ...rest] = bundle.entry;
      return {
        ...bundle,
        entry: [{ ...composition, resource: { ...composition.resource, author: [{ reference: 'Practitioner/physician-sarah-maes' }] } }, ...rest],
      };
    };
    expect((await t.as('physician-sarah-maes').post('/fhir/Composition/$publish-sumehr', authored(ZUID))).status).toBe(403);
    const answer = await t.as('physician-sarah-maes').post('/fhir/Composition/$publish-sumehr', authored(PARC));
    expect(answer.status).toBe(201);
    expect((answer.body as { custodian?: { reference?: string } }).custodian?.reference).toBe(PARC);
  });
});
