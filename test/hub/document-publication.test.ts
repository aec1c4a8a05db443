/**
 * Publishing document references (SPEC §4): what a reference must carry, who may publish it
 * (a professional with a link, as author, or for the custodian institution it acts for).
 */
import { documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, SOFIA, LUC } from '../support/personas';

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

const count = async (persona: string, patient: string) =>
  (await t.as(persona).get(`/fhir/DocumentReference?patient=${patient}&status=current&_summary=count`)).body.total as number;

describe('publication rules', () => {
  it('accepts a complete reference from a professional with a link, as its author', async () => {
    const res = await t
      .as('gp-anna-peeters')
      .post('/fhir/DocumentReference', documentFor(MARIE, { cls: 'consultation-note', loinc: '11488-4', author: 'Practitioner/gp-anna-peeters' }));
    expect(res.status).toBe(201);
    expect((await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${res.body.id}`)).status).toBe(200);
  });

  it('refuses a reference without type, custodian, date or content URL: 400 naming each path, nothing stored', async () => {
    const before = await count('gp-anna-peeters', MARIE);
    const { type: _t, custodian: _c, date: _d, ...rest } = documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' });
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', { ...rest, content: [{ attachment: { contentType: 'application/pdf' } }] });
    expect(res.status).toBe(400);
    const expressions = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(expressions).toEqual(
      expect.arrayContaining(['DocumentReference.type', 'DocumentReference.custodian', 'DocumentReference.date', 'DocumentReference.content[0].attachment.url'])
    );
    expect(await count('gp-anna-peeters', MARIE)).toBe(before);
  });

  it('refuses a type without a LOINC coding', async () => {
    const doc = { ...documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' }), type: { coding: [{ system: 'http://example.org/local', code: 'x' }] } };
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', doc);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['DocumentReference.type']);
  });

  it("answers in the caller's language", async () => {
    const { date: _d, ...doc } = documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' });
    const res = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', doc).set('Accept-Language', 'nl');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toBe('Een gepubliceerd document heeft een datum nodig');
  });

  it('accepts only the labels N, R and V, known release rules and http(s) content URLs', async () => {
    const base = documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' });
    const label = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', {
      ...base,
      securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'U' }] }],
    });
    expect(label.status).toBe(400);
    expect(label.body.issue[0].expression).toEqual(['DocumentReference.securityLabel[0]']);
    const rule = await t
      .as('gp-anna-peeters')
      .post('/fhir/DocumentReference', documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters', release: { rule: 'sometimes' } }));
    expect(rule.status).toBe(400);
    for (const url of ['file:///etc/passwd', 'gopher://lab.example/1', 'https://user:secret@lab.example/r/1', 'not a url']) {
      const res = await t
        .as('gp-anna-peeters')
        .post('/fhir/DocumentReference', { ...base, content: [{ attachment: { url, contentType: 'application/pdf' } }] });
      expect({ url, status: res.status, expression: res.body.issue?.[0]?.expression }).toEqual({
        url,
        status: 400,
        expression: ['DocumentReference.content[0].attachment.url'],
      });
    }
    for (const code of ['N', 'R', 'V']) {
      const ok = await t
        .as('gp-anna-peeters')
        .post('/fhir/DocumentReference', documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters', label: code as 'N' }));
      expect(ok.status).toBe(201);
    }
  });

  // Published with its Binary (ITI-65, test/hub/content-retrieval.test.ts) it needs no custodian; alone it may not name one (SPEC §4).
  it("a document in the hub's safe is published together with its Binary, never pointing at one published apart", async () => {
    const { custodian: _c, ...doc } = documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' });
    const res = await t
      .as('gp-anna-peeters')
      .post('/fhir/DocumentReference', { ...doc, content: [{ attachment: { url: 'Binary/some-binary', contentType: 'text/plain' } }] });
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['DocumentReference.content.attachment.url']);
  });

  it("refuses a professional publishing in another author's name (403) or for a patient it does not reach (as missing)", async () => {
    const other = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(MARIE, { author: 'Practitioner/nurse-els-goossens' }));
    expect(other.status).toBe(403);
    const unreachable = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor(LUC, { author: 'Practitioner/gp-anna-peeters' }));
    const missing = await t.as('gp-anna-peeters').post('/fhir/DocumentReference', documentFor('no-such-patient', { author: 'Practitioner/gp-anna-peeters' }));
    expect(unreachable.status).toBe(400);
    expect(missing.status).toBe(400);
  });

  it('an institution publishes through a professional acting for it: custodian = that institution, any of its authors', async () => {
    // Dr Wouters acts for Ziekenhuis Zuid (organization claim + PractitionerRole); Sofia is admitted there.
    const forZuid = documentFor(SOFIA, {
      cls: 'discharge-letter',
      loinc: '18842-5',
      author: 'Practitioner/gp-anna-peeters',
      custodian: 'Organization/org-ziekenhuis-zuid',
    });
    // Dr Peeters does not work at Zuid: naming her would let her read Sofia's letter without a link (docs/decisions.md D6, D21).
    expect((await t.as('physician-koen-wouters').post('/fhir/DocumentReference', forZuid)).status).toBe(403);
    await seed(t, {
      resourceType: 'PractitionerRole',
      id: 'role-anna-peeters-ziekenhuis-zuid',
      active: true,
      practitioner: { reference: 'Practitioner/gp-anna-peeters' },
      organization: { reference: 'Organization/org-ziekenhuis-zuid' },
    });
    const res = await t.as('physician-koen-wouters').post('/fhir/DocumentReference', forZuid);
    expect(res.status).toBe(201);
    // Not for another institution, and an institution's document still needs its author.
    const forParc = documentFor(SOFIA, {
      cls: 'discharge-letter',
      loinc: '18842-5',
      author: 'Practitioner/gp-anna-peeters',
      custodian: 'Organization/org-hopital-du-parc',
    });
    expect((await t.as('physician-koen-wouters').post('/fhir/DocumentReference', forParc)).status).toBe(403);
    const { author: _a, ...anonymous } = forZuid;
    const noAuthor = await t.as('physician-koen-wouters').post('/fhir/DocumentReference', anonymous);
    expect(noAuthor.status).toBe(400);
    expect(noAuthor.body.issue[0].expression).toEqual(['DocumentReference.author']);
  });

  it('an institution cannot publish for a patient it has no link with', async () => {
    // Dr Maes acts for Hôpital du Parc, which has no link with Marie.
    const res = await t
      .as('physician-sarah-maes')
      .post('/fhir/DocumentReference', documentFor(MARIE, { author: 'Practitioner/physician-sarah-maes', custodian: 'Organization/org-hopital-du-parc' }));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toBe(`Reference not found: Patient/${MARIE}`);
  });

  it('patients and administrators publish nothing', async () => {
    expect((await t.as('patient-marie-dubois').post('/fhir/DocumentReference', documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' }))).status).toBe(
      403
    );
    expect((await t.as('hopital-du-parc-admin').post('/fhir/DocumentReference', documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters' }))).status).toBe(
      403
    );
  });
});
