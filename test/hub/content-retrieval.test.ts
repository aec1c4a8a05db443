/**
 * `GET DocumentReference/{id}/$content` (SPEC §4, IHE ITI-68): the hub checks the policy, fetches
 * the content from the source system and streams it. The source here is a real HTTP server of the
 * test's own on loopback.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { binaryFor, documentFor, registerDocumentSource, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE } from '../support/personas';

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(256 * 1024, 7), Buffer.from('\n%%EOF')]);

let source: http.Server;
let base: string;
let closedPort: number;
const hanging: http.ServerResponse[] = [];
let t: NetworkHub;

beforeAll(async () => {
  source = http.createServer((req, res) => {
    switch (req.url) {
      case '/reports/letter.pdf':
        res.writeHead(200, { 'Content-Type': 'application/pdf' });
        res.end(PDF);
        return;
      case '/reports/redirect':
        res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' });
        res.end();
        return;
      case '/reports/broken':
        res.writeHead(500);
        res.end('boom');
        return;
      case '/reports/stalls-after-headers':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first part');
        hanging.push(res);
        return;
      case '/reports/never-answers':
        hanging.push(res);
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  // A port that was free a moment ago: nothing listens there.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));

  t = await startNetworkHub({ contentConnectTimeoutMs: 400, contentTotalTimeoutMs: 1500 });
  // Hôpital du Parc, the documents' custodian, registers the test's sources (SPEC §4).
  await registerDocumentSource(t, 'Organization/org-hopital-du-parc', 'endpoint-test-reports', `${base}/reports`);
  await registerDocumentSource(t, 'Organization/org-hopital-du-parc', 'endpoint-test-closed', `http://127.0.0.1:${closedPort}/reports`);
  const doc = (id: string, url: string, options: Parameters<typeof documentFor>[1] = {}) => ({
    ...documentFor(MARIE, { id, author: 'Practitioner/physician-koen-wouters', release: { rule: 'immediate' }, ...options }),
    content: [{ attachment: { url, contentType: 'application/pdf' } }],
  });
  await seed(t, doc('c-letter', `${base}/reports/letter.pdf`));
  await seed(t, doc('c-missing', `${base}/reports/gone.pdf`));
  await seed(t, doc('c-broken', `${base}/reports/broken`));
  await seed(t, doc('c-redirect', `${base}/reports/redirect`));
  await seed(t, doc('c-never-answers', `${base}/reports/never-answers`));
  await seed(t, doc('c-stalls', `${base}/reports/stalls-after-headers`));
  await seed(t, doc('c-unreachable', `http://127.0.0.1:${closedPort}/reports/1.pdf`));
  await seed(t, doc('c-psychiatric', `${base}/reports/letter.pdf`, { cls: 'psychiatric', loinc: '11488-4' }));
  await seed(t, doc('c-delayed', `${base}/reports/letter.pdf`, { release: { rule: 'never' } }));
  await seed(t, doc('c-safe', 'Binary/c-safe-binary'));
  await seed(t, binaryFor('c-safe-binary', 'c-safe'));
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  source.closeAllConnections();
  await new Promise((resolve) => source.close(resolve));
  await t.close();
});

const content = (persona: string, id: string) =>
  t
    .as(persona)
    .get(`/fhir/DocumentReference/${id}/$content`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
      res.on('error', (err) => done(err, Buffer.concat(chunks)));
    });
const json = (body: Buffer) => JSON.parse(body.toString('utf8'));

describe('content from the source system', () => {
  it("streams the bytes with the source's content type to a professional who sees the document", async () => {
    const res = await content('gp-anna-peeters', 'c-letter');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(Buffer.compare(res.body as Buffer, PDF)).toBe(0);
  });

  it('streams it to the patient once released', async () => {
    expect((await content('patient-marie-dubois', 'c-letter')).status).toBe(200);
    const hidden = await content('patient-marie-dubois', 'c-delayed');
    expect(hidden.status).toBe(404);
  });

  it('answers 404 to whoever may not see the document, exactly as for a missing one, and never tells the source', async () => {
    const missing = await content('gp-thomas-lambert', 'no-such-document');
    for (const [persona, id] of [
      ['gp-thomas-lambert', 'c-letter'],
      ['nurse-els-goossens', 'c-psychiatric'],
      ['hub-admin', 'c-letter'],
    ]) {
      const res = await content(persona, id);
      expect({ persona, id, status: res.status }).toEqual({ persona, id, status: 404 });
      expect(json(res.body as Buffer)).toEqual(json(missing.body as Buffer));
      expect((res.body as Buffer).toString()).not.toContain('127.0.0.1');
    }
  });

  it('a 404 at the source is a 404 that says the source no longer holds the content', async () => {
    const res = await content('gp-anna-peeters', 'c-missing');
    expect(res.status).toBe(404);
    expect(json(res.body as Buffer).issue[0].details.text).toBe("The source system no longer holds this document's content");
  });

  it('an unreachable, failing or redirecting source is a 502 OperationOutcome', async () => {
    for (const id of ['c-unreachable', 'c-broken', 'c-redirect']) {
      const res = await content('gp-anna-peeters', id);
      expect({ id, status: res.status, type: json(res.body as Buffer).resourceType }).toEqual({ id, status: 502, type: 'OperationOutcome' });
    }
  });

  it('a source that never answers is a 502 after the connect timeout, not a hang', async () => {
    const res = await content('gp-anna-peeters', 'c-never-answers').set('Accept-Language', 'fr');
    expect(res.status).toBe(502);
    expect(json(res.body as Buffer).issue[0].details.text).toBe("Le système source de ce document n'a pas répondu");
  });

  it('a source that stalls mid-transfer is cut at the total timeout', async () => {
    await expect(content('gp-anna-peeters', 'c-stalls')).rejects.toThrow();
  });
});

describe("content in the hub's safe", () => {
  it("serves the Binary of a DocumentReference whose attachment is Binary/<id>, under the document's policy", async () => {
    const res = await content('gp-anna-peeters', 'c-safe');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect((res.body as Buffer).toString()).toBe('content of c-safe');
    expect((await content('patient-marie-dubois', 'c-safe')).status).toBe(200);
    expect((await content('gp-thomas-lambert', 'c-safe')).status).toBe(404);
  });

  it('a document published with its Binary in one transaction (IHE ITI-65) is served from the safe', async () => {
    const [docUrl, binaryUrl] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
    const { custodian: _c, ...doc } = documentFor(MARIE, { author: 'Practitioner/gp-anna-peeters', release: { rule: 'immediate' } });
    const res = await t.as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: docUrl,
          resource: { ...doc, content: [{ attachment: { url: binaryUrl, contentType: 'text/plain' } }] },
          request: { method: 'POST', url: 'DocumentReference' },
        },
        {
          fullUrl: binaryUrl,
          resource: {
            resourceType: 'Binary',
            contentType: 'text/plain',
            data: Buffer.from('uploaded note').toString('base64'),
            securityContext: { reference: docUrl },
          },
          request: { method: 'POST', url: 'Binary' },
        },
      ],
    });
    expect(res.status).toBe(200);
    const id = res.body.entry[0].response.location.split('/')[1];
    const served = await content('patient-marie-dubois', id);
    expect(served.status).toBe(200);
    expect((served.body as Buffer).toString()).toBe('uploaded note');
    expect((await content('gp-thomas-lambert', id)).status).toBe(404);
  });

  it("the Binary itself is read only under its DocumentReference's policy", async () => {
    expect((await t.as('gp-anna-peeters').get('/fhir/Binary/c-safe-binary')).status).toBe(200);
    expect((await t.as('gp-thomas-lambert').get('/fhir/Binary/c-safe-binary')).status).toBe(404);
    expect((await t.as('hub-admin').get('/fhir/Binary/c-safe-binary')).status).toBe(404);
  });
});
