/**
 * SUMEHR (SPEC §4): publication by the patient's GP with its DocumentReference in one commit,
 * superseding, quality warnings, patient access rules, and the emergency `$summary`.
 */
import { randomUUID } from 'node:crypto';
import { careTeam, compositionFor, LOINC, NETWORK_DATE, type NetworkHub, seed, startNetworkHub } from '../support/network';
import { SH } from '../../src/vocabulary';
import { MARIE, SOFIA } from '../support/personas';

const DAY = 86_400_000;

type Entry = { fullUrl: string; resource: Record<string, unknown> };
const section = (code: string, entries: Entry[]) => ({
  title: code,
  code: { coding: [{ system: LOINC, code }] },
  entry: entries.map((e) => ({ reference: e.fullUrl })),
});

/** A SUMEHR document Bundle as a GP's software would send it to `$publish-sumehr`. */
function sumehrBundle(patient: string, author: string, options: { rule?: string; withoutProblems?: boolean; otherPatientEntry?: boolean } = {}) {
  const subject = { reference: `Patient/${options.otherPatientEntry ? SOFIA : patient}` };
  const entry = (resource: Record<string, unknown>): Entry => ({ fullUrl: `urn:uuid:${randomUUID()}`, resource });
  const problem = entry({
    resourceType: 'Condition',
    subject,
    code: { text: 'Type 2 diabetes' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  });
  const history = entry({ resourceType: 'Condition', subject: { reference: `Patient/${patient}` }, code: { text: 'Appendectomy (2004)' } });
  const allergy = entry({
    resourceType: 'AllergyIntolerance',
    patient: { reference: `Patient/${patient}` },
    code: { text: 'Penicillin' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  });
  const treatment = entry({
    resourceType: 'MedicationStatement',
    status: 'active',
    subject: { reference: `Patient/${patient}` },
    medicationCodeableConcept: { text: 'Metformin 850 mg' },
  });
  const vaccine = entry({
    resourceType: 'Immunization',
    status: 'completed',
    patient: { reference: `Patient/${patient}` },
    vaccineCode: { text: 'Tetanus' },
    occurrenceDateTime: '2022-04-01',
  });
  const risk = entry({ resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${patient}` }, code: { text: 'Smoker' } });
  const composition = {
    ...compositionFor(patient, { author }),
    ...(options.rule ? { extension: [{ url: `${SH}/StructureDefinition/release-rule`, extension: [{ url: 'rule', valueCode: options.rule }] }] } : {}),
    section: [
      ...(options.withoutProblems ? [] : [section('11450-4', [problem])]),
      section('11348-0', [history]),
      section('48765-2', [allergy]),
      section('10160-0', [treatment]),
      section('11369-6', [vaccine]),
      section('29762-2', [risk]),
    ],
  };
  const entries = [...(options.withoutProblems ? [] : [problem]), history, allergy, treatment, vaccine, risk];
  return { resourceType: 'Bundle', type: 'document', entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: composition }, ...entries] };
}

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
  // Dr Lambert (SUMEHRs kept from patients by default) becomes Sofia's GP too.
  await seed(t, careTeam(SOFIA, 'Practitioner/gp-thomas-lambert', 'gp-long-term', { start: '2026-11-01', end: '2027-11-30' }, 'link-sofia-thomas'));
});
afterAll(async () => {
  await t.close();
});
afterEach(() => t.setNow(NETWORK_DATE));

const publish = (persona: string, bundle: unknown) => t.as(persona).post('/fhir/Composition/$publish-sumehr', bundle);
const compositionIdOf = (doc: { content: { attachment: { url: string } }[] }) => doc.content[0].attachment.url.split('/')[1];
const entryRefs = (composition: { section: { entry?: { reference: string }[] }[] }) =>
  composition.section.flatMap((s) => (s.entry ?? []).map((e) => e.reference));
const status = async (persona: string, url: string) => (await t.as(persona).get(url)).status;

describe('publication', () => {
  let first: { id: string; content: { attachment: { url: string } }[] };

  it('the GP publishes: Composition, entries and DocumentReference stored together, entries renamed by the hub', async () => {
    const res = await publish('gp-anna-peeters', sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters'));
    expect(res.status).toBe(201);
    first = res.body;
    expect(res.body).toMatchObject({
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: `Patient/${MARIE}` },
      type: { coding: [{ system: LOINC, code: '60591-5' }] },
      category: [{ coding: [{ system: `${SH}/CodeSystem/document-class`, code: 'summary' }] }],
    });
    const composition = await t.as('gp-anna-peeters').get(`/fhir/Composition/${compositionIdOf(first)}`);
    expect(composition.status).toBe(200);
    const refs = entryRefs(composition.body);
    expect(refs).toHaveLength(6);
    expect(refs.every((r) => /^(Condition|AllergyIntolerance|MedicationStatement|Immunization|Observation)\/[0-9a-f-]{36}$/.test(r))).toBe(true);
    for (const ref of refs) expect({ ref, status: await status('gp-anna-peeters', `/fhir/${ref}`) }).toEqual({ ref, status: 200 });
  });

  it('its entries are seen as the SUMEHR is: by the nurse with a link and the patient, not by others', async () => {
    const composition = (await t.as('gp-anna-peeters').get(`/fhir/Composition/${compositionIdOf(first)}`)).body;
    const condition = entryRefs(composition).find((r) => r.startsWith('Condition/'));
    for (const [persona, expected] of [
      ['nurse-els-goossens', 200],
      ['patient-marie-dubois', 200],
      ['gp-thomas-lambert', 404],
      ['hub-admin', 404],
    ] as const) {
      expect({
        persona,
        composition: await status(persona, `/fhir/Composition/${compositionIdOf(first)}`),
        entry: await status(persona, `/fhir/${condition}`),
      }).toEqual({
        persona,
        composition: expected,
        entry: expected,
      });
    }
    const search = await t.as('patient-marie-dubois').get(`/fhir/Condition?patient=${MARIE}`);
    expect(search.body.entry.map((e: { resource: { id: string } }) => `Condition/${e.resource.id}`)).toContain(condition);
  });

  it('a new SUMEHR supersedes the previous one (status superseded, relatesTo replaces)', async () => {
    const res = await publish('gp-anna-peeters', sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters'));
    expect(res.status).toBe(201);
    expect(res.body.relatesTo).toEqual([{ code: 'replaces', target: { reference: `DocumentReference/${first.id}` } }]);
    const old = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${first.id}`);
    expect(old.body.status).toBe('superseded');
    const composition = await t.as('gp-anna-peeters').get(`/fhir/Composition/${compositionIdOf(res.body)}`);
    expect(composition.body.relatesTo).toEqual([{ code: 'replaces', targetReference: { reference: `Composition/${compositionIdOf(first)}` } }]);
    const current = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference?patient=${MARIE}&status=current&type=${LOINC}|60591-5`);
    expect(current.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([res.body.id]);
  });

  // Who may publish is the policy's (mayOperate): a caller who may not is refused with 403, as for any action it may not take.
  it("only the patient's GP (gp-long-term or GMD link) publishes, as author: 403 otherwise", async () => {
    for (const persona of ['nurse-els-goossens', 'physician-koen-wouters']) {
      const res = await publish(persona, sumehrBundle(MARIE, `Practitioner/${persona}`));
      expect({ persona, status: res.status }).toEqual({ persona, status: 403 });
    }
    expect((await publish('gp-anna-peeters', sumehrBundle(MARIE, 'Practitioner/nurse-els-goossens'))).status).toBe(403);
    expect((await publish('patient-marie-dubois', sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters'))).status).toBe(403);
    // The GMD holder of Lucas publishes his.
    expect((await publish('gp-anna-peeters', sumehrBundle('patient-lucas-dubois', 'Practitioner/gp-anna-peeters'))).status).toBe(201);
  });

  it('entries are written only through a SUMEHR publication', async () => {
    const condition = { resourceType: 'Condition', subject: { reference: `Patient/${MARIE}` }, code: { text: 'Migraine' } };
    expect((await t.as('gp-anna-peeters').post('/fhir/Condition', condition)).status).toBe(403);
    expect((await t.as('patient-marie-dubois').post('/fhir/Condition', condition)).status).toBe(403);
  });

  it('is all or nothing: an entry of another patient, or an invalid one, stores nothing', async () => {
    const count = async (type: string) => (await t.as('gp-anna-peeters').get(`/fhir/${type}?patient=${MARIE}&_summary=count`)).body.total;
    const before = [await count('Composition'), await count('Condition'), await count('DocumentReference')];
    const other = await publish('gp-anna-peeters', sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters', { otherPatientEntry: true }));
    expect(other.status).toBe(400);
    const invalid = sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters');
    delete (invalid.entry[invalid.entry.length - 1].resource as Record<string, unknown>).code;
    expect((await publish('gp-anna-peeters', invalid)).status).toBe(400);
    expect((await publish('gp-anna-peeters', { resourceType: 'Bundle', type: 'collection', entry: [] })).status).toBe(400);
    expect([await count('Composition'), await count('Condition'), await count('DocumentReference')]).toEqual(before);
  });
});

describe('patient access to a SUMEHR', () => {
  const sofiaSees = async (doc: { content: { attachment: { url: string } }[] }) =>
    (await status('patient-sofia-rossi', `/fhir/Composition/${compositionIdOf(doc)}`)) === 200;

  it("the GP's global setting (never) keeps it from the patient for good", async () => {
    const res = await publish('gp-thomas-lambert', sumehrBundle(SOFIA, 'Practitioner/gp-thomas-lambert'));
    expect(res.status).toBe(201);
    expect(await sofiaSees(res.body)).toBe(false);
    t.setNow(new Date(NETWORK_DATE.getTime() + 400 * DAY));
    expect(await sofiaSees(res.body)).toBe(false);
    expect(await status('patient-sofia-rossi', `/fhir/DocumentReference/${res.body.id}`)).toBe(404);
  });

  it('per SUMEHR: immediate overrides the GP default; never hides; delayed shows 30 days after publication', async () => {
    const immediate = (await publish('gp-thomas-lambert', sumehrBundle(SOFIA, 'Practitioner/gp-thomas-lambert', { rule: 'immediate' }))).body;
    expect(await sofiaSees(immediate)).toBe(true);
    expect(await status('patient-sofia-rossi', `/fhir/DocumentReference/${immediate.id}`)).toBe(200);
    const never = (await publish('gp-thomas-lambert', sumehrBundle(SOFIA, 'Practitioner/gp-thomas-lambert', { rule: 'never' }))).body;
    expect(await sofiaSees(never)).toBe(false);
    const delayed = (await publish('gp-thomas-lambert', sumehrBundle(SOFIA, 'Practitioner/gp-thomas-lambert', { rule: 'delayed' }))).body;
    t.setNow(new Date(NETWORK_DATE.getTime() + 30 * DAY - 60_000));
    expect(await sofiaSees(delayed)).toBe(false);
    expect(await status('patient-sofia-rossi', `/fhir/DocumentReference/${delayed.id}`)).toBe(404);
    t.setNow(new Date(NETWORK_DATE.getTime() + 30 * DAY));
    expect(await sofiaSees(delayed)).toBe(true);
    expect(await status('patient-sofia-rossi', `/fhir/DocumentReference/${delayed.id}`)).toBe(200);
    expect(await sofiaSees(never)).toBe(false);
  });

  it('by default (no GP setting, no rule) the patient sees it at once', async () => {
    const res = await publish('gp-anna-peeters', sumehrBundle('patient-lucas-dubois', 'Practitioner/gp-anna-peeters'));
    // Lucas's mother holds a grant: she sees what he sees.
    expect(await status('patient-marie-dubois', `/fhir/Composition/${compositionIdOf(res.body)}`)).toBe(200);
  });
});

describe('$sumehr-quality', () => {
  it('warns once per missing or empty quality item', async () => {
    const res = await t.as('gp-anna-peeters').post('/fhir/Composition/$sumehr-quality', {
      resourceType: 'Composition',
      status: 'preliminary',
      type: { coding: [{ system: LOINC, code: '60591-5' }] },
      section: [
        { title: 'Allergies', code: { coding: [{ system: LOINC, code: '48765-2' }] } },
        // Not asked is not "none known": the item stays empty.
        {
          title: 'Vaccinations',
          code: { coding: [{ system: LOINC, code: '11369-6' }] },
          emptyReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'notasked' }] },
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.every((i: { severity: string }) => i.severity === 'warning')).toBe(true);
    expect(res.body.issue.map((i: { details: { text: string } }) => i.details.text)).toEqual([
      'The SUMEHR lists no contact or trusted persons',
      'The SUMEHR lists no current problems',
      'The SUMEHR lists no medical or surgical history',
      'The SUMEHR lists no risks or observations',
      'The SUMEHR lists no active treatments',
      'The SUMEHR lists no vaccinations',
      'The SUMEHR lists no allergies',
    ]);
  });

  it('no warning when every item is there (a stated "none known" fills an item)', async () => {
    const bundle = sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters');
    const composition = bundle.entry[0].resource as { section: unknown[] };
    composition.section.push({ title: 'Contacts', entry: [{ reference: 'RelatedPerson/some-contact' }] });
    (composition.section as { code: { coding: { code: string }[] }; entry?: unknown; emptyReason?: unknown }[])
      .filter((s) => s.code?.coding[0].code === '48765-2')
      .forEach((s) => {
        delete s.entry;
        s.emptyReason = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'nilknown' }] };
      });
    const res = await t.as('gp-anna-peeters').post('/fhir/Composition/$sumehr-quality', composition).set('Accept-Language', 'nl');
    expect(res.body.issue).toEqual([
      {
        severity: 'information',
        code: 'informational',
        details: { coding: [{ system: `${SH}/CodeSystem/message`, code: 'sumehr-complete' }], text: 'De SUMEHR dekt alle kwaliteitscriteria' },
      },
    ]);
  });

  it('on a stored SUMEHR the caller sees (404 otherwise)', async () => {
    const published = await publish('gp-anna-peeters', sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters', { withoutProblems: true }));
    const id = compositionIdOf(published.body);
    const res = await t.as('gp-anna-peeters').post(`/fhir/Composition/${id}/$sumehr-quality`, {});
    expect(res.status).toBe(200);
    expect(res.body.issue.map((i: { details: { text: string } }) => i.details.text)).toEqual([
      'The SUMEHR lists no contact or trusted persons',
      'The SUMEHR lists no current problems',
    ]);
    expect((await t.as('gp-thomas-lambert').post(`/fhir/Composition/${id}/$sumehr-quality`, {})).status).toBe(404);
  });
});

describe('Patient/$summary', () => {
  it('returns the latest SUMEHR as a document Bundle to a professional who may see it', async () => {
    const latest = await publish('gp-anna-peeters', sumehrBundle(MARIE, 'Practitioner/gp-anna-peeters'));
    const compositionId = compositionIdOf(latest.body);
    for (const persona of ['gp-anna-peeters', 'nurse-els-goossens']) {
      const res = await t.as(persona).get(`/fhir/Patient/${MARIE}/$summary`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'document' });
      expect(res.body.identifier.value).toBe(`urn:uuid:${compositionId}`);
      const types = res.body.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType);
      expect(types[0]).toBe('Composition');
      expect(res.body.entry[0].resource.id).toBe(compositionId);
      expect(types).toEqual(
        expect.arrayContaining(['Patient', 'Practitioner', 'Condition', 'AllergyIntolerance', 'MedicationStatement', 'Immunization', 'Observation'])
      );
    }
  });

  it('404 to a professional who may not see it, and for a patient without SUMEHR', async () => {
    expect((await t.as('gp-thomas-lambert').get(`/fhir/Patient/${MARIE}/$summary`)).status).toBe(404);
    expect((await t.as('pharmacist-ahmed-benali').get(`/fhir/Patient/${MARIE}/$summary`)).status).toBe(404);
    expect((await t.as('gp-anna-peeters').get('/fhir/Patient/patient-pieter-claes/$summary')).status).toBe(404);
    expect((await t.as('gp-anna-peeters').get('/fhir/Patient/no-such-patient/$summary')).status).toBe(404);
  });
});
