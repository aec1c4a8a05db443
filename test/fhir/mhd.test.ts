import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { documentFor, SH, startNetworkHub, submissionSetEntry, type NetworkHub } from '../support/network';
import { MARIE, LUC } from '../support/personas';

/** IHE MHD (SPEC §8): ITI-65 Provide Document Bundle and ITI-67 Find Document References. */
let t: NetworkHub;
const MARIE_SSIN = 'https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin|84031212638';

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

const urn = () => `urn:uuid:${randomUUID()}`;

/** An ITI-65 bundle as an MHD Document Source sends it: submission set, one document, its content. */
function provideBundle(options: { patient?: string; author?: string; marker?: string } = {}) {
  const patient = options.patient ?? MARIE;
  const author = options.author ?? 'Practitioner/gp-anna-peeters';
  const marker = options.marker ?? randomUUID();
  const [setUrl, docUrl, binUrl] = [urn(), urn(), urn()];
  // The content is in the hub's safe: a GP acting for no institution names no custodian (SPEC §4).
  const doc = documentFor(patient, { author, cls: 'lab-result', custodian: false });
  return {
    urls: { setUrl, docUrl, binUrl },
    marker,
    bundle: {
      resourceType: 'Bundle',
      type: 'transaction',
      meta: { profile: ['https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.ProvideBundle'] },
      entry: [
        submissionSetEntry(setUrl, patient, author, [docUrl], {
          identifier: [
            { use: 'official', system: 'urn:ietf:rfc:3986', value: `urn:oid:1.2.3.${Date.now()}` },
            { use: 'usual', system: 'urn:ietf:rfc:3986', value: setUrl },
          ],
          date: '2026-11-23T09:00:00Z',
        }),
        {
          fullUrl: docUrl,
          resource: {
            ...doc,
            masterIdentifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${marker}` },
            content: [{ attachment: { url: binUrl, contentType: 'text/plain', creation: '2026-11-22T08:00:00Z' } }],
          },
          request: { method: 'POST', url: 'DocumentReference' },
        },
        {
          fullUrl: binUrl,
          resource: { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from('potassium 4.1 mmol/L').toString('base64') },
          request: { method: 'POST', url: 'Binary' },
        },
      ] as { fullUrl: string; resource: Record<string, unknown>; request: { method: string; url: string } }[],
    },
  };
}

const stored = async (marker: string) =>
  (await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=${MARIE}&status=current&identifier=urn:ietf:rfc:3986|urn:uuid:${marker}&_summary=count`))
    .body.total;

describe('ITI-65 Provide Document Bundle', () => {
  it('stores submission set, document and content together, with references resolved and answers in request order', async () => {
    const { bundle, marker } = provideBundle();
    // The Binary first: the hub still stages its document before it (its access comes from it).
    bundle.entry = [bundle.entry[2], bundle.entry[0], bundle.entry[1]];
    const res = await t.as('gp-anna-peeters').post('/fhir', bundle);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['201', '201', '201']);
    const [binary, list, doc] = res.body.entry.map((e: { resource: { resourceType: string; id: string } }) => e.resource);
    expect([binary.resourceType, list.resourceType, doc.resourceType]).toEqual(['Binary', 'List', 'DocumentReference']);
    expect(doc.content[0].attachment.url).toBe(`Binary/${binary.id}`);
    expect(list.entry[0].item.reference).toBe(`DocumentReference/${doc.id}`);
    expect(binary.securityContext.reference).toBe(`DocumentReference/${doc.id}`);
    expect(await stored(marker)).toBe(1);
    // Read back under the same policy: the linked GP sees all three, a GP without a link none.
    for (const r of [binary, list, doc]) {
      expect((await t.as('gp-anna-peeters').get(`/fhir/${r.resourceType}/${r.id}`)).status).toBe(200);
      expect((await t.as('gp-thomas-lambert').get(`/fhir/${r.resourceType}/${r.id}`)).status).toBe(404);
    }
  });

  it('is all or nothing under the policy: a professional without a link stores nothing', async () => {
    const { bundle, marker } = provideBundle({ author: 'Practitioner/gp-thomas-lambert' });
    const res = await t.as('gp-thomas-lambert').post('/fhir', bundle);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await stored(marker)).toBe(0);
  });

  it("refuses a submission set that does not list the bundle's documents (400, nothing stored)", async () => {
    const { bundle, marker } = provideBundle();
    (bundle.entry[0].resource as { entry: unknown[] }).entry = [];
    const res = await t.as('gp-anna-peeters').post('/fhir', bundle).set('Accept-Language', 'fr');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.entry']);
    expect(res.body.issue[0].details.text).toBe('Le submission set doit lister chaque DocumentReference du bundle, et seulement celles-ci');
    expect(await stored(marker)).toBe(0);
  });

  it("refuses documents about another patient than the submission set, and Binaries that are no document's content", async () => {
    const other = provideBundle();
    other.bundle.entry[1].resource = { ...other.bundle.entry[1].resource, subject: { reference: `Patient/${LUC}` } };
    const mixed = await t.as('gp-anna-peeters').post('/fhir', other.bundle);
    expect(mixed.status).toBe(400);
    expect(mixed.body.issue[0].expression).toEqual(['Bundle.entry[1].resource.subject']);

    const stray = provideBundle();
    stray.bundle.entry[1].resource = { ...stray.bundle.entry[1].resource, content: [{ attachment: { url: 'https://lab.example/r/9' } }] };
    const res = await t.as('gp-anna-peeters').post('/fhir', stray.bundle);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[2].resource']);
    expect(await stored(other.marker)).toBe(0);
    expect(await stored(stray.marker)).toBe(0);
  });

  it('refuses two submission sets in one bundle', async () => {
    const { bundle } = provideBundle();
    bundle.entry.push({ ...bundle.entry[0], fullUrl: urn() });
    const res = await t.as('gp-anna-peeters').post('/fhir', bundle);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[3].resource']);
  });
});

describe('ITI-67 Find Document References', () => {
  beforeAll(async () => {
    const { bundle } = provideBundle({ marker: 'iti67-doc' });
    expect((await t.as('gp-anna-peeters').post('/fhir', bundle)).status).toBe(200);
  });

  it("requires the patient and the status (400 with the parameter named, in the caller's language)", async () => {
    const noPatient = await t.as('gp-anna-peeters').get('/fhir/DocumentReference?status=current').set('Accept-Language', 'nl');
    expect(noPatient.status).toBe(400);
    expect(noPatient.body.issue[0].expression).toEqual(['patient']);
    expect(noPatient.body.issue[0].details.text).toBe('Een zoekopdracht naar DocumentReference vereist de patiënt (patient of patient.identifier)');
    const noStatus = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=${MARIE}`).set('Accept-Language', 'fr');
    expect(noStatus.status).toBe(400);
    expect(noStatus.body.issue[0].expression).toEqual(['status']);
    expect(noStatus.body.issue[0].details.text).toBe('Une recherche de DocumentReference exige status (par exemple status=current)');
    for (const q of [
      'patient:missing=false&status=current',
      'patient:not=x&status=current',
      `subject=Group/g1&status=current`,
      `patient=${MARIE}&status:missing=false`,
      '',
    ]) {
      expect([q, (await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?${q}`)).status]).toEqual([q, 400]);
    }
  });

  it('accepts patient, patient.identifier, patient:identifier and a subject naming a Patient', async () => {
    for (const q of [`patient=${MARIE}`, `patient.identifier=${MARIE_SSIN}`, `subject=Patient/${MARIE}`]) {
      const res = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?${q}&status=current&identifier=urn:ietf:rfc:3986|urn:uuid:iti67-doc`);
      expect([q, res.status, res.body.total]).toEqual([q, 200, 1]);
    }
    // `:identifier` matches the logical identifier written in the document's subject reference (none here).
    const logical = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient:identifier=${MARIE_SSIN}&status=current`);
    expect([logical.status, logical.body.total]).toEqual([200, 0]);
  });

  it('holds in POST _search and in batch entries too', async () => {
    const form = await t
      .as('gp-anna-peeters')
      .post('/fhir/DocumentReference/_search', undefined)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`patient=${MARIE}`);
    expect(form.status).toBe(400);
    const batch = await t.as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: `DocumentReference?patient=${MARIE}` } },
        { request: { method: 'GET', url: `DocumentReference?patient=${MARIE}&status=current` } },
      ],
    });
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['400', '200']);
  });

  it('supports every MHD ITI-67 parameter', async () => {
    const base = `DocumentReference?patient=${MARIE}&status=current&identifier=urn:ietf:rfc:3986|urn:uuid:iti67-doc`;
    const matching = [
      'date=ge2026-11-01',
      'author.given=Anna',
      'author.family=Peeters',
      `category=${SH}/CodeSystem/document-class|lab-result`,
      'type=http://loinc.org|11502-2',
      'creation=ge2026-11-22',
      'security-label:not=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|V',
    ];
    for (const p of matching) {
      const res = await t.as('gp-anna-peeters').get(`/fhir/${base}&${p}`);
      expect([p, res.status, res.body.total]).toEqual([p, 200, 1]);
    }
    const other = [
      'setting=http://snomed.info/sct|408443003',
      'period=ge2026-01-01',
      'facility=http://snomed.info/sct|22232009',
      'event=http://loinc.org|1',
      'format=urn:ihe:iti:xds:2017:mimeTypeSufficient',
      'related=Encounter/e1',
      'creation=lt2026-11-22',
      'author.family=Lambert',
    ];
    for (const p of other) {
      const res = await t.as('gp-anna-peeters').get(`/fhir/${base}&${p}`);
      expect([p, res.status, res.body.total]).toEqual([p, 200, 0]);
    }
  });

  it("evaluates author chains under the caller's policy", async () => {
    // Thomas sees no document of Marie: naming her documents' author finds nothing for him either.
    const res = await t.as('gp-thomas-lambert').get(`/fhir/DocumentReference?patient=${MARIE}&status=current&author.given=Anna&_summary=count`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
  });
});

describe('the CapabilityStatement declares the MHD actors', () => {
  it('instantiates Document Recipient and Document Responder and lists creation', async () => {
    const metadata = await supertest(t.app).get('/fhir/metadata');
    expect(metadata.body.instantiates).toEqual([
      'https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentRecipient',
      'https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentResponder',
    ]);
    expect(metadata.body.implementationGuide).toContain('https://profiles.ihe.net/ITI/MHD/ImplementationGuide/ihe.iti.mhd');
    const docRef = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'DocumentReference');
    expect(docRef.searchParam.find((p: { name: string }) => p.name === 'creation').definition).toBe(`${SH}/SearchParameter/DocumentReference-creation`);
    const creation = await t.as('gp-anna-peeters').get('/fhir/SearchParameter/DocumentReference-creation');
    expect(creation.body.derivedFrom).toBe('https://profiles.ihe.net/ITI/MHD/SearchParameter/DocumentReference-Creation');
  });
});
