import supertest from 'supertest';
import { careTeam, SH, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE, ANNA } from '../support/personas';

/** Refusals in the caller's language, found by the message code the rule raised (src/messages), never by the English text. */
let t: NetworkHub;
const MESSAGE = `${SH}/CodeSystem/message`;

beforeAll(async () => {
  t = await startNetworkHub();
});
afterAll(async () => {
  await t.close();
});

interface Issue {
  details: { text: string; coding?: { system: string; code: string; extension?: { url: string; extension: { url: string; valueString: string }[] }[] }[] };
}

/** The message code and parameters of an outcome's first issue, as a client reads them. */
function messageOf(body: { issue: Issue[] }): { code?: string; params: Record<string, string> } {
  const coding = body.issue[0].details.coding?.find((c) => c.system === MESSAGE);
  const params: Record<string, string> = {};
  for (const ext of coding?.extension ?? []) {
    expect(ext.url).toBe(`${SH}/StructureDefinition/message-parameter`);
    params[ext.extension.find((e) => e.url === 'name')!.valueString] = ext.extension.find((e) => e.url === 'value')!.valueString;
  }
  return { code: coding?.code, params };
}

describe('a refusal carries its message code and parameters', () => {
  const tooLong = async (language?: string) => {
    const anna = t.as('gp-anna-peeters');
    const link = (await anna.get('/fhir/CareTeam/link-lucas-dubois-anna-peeters')).body;
    const put = anna.put(`/fhir/CareTeam/${link.id}`, { ...link, period: { start: link.period.start, end: '2027-12-01' } });
    return language ? put.set('Accept-Language', language) : put;
  };

  it('keeps the English text, with the code and the values it interpolates', async () => {
    const res = await tooLong();
    expect(res.status).toBe(422);
    expect(res.body.issue[0].details.text).toBe('A gmd link lasts at most 12 months');
    expect(messageOf(res.body)).toEqual({ code: 'link-too-long', params: { type: 'gmd', months: '12' } });
  });

  it('answers in Dutch and French with the parameters filled in, the code unchanged', async () => {
    const nl = await tooLong('nl-BE,nl;q=0.9');
    expect(nl.status).toBe(422);
    expect(nl.body.issue[0].details.text).toBe('Een gmd-relatie duurt hoogstens 12 maanden');
    expect(messageOf(nl.body)).toEqual({ code: 'link-too-long', params: { type: 'gmd', months: '12' } });
    const fr = await tooLong('fr');
    expect(fr.body.issue[0].details.text).toBe('Un lien gmd dure au maximum 12 mois');
  });

  it('translates a refusal that had no translation before (break the glass without duty)', async () => {
    const glass = {
      ...careTeam(MARIE, ANNA, 'emergency', { start: '2026-11-23T09:00:00Z' }),
      extension: [
        { url: `${SH}/StructureDefinition/link-proof`, valueCode: 'eid-bypass' },
        { url: `${SH}/StructureDefinition/link-reason`, valueString: 'unconscious' },
      ],
    };
    const en = await t.as('gp-anna-peeters').post('/fhir/CareTeam', glass);
    expect(en.status).toBe(422);
    expect(en.body.issue[0].details.text).toBe('Break the glass needs an active emergency or on-call duty');
    const fr = await t.as('gp-anna-peeters').post('/fhir/CareTeam', glass).set('Accept-Language', 'fr');
    expect(fr.body.issue[0].details.text).toBe("Bris de glace : une fonction active d'urgence ou de garde est nécessaire");
    expect(messageOf(fr.body).code).toBe('link-glass-needs-duty');
  });
});

describe('refusals outside the workflows', () => {
  it('a missing or malformed token (401) in French', async () => {
    const missing = await supertest(t.app).get('/fhir/Patient').set('Accept-Language', 'fr');
    expect(missing.status).toBe(401);
    expect(missing.body.issue[0].details.text).toBe('Jeton bearer manquant');
    expect(messageOf(missing.body).code).toBe('token-missing');
    const malformed = await supertest(t.app).get('/fhir/Patient').set('Authorization', 'Bearer abc.def.ghi').set('Accept-Language', 'nl');
    expect(malformed.status).toBe(401);
    expect(malformed.body.issue[0].details.text).toBe('Misvormd token');
    expect(messageOf(malformed.body).code).toBe('token-malformed');
  });

  it('a standard outcome of the router (403, 404) by its outcome id, invisible data answered as missing', async () => {
    const forbidden = await t.as('patient-marie-dubois').delete('/fhir/CareTeam/link-marie-dubois-anna-peeters').set('Accept-Language', 'fr');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.issue[0].details.text).toBe('Action non autorisée');
    expect(messageOf(forbidden.body).code).toBe('forbidden');
    const missing = await t.as('pharmacist-ahmed-benali').get('/fhir/DocumentReference/does-not-exist').set('Accept-Language', 'nl');
    expect(missing.status).toBe(404);
    expect(missing.body.issue[0].details.text).toBe('Niet gevonden');
    expect(messageOf(missing.body)).toEqual({ code: 'not-found', params: {} });
  });

  it('an input error with its parameter, and a finding of the FHIR validator quoted in its own words', async () => {
    const unknown = await t.admin().get('/fhir/Organization?bogus=1').set('Accept-Language', 'fr');
    expect(unknown.status).toBe(400);
    expect(unknown.body.issue[0].details.text).toBe("Paramètre de recherche inconnu 'bogus' pour Organization");
    expect(messageOf(unknown.body)).toEqual({ code: 'search-parameter-unknown-for-type', params: { name: 'bogus', type: 'Organization' } });
    // An Endpoint without its required status.
    const body = { resourceType: 'Endpoint', connectionType: { code: 'hl7-fhir-rest' }, payloadType: [{ text: 'x' }], address: 'https://lab.example/fhir' };
    const en = await t.admin().post('/fhir/Endpoint').send(body);
    expect(en.status).toBe(400);
    const finding = en.body.issue[0].details.text;
    expect(messageOf(en.body)).toEqual({ code: 'resource-not-conformant', params: { finding } });
    const nl = await t.admin().post('/fhir/Endpoint').send(body).set('Accept-Language', 'nl');
    expect(nl.body.issue[0].details.text).toBe(`Resource niet conform: ${finding}`);
    // The same for what the search parser cannot read.
    const date = await t.admin().get('/fhir/Organization?_lastUpdated=notadate').set('Accept-Language', 'fr');
    expect(date.status).toBe(400);
    const parsed = messageOf(date.body);
    expect(parsed.code).toBe('search-not-understood');
    expect(date.body.issue[0].details.text).toBe(`Recherche non comprise : ${parsed.params.finding}`);
  });

  it('a body that is not the resource its URL names, checked before the router so that the refusal is coded', async () => {
    const organization = { resourceType: 'Organization', id: 'org-hopital-du-parc', name: 'Hôpital du Parc' };
    const otherId = await t.admin().put('/fhir/Organization/another-id').send(organization).set('Accept-Language', 'fr');
    expect(otherId.status).toBe(400);
    expect(otherId.body.issue[0].details.text).toBe('id de ressource incorrect');
    expect(messageOf(otherId.body).code).toBe('resource-id-incorrect');
    const otherType = await t.admin().post('/fhir/Organization').send({ resourceType: 'Endpoint' });
    expect(otherType.status).toBe(400);
    expect(otherType.body.issue[0].details.text).toBe('Incorrect resource type: expected Organization, but found Endpoint');
    expect(messageOf(otherType.body)).toEqual({ code: 'resource-type-mismatch', params: { expected: 'Organization', found: 'Endpoint' } });
    const collection = await t.admin().post('/fhir').send({ resourceType: 'Bundle', type: 'collection' }).set('Accept-Language', 'nl');
    expect(collection.status).toBe(400);
    expect(collection.body.issue[0].details.text).toBe('Onbekend Bundle-type: collection');
    // What the batch engine cannot read comes coded too, quoting its finding.
    const noUrl = await t
      .admin()
      .post('/fhir')
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Organization', name: 'x' }, request: { method: 'POST' } }] })
      .set('Accept-Language', 'fr');
    expect(noUrl.status).toBe(400);
    const engine = messageOf(noUrl.body);
    expect(engine.code).toBe('bundle-not-understood');
    expect(noUrl.body.issue[0].details.text).toBe(`Bundle non compris : ${engine.params.finding}`);
  });

  it('a conditional create of another type than its URL names keeps its text, now coded, and stores nothing', async () => {
    const before = (await t.admin().get('/fhir/Endpoint?_summary=count')).body.total;
    const res = await t
      .admin()
      .post('/fhir/Organization')
      .set('If-None-Exist', 'name=conditional-probe')
      .send({
        resourceType: 'Endpoint',
        status: 'active',
        connectionType: { code: 'hl7-fhir-rest' },
        payloadType: [{ text: 'x' }],
        address: 'https://probe.example/fhir',
      });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toBe('Search type must match resource type for conditional update');
    expect(messageOf(res.body).code).toBe('conditional-type-mismatch');
    expect((await t.admin().get('/fhir/Endpoint?_summary=count')).body.total).toBe(before);
  });
});
