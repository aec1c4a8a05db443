/**
 * A PATCH entry of a batch or a transaction whose decoded patch the hub does not take (a value
 * nested thousands of levels deep, text that is no JSON, a path outside FHIR) is refused with the
 * hub's own coded, localized outcome: the transaction as a whole, the batch entry by entry, while
 * the batch's other entries go through. Nothing of the refused entry is stored.
 */
import supertest from 'supertest';
import { documentFor, personaClaims, startNetworkHub, type NetworkHub } from '../support/network';
import { ANNA, MARIE } from '../support/personas';

let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
}, 120_000);
afterAll(async () => {
  await t.close();
});

const MESSAGE_SYSTEM = 'https://sharehub.example/fhir/CodeSystem/message';
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const binary = (text: string) => ({ resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(text).toString('base64') });
const asAnna = () => `Bearer ${t.token(personaClaims('gp-anna-peeters'))}`;

function post(body: unknown, language = 'en') {
  return supertest(t.app)
    .post('/fhir')
    .set('Authorization', asAnna())
    .set('Accept-Language', language)
    .set('Content-Type', 'application/fhir+json')
    .send(body as object);
}

interface Issue {
  code?: string;
  expression?: string[];
  details?: { text?: string; coding?: { system?: string; code?: string }[] };
}
const codeOf = (issue: Issue | undefined) => issue?.details?.coding?.find((c) => c.system === MESSAGE_SYSTEM)?.code;

describe('undecodable PATCH entries', () => {
  let id: string;
  let before: unknown;
  beforeAll(async () => {
    const created = await supertest(t.app)
      .post('/fhir/DocumentReference')
      .set('Authorization', asAnna())
      .set('Content-Type', 'application/fhir+json')
      .send(documentFor(MARIE, { author: ANNA }));
    expect(created.status).toBe(201);
    id = (created.body as { id: string }).id;
    before = (await t.store.readFactById('DocumentReference', id, true))?.r;
  });

  const cases: [string, unknown, string][] = [
    ['a Binary value nested 20000 deep', binary(`[{"op":"add","path":"/description","value":${nested(20000)}}]`), 'nested-too-deep'],
    ['a Binary patch nested 200000 deep', binary(nested(200000)), 'nested-too-deep'],
    [
      'a Parameters value nested 200000 deep',
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'operation',
            part: [
              { name: 'op', valueCode: 'add' },
              { name: 'path', valueString: '/description' },
              { name: 'value', valueString: nested(200000) },
            ],
          },
        ],
      },
      'nested-too-deep',
    ],
    ['a Binary that is no JSON', binary('{not json'), 'patch-not-array'],
    ['a path outside FHIR', binary('[{"op":"add","path":"/__proto__/polluted","value":"yes"}]'), 'patch-path-not-element'],
  ];

  it.each(cases)('%s: a batch answers that entry with the coded 400 and runs the others', async (_what, resource, code) => {
    const answer = await post(
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ resource, request: { method: 'PATCH', url: `DocumentReference/${id}` } }, { request: { method: 'GET', url: `DocumentReference/${id}` } }],
      },
      'fr'
    );
    expect(answer.status).toBe(200);
    const [refused, read] = (answer.body as { entry: { response: { status: string; outcome?: { issue: Issue[] } } }[] }).entry;
    expect(refused.response.status).toBe('400');
    const issue = refused.response.outcome?.issue[0];
    expect(codeOf(issue)).toBe(code);
    expect(issue?.expression?.[0]).toMatch(/^Bundle\.entry\[0\]\.resource/);
    // In the caller's language, never the engine's own words.
    expect(issue?.details?.text).not.toMatch(/call stack|Maximum/i);
    expect(issue?.details?.text).not.toBe(undefined);
    expect(read.response.status).toBe('200');
    expect((await t.store.readFactById('DocumentReference', id, true))?.r).toEqual(before);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(cases)('%s: a transaction is refused whole with the same coded 400', async (_what, resource, code) => {
    const answer = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource, request: { method: 'PATCH', url: `DocumentReference/${id}` } }],
    });
    expect(answer.status).toBe(400);
    expect(codeOf((answer.body as { issue: Issue[] }).issue[0])).toBe(code);
    expect((await t.store.readFactById('DocumentReference', id, true))?.r).toEqual(before);
  });

  it('a batch entry in French reads the French catalog text', async () => {
    const answer = await post(
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ resource: binary(nested(5000)), request: { method: 'PATCH', url: `DocumentReference/${id}` } }],
      },
      'fr'
    );
    const issue = (answer.body as { entry: { response: { outcome: { issue: Issue[] } } }[] }).entry[0].response.outcome.issue[0];
    const english = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ resource: binary(nested(5000)), request: { method: 'PATCH', url: `DocumentReference/${id}` } }],
    });
    const englishIssue = (english.body as { entry: { response: { outcome: { issue: Issue[] } } }[] }).entry[0].response.outcome.issue[0];
    expect(englishIssue.details?.text).toBe('Nested deeper than 64 levels');
    expect(issue.details?.text).not.toBe(englishIssue.details?.text);
  });
});
