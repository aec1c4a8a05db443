/**
 * Registered content sources (SPEC §4): the hub fetches a document's content only from under an
 * active Endpoint its custodian lists (same scheme, host and port, a path under the Endpoint's at
 * a `/` boundary). Anything else is a 422 at publication and is never fetched. The hub listens on
 * a real port (so a document can point at it) and the source is a real HTTP server on loopback.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { documentFor, registerDocumentSource, seed, startNetworkHub, submissionSetEntry, type NetworkHub } from '../support/network';
import { MARIE, ANNA, PARC } from '../support/personas';

const UNREGISTERED = 'The content URL is not under a registered source (an active Endpoint) of the custodian institution';
const NOT_FETCHED = 'The hub does not fetch content from this source';

let t: NetworkHub;
let hubServer: http.Server;
let hubPort: number;
let source: http.Server;
let base: string;
/** Paths the source was asked for: what the hub really fetched. */
const fetched: string[] = [];

beforeAll(async () => {
  source = http.createServer((req, res) => {
    fetched.push(req.url ?? '');
    if (req.url?.endsWith('/gone.pdf')) {
      res.writeHead(410);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/pdf' });
    res.end(`content of ${req.url}`);
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  t = await startNetworkHub();
  hubServer = http.createServer(t.app);
  await new Promise<void>((resolve) => hubServer.listen(0, '127.0.0.1', resolve));
  hubPort = (hubServer.address() as AddressInfo).port;
  await registerDocumentSource(t, PARC, 'endpoint-parc-reports', `${base}/reports`);
});
afterAll(async () => {
  hubServer.closeAllConnections();
  await new Promise((resolve) => hubServer.close(resolve));
  source.closeAllConnections();
  await new Promise((resolve) => source.close(resolve));
  await t.close();
});

const at = (url: string, custodian = PARC) => ({
  ...documentFor(MARIE, { author: ANNA, custodian, release: { rule: 'immediate' } }),
  content: [{ attachment: { url, contentType: 'application/pdf' } }],
});
const publish = (doc: unknown) => t.as('gp-anna-peeters').post('/fhir/DocumentReference', doc);
const content = (id: string) => t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${id}/$content`);
const storedDocuments = () => t.database.db.collection('DocumentReference').countDocuments({});

describe('publication only from a registered source (422, nothing stored)', () => {
  // regression (SSRF): the hub fetched any URL a document named, its own /readyz included; fixed by fetching only under a registered Endpoint.
  it("a document pointing at the hub's own /readyz is refused at publication, and one stored before the rule is never fetched", async () => {
    const readyz = `http://127.0.0.1:${hubPort}/readyz`;
    expect((await t.as('gp-anna-peeters').get('/readyz')).status).toBe(200);
    const before = await storedDocuments();
    const res = await publish(at(readyz));
    expect(res.status).toBe(422);
    expect(res.body.issue[0]).toMatchObject({
      code: 'business-rule',
      details: { text: UNREGISTERED },
      expression: ['DocumentReference.content[0].attachment.url'],
    });
    expect(await storedDocuments()).toBe(before);

    // Stored without the publication check (as data written before it): the fetch checks again.
    await seed(t, { ...at(readyz), id: 'ssrf-readyz' });
    const served = await content('ssrf-readyz');
    expect(served.status).toBe(502);
    expect(served.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ details: { text: NOT_FETCHED } }] });
  });

  it('a URL under a registered Endpoint of the custodian is published and fetched', async () => {
    const res = await publish(at(`${base}/reports/2026/letter.pdf?version=2`));
    expect(res.status).toBe(201);
    const served = await content(res.body.id);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('application/pdf');
    expect(fetched).toContain('/reports/2026/letter.pdf?version=2');
  });

  it('beside the Endpoint is refused: another path (also at a non-/ boundary or by dot segments), host, port or scheme', async () => {
    const port = Number(new URL(base).port);
    const before = await storedDocuments();
    const hits = fetched.length;
    for (const url of [
      `${base}/reports-other/letter.pdf`,
      `${base}/reportsletter.pdf`,
      `${base}/reports/../private/letter.pdf`,
      `${base}/reports/%2e%2e/private/letter.pdf`,
      `${base}/private/letter.pdf`,
      `http://localhost:${port}/reports/letter.pdf`,
      `http://127.0.0.1:${port + 1}/reports/letter.pdf`,
      `https://127.0.0.1:${port}/reports/letter.pdf`,
      `http://user:pw@127.0.0.1:${port}/reports/letter.pdf`,
    ]) {
      const res = await publish(at(url));
      expect({ url, status: res.status }).toEqual({ url, status: url.includes('user:pw') ? 400 : 422 });
    }
    expect(await storedDocuments()).toBe(before);
    expect(fetched.length).toBe(hits);
  });

  it("only the custodian's own Endpoints count", async () => {
    const res = await publish(at(`${base}/reports/letter.pdf`, 'Organization/org-ziekenhuis-zuid'));
    expect(res.status).toBe(422);
    // The demo hospitals' own sources are registered: their documents publish.
    expect((await publish(at('https://epd.ziekenhuis-zuid.example/documenten/ontslagbrief.pdf', 'Organization/org-ziekenhuis-zuid'))).status).toBe(201);
  });

  it('an ITI-65 bundle whose document points at an unregistered source is refused whole', async () => {
    const [setUrl, docUrl] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
    const lists = await t.database.db.collection('List').countDocuments({});
    const before = await storedDocuments();
    const res = await t.as('gp-anna-peeters').post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        submissionSetEntry(setUrl, MARIE, ANNA, [docUrl]),
        { fullUrl: docUrl, resource: at(`http://127.0.0.1:${hubPort}/readyz`), request: { method: 'POST', url: 'DocumentReference' } },
      ],
    });
    expect(res.status).toBe(422);
    expect(await storedDocuments()).toBe(before);
    expect(await t.database.db.collection('List').countDocuments({})).toBe(lists);
  });

  it('an update that moves the content to an unregistered source is refused; the stored version stays', async () => {
    const created = await publish(at(`${base}/reports/moved.pdf`));
    expect(created.status).toBe(201);
    const moved = { ...created.body, content: [{ attachment: { url: `http://127.0.0.1:${hubPort}/readyz` } }] };
    const res = await t.as('gp-anna-peeters').put(`/fhir/DocumentReference/${created.body.id}`, moved);
    expect(res.status).toBe(422);
    const now = await t.as('gp-anna-peeters').get(`/fhir/DocumentReference/${created.body.id}`);
    expect(now.body.content[0].attachment.url).toBe(`${base}/reports/moved.pdf`);
  });
});

describe('checked again at every fetch', () => {
  it('a source that answers 410 is a 404 that says it no longer holds the content', async () => {
    const res = await publish(at(`${base}/reports/gone.pdf`));
    const served = await content(res.body.id);
    expect(served.status).toBe(404);
    expect(served.body.issue[0].details.text).toBe("The source system no longer holds this document's content");
  });

  it('once its Endpoint is ended, a published document is no longer fetched, and no new one is published there', async () => {
    await registerDocumentSource(t, PARC, 'endpoint-parc-ending', `${base}/ending`);
    const created = await publish(at(`${base}/ending/report.pdf`));
    expect(created.status).toBe(201);
    expect((await content(created.body.id)).status).toBe(200);
    const endpoint = (await t.as('gp-anna-peeters').get('/fhir/Endpoint/endpoint-parc-ending')).body;
    expect(
      (
        await t
          .admin()
          .put('/fhir/Endpoint/endpoint-parc-ending')
          .send({ ...endpoint, status: 'off' })
      ).status
    ).toBe(200);
    const hits = fetched.length;
    const served = await content(created.body.id);
    expect(served.status).toBe(502);
    expect(served.body.issue[0].details.text).toBe(NOT_FETCHED);
    expect(fetched.length).toBe(hits);
    expect((await publish(at(`${base}/ending/other.pdf`))).status).toBe(422);
  });

  it('an Endpoint whose period has ended counts no more', async () => {
    await registerDocumentSource(t, PARC, 'endpoint-parc-period', `${base}/period`);
    const created = await publish(at(`${base}/period/report.pdf`));
    expect(created.status).toBe(201);
    const endpoint = (await t.as('gp-anna-peeters').get('/fhir/Endpoint/endpoint-parc-period')).body;
    expect(
      (
        await t
          .admin()
          .put('/fhir/Endpoint/endpoint-parc-period')
          .send({ ...endpoint, period: { start: '2020-01-01', end: '2026-01-01' } })
      ).status
    ).toBe(200);
    expect((await content(created.body.id)).status).toBe(502);
  });
});

describe('Endpoints: written by hub-admin only, read by everyone', () => {
  const endpoint = (id: string) => ({
    resourceType: 'Endpoint',
    id,
    status: 'active',
    address: 'https://dms.hopital-du-parc.example/other',
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
    payloadType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'any' }] }],
    managingOrganization: { reference: PARC },
  });

  it('a professional, a patient or an institution admin may not write one (403); hub-admin may', async () => {
    const { id: _id, ...body } = endpoint('x');
    for (const persona of ['gp-anna-peeters', 'physician-sarah-maes', 'patient-marie-dubois', 'hopital-du-parc-admin']) {
      expect({ persona, status: (await t.as(persona).post('/fhir/Endpoint', body)).status }).toEqual({ persona, status: 403 });
      expect({
        persona,
        status: (
          await t
            .as(persona)
            .put('/fhir/Endpoint/endpoint-hopital-du-parc-dms', { ...endpoint('endpoint-hopital-du-parc-dms'), address: `http://127.0.0.1:${hubPort}` })
        ).status,
      }).toEqual({ persona, status: 403 });
    }
    const created = await t.admin().post('/fhir/Endpoint').send(body);
    expect(created.status).toBe(201);
    expect((await t.as('gp-anna-peeters').delete(`/fhir/Endpoint/${created.body.id}`)).status).toBe(403);
    // The demo hospital's registration is unchanged.
    expect((await t.as('gp-anna-peeters').get('/fhir/Endpoint/endpoint-hopital-du-parc-dms')).body.address).toBe(
      'https://dms.hopital-du-parc.example/documents'
    );
  });

  it('everyone reads and searches them: by organization, status and name', async () => {
    for (const persona of ['gp-anna-peeters', 'patient-marie-dubois', 'hopital-du-parc-admin']) {
      expect({ persona, status: (await t.as(persona).get('/fhir/Endpoint/endpoint-hopital-du-parc-dms')).status }).toEqual({ persona, status: 200 });
    }
    const found = await t.as('gp-anna-peeters').get(`/fhir/Endpoint?organization=${PARC}&status=active&_count=100`);
    expect(found.status).toBe(200);
    const ids = (found.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
    expect(ids).toContain('endpoint-hopital-du-parc-dms');
    expect(ids).not.toContain('endpoint-ziekenhuis-zuid-epd');
    expect((await t.as('gp-anna-peeters').get('/fhir/Endpoint?name=Ziekenhuis')).body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([
      'endpoint-ziekenhuis-zuid-epd',
    ]);
    const metadata = await t.as('gp-anna-peeters').get('/fhir/metadata');
    const served = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'Endpoint');
    expect(served.searchParam.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['organization', 'status', 'name']));
  });
});
