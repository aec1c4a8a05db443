import type { Express } from 'express';
import type { CommandStartedEvent, Document } from 'mongodb';
import supertest from 'supertest';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { AuditTrail } from '../../src/audit/audit-trail';
import { AuditStore } from '../../src/store/audit-store';
import { startMonitoredHub, type MonitoredHub } from '../support/monitored-hub';
import { careTeam, documentFor, NETWORK_DATE, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { HUB_ADMIN, LUCAS, MARIE, SOFIA } from '../support/personas';
import { entitiesOf, pendingEvent } from '../support/audit-trail';

/**
 * A patient's trail is read along its hash chains (SPEC §7, src/audit/trail-reader.ts): the same
 * events a query of the whole AuditEvent collection finds, newest first, paged by next links, and
 * what one page costs does not grow with the trail. The reference answers come from the same
 * searches with two sort keys, which the collection query serves.
 */
let net: NetworkHub;
let clock = NETWORK_DATE.getTime();
/** Each request one second after the last: `recorded` orders the events as their chain does. */
const tick = () => net.setNow(new Date((clock += 1000)));

const MARIE_EVENTS = 45;

beforeAll(async () => {
  net = await startNetworkHub();
  await seed(net, careTeam(SOFIA, 'Practitioner/gp-anna-peeters', 'gp-long-term', { start: '2026-11-01' }, 'link-anna-sofia'));
  for (const [id, patient] of [
    ['doc-marie', MARIE],
    ['doc-lucas', LUCAS],
    ['doc-sofia', SOFIA],
  ]) {
    await seed(net, documentFor(patient, { id, author: 'Practitioner/physician-koen-wouters', release: { rule: 'immediate' } }));
  }
  // Marie's trail grows, with her son's and Sofia's in between, refusals and a read of Marie's own.
  for (let i = 0; i < MARIE_EVENTS; i++) {
    tick();
    await net.as(i % 9 === 4 ? 'gp-thomas-lambert' : 'gp-anna-peeters').get('/fhir/DocumentReference/doc-marie');
    if (i % 4 === 0) {
      tick();
      await net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-lucas');
    }
    if (i % 10 === 0) {
      tick();
      await net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-sofia');
    }
  }
  // Marie (holding a grant for Lucas) opens his document: an event of Lucas's record with Marie as its agent.
  tick();
  await net.as('patient-marie-dubois').get('/fhir/DocumentReference/doc-lucas');
}, 180_000);
afterAll(() => net.close());

const eventsOf = (b: Bundle) => (b.entry ?? []).map((e) => e.resource as AuditEvent);
const nextOf = (b: Bundle) => b.link?.find((l) => l.relation === 'next')?.url;

/** Every page of a search, following next links as a client does. */
async function allPages(get: (url: string) => supertest.Test, first: string): Promise<{ events: AuditEvent[]; pages: Bundle[] }> {
  const pages: Bundle[] = [];
  let url: string | undefined = first;
  while (url) {
    const res = await get(url.replace(/^https?:\/\/[^/]+/, '').replace(/^.*?\/fhir\//, '/fhir/'));
    expect(res.status).toBe(200);
    pages.push(res.body as Bundle);
    url = nextOf(res.body as Bundle);
    expect(pages.length).toBeLessThan(100);
  }
  return { events: pages.flatMap(eventsOf), pages };
}

function expectNewestFirst(events: AuditEvent[]): void {
  const times = events.map((e) => Date.parse(e.recorded));
  expect(times).toEqual([...times].sort((a, b) => b - a));
}

const admin = (url: string) => net.admin().get(url);

describe("a patient's trail, page by page along its chain", () => {
  it('hub-admin: the events about the patient, newest first, every page linked, none twice; totals as before', async () => {
    const { events, pages } = await allPages(admin, `/fhir/AuditEvent?patient=Patient/${MARIE}&_count=7`);
    expect(pages.length).toBeGreaterThan(5);
    for (const page of pages) expect(eventsOf(page).length).toBeLessThanOrEqual(7);
    expect(pages.slice(0, -1).every((p) => eventsOf(p).length === 7 && p.total === undefined)).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expectNewestFirst(events);

    const reference = eventsOf((await admin(`/fhir/AuditEvent?patient=Patient/${MARIE}&_sort=-date,_id&_count=1000`)).body);
    // The collection query also finds events where Marie is the agent on her son's record: those are in his trail.
    const aboutMarie = reference.filter((e) => entitiesOf(e, '1').includes(`Patient/${MARIE}`));
    expect(reference.length - aboutMarie.length).toBe(1);
    expect(events.map((e) => e.id)).toEqual(aboutMarie.map((e) => e.id));
    expect(events.length).toBeGreaterThanOrEqual(MARIE_EVENTS);

    expect((await admin(`/fhir/AuditEvent?patient=${MARIE}&_summary=count`)).body.total).toBe(events.length);
    expect((await admin(`/fhir/AuditEvent?patient=${MARIE}&_total=accurate&_count=3`)).body.total).toBe(events.length);
    // A page that holds the whole trail says its total without being asked.
    expect((await admin(`/fhir/AuditEvent?patient=${MARIE}&_count=1000`)).body.total).toBe(events.length);
  });

  it('oldest first with _sort=date, newest first with _sort=-date or by default', async () => {
    const newest = eventsOf((await admin(`/fhir/AuditEvent?patient=Patient/${MARIE}&_sort=-date&_count=1000`)).body).map((e) => e.id);
    const byDefault = eventsOf((await admin(`/fhir/AuditEvent?patient=Patient/${MARIE}&_count=1000`)).body).map((e) => e.id);
    const { events: oldest } = await allPages(admin, `/fhir/AuditEvent?patient=Patient/${MARIE}&_sort=date&_count=10`);
    expect(byDefault).toEqual(newest);
    expect(oldest.map((e) => e.id)).toEqual([...newest].reverse());
  });

  it("a patient reads their own and their son's trails merged, newest first; a grant holder reads the granting patient's", async () => {
    const marie = (url: string) => net.as('patient-marie-dubois').get(url);
    const { events } = await allPages(marie, '/fhir/AuditEvent?_count=9');
    const reference = eventsOf((await marie('/fhir/AuditEvent?_sort=-date,_id&_count=1000')).body);
    expect(events.map((e) => e.id).sort()).toEqual(reference.map((e) => e.id).sort());
    expect(new Set(events.flatMap((e) => entitiesOf(e, '1')))).toEqual(new Set([`Patient/${MARIE}`, `Patient/${LUCAS}`]));
    expectNewestFirst(events);
    const own = await allPages(marie, `/fhir/AuditEvent?patient=${MARIE}&_count=11`);
    expect(own.events.map((e) => e.id)).toEqual(events.filter((e) => entitiesOf(e, '1')[0] === `Patient/${MARIE}`).map((e) => e.id));

    const paolo = (url: string) => net.as('trusted-paolo-rossi').get(url);
    const sofias = await allPages(paolo, '/fhir/AuditEvent?_count=2');
    const sofiasReference = eventsOf((await admin(`/fhir/AuditEvent?patient=${SOFIA}&_sort=-date,_id&_count=1000`)).body);
    expect(sofias.events.length).toBeGreaterThan(3);
    expect(sofias.events.map((e) => e.id)).toEqual(sofiasReference.map((e) => e.id));
  });

  it('nothing of another patient: not by naming them, not with a cursor naming their chain', async () => {
    const marie = (url: string) => net.as('patient-marie-dubois').get(url);
    const named = await marie(`/fhir/AuditEvent?patient=Patient/${SOFIA}`);
    expect(named.status).toBe(200);
    expect(named.body.entry ?? []).toHaveLength(0);
    const forged = Buffer.from(JSON.stringify({ t: { [`Patient/${SOFIA}`]: 3, [`Patient/${MARIE}`]: 2 } })).toString('base64url');
    for (const url of [`/fhir/AuditEvent?patient=${SOFIA}&_cursor=${forged}`, `/fhir/AuditEvent?_cursor=${forged}&_count=1000`]) {
      const res = await marie(url);
      expect(res.status).toBe(200);
      expect(eventsOf(res.body).flatMap((e) => entitiesOf(e, '1'))).not.toContain(`Patient/${SOFIA}`);
    }
    // The forged cursor starts Marie's chain at its second event: only events 2 and 1 of hers.
    expect(eventsOf((await marie(`/fhir/AuditEvent?patient=${MARIE}&_cursor=${forged}`)).body)).toHaveLength(2);
    for (const cursor of ['nonsense', Buffer.from('{"t":{"Patient/x":-1}}').toString('base64url'), Buffer.from('{"a":["x"]}').toString('base64url')]) {
      const res = await marie(`/fhir/AuditEvent?patient=${MARIE}&_cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('other criteria filter the walked events: the same answer as the collection query', async () => {
    for (const criteria of ['outcome=4', `date=gt${new Date(NETWORK_DATE.getTime() + 30_000).toISOString()}`, 'agent=Practitioner/gp-thomas-lambert']) {
      const walked = await allPages(admin, `/fhir/AuditEvent?patient=${MARIE}&${criteria}&_count=4`);
      const reference = eventsOf((await admin(`/fhir/AuditEvent?patient=${MARIE}&${criteria}&_sort=-date,_id&_count=1000`)).body).filter((e) =>
        entitiesOf(e, '1').includes(`Patient/${MARIE}`)
      );
      expect(walked.events.length).toBeGreaterThan(0);
      expect(walked.events.map((e) => e.id)).toEqual(reference.map((e) => e.id));
    }
  });

  it('professionals still read only their own successful actions in a patient trail', async () => {
    const thomas = eventsOf((await net.as('gp-thomas-lambert').get(`/fhir/AuditEvent?patient=${MARIE}&_count=1000`)).body);
    expect(thomas).toHaveLength(0);
    const anna = eventsOf((await net.as('gp-anna-peeters').get(`/fhir/AuditEvent?patient=${MARIE}&_count=1000`)).body);
    expect(anna.length).toBeGreaterThan(0);
    for (const e of anna) expect([e.agent[0].who?.reference, e.outcome]).toEqual(['Practitioner/gp-anna-peeters', '0']);
  });
});

describe('what a trail read asks of the database', () => {
  let monitored: MonitoredHub;
  let app: Express;
  let sent: { collection: string; command: string; filter: Document }[] = [];

  beforeAll(async () => {
    // A second hub on the same data whose client reports every command it sends.
    monitored = await startMonitoredHub(
      net.config,
      () => new Date(clock),
      (event: CommandStartedEvent) => {
        const collection = String(event.command[event.commandName] ?? '');
        sent.push({ collection, command: event.commandName, filter: event.command.filter ?? event.command.query ?? {} });
      }
    );
    app = monitored.app;
    // The head hints of the trail written above are in place: a page's cost is measured from them.
    await net.hub.audit.settled();
  }, 120_000);
  afterAll(() => monitored.close());

  it('a page of a long trail reads its events by _id, a few more at most, whatever the trail length', async () => {
    const trailLength = (await net.admin().get(`/fhir/AuditEvent?patient=${MARIE}&_summary=count`)).body.total as number;
    expect(trailLength).toBeGreaterThan(40);
    sent = [];
    const res = await supertest(app)
      .get(`/fhir/AuditEvent?patient=Patient/${MARIE}&_count=10`)
      .set('Authorization', `Bearer ${net.token(HUB_ADMIN)}`);
    expect(res.status).toBe(200);
    expect(res.body.entry).toHaveLength(10);
    const onTrail = sent.filter((c) => c.collection === 'AuditEvent' || c.collection === 'AuditChain');
    // Only finds, each of one `_id`: no query over the patient's events, no count, no sort.
    expect(onTrail.filter((c) => c.command !== 'find')).toEqual([]);
    for (const c of onTrail) expect(Object.keys(c.filter)).toEqual(['_id']);
    for (const c of onTrail) expect(typeof c.filter._id).toBe('string');
    // The page, the one event after it (read ahead) and the chain's end: bounded by the page, not the trail.
    const eventReads = onTrail.filter((c) => c.collection === 'AuditEvent').length;
    expect(eventReads).toBeLessThanOrEqual(10 + 1 + 1);
    expect(eventReads).toBeLessThan(trailLength / 2);
  });

  it('a trail of 1,200 events: a page still reads about its own size; a filter that matches nothing stops at its bound with a next link', async () => {
    const patient = 'Patient/long-trail';
    const trail = new AuditTrail(new AuditStore(net.database.db), net.config.baseUrl);
    const event = (i: number) => pendingEvent(patient, `DocumentReference/bulk-${i}`, 'bulk', new Date(NETWORK_DATE.getTime() + i * 1000));
    for (let i = 0; i < 1200; i += 400)
      await trail.write(
        Array.from({ length: 400 }, (_, j) => event(i + j)),
        'bulk'
      );
    // The head hints are moved after each append answers: this page's cost is measured with them in place.
    await trail.settled();
    const asAdmin = (url: string) =>
      supertest(app)
        .get(url)
        .set('Authorization', `Bearer ${net.token(HUB_ADMIN)}`);

    sent = [];
    const page = await asAdmin('/fhir/AuditEvent?patient=long-trail&_count=20');
    expect(page.status).toBe(200);
    expect(eventsOf(page.body).map((e) => e.entity?.[1].what?.reference)).toEqual(Array.from({ length: 20 }, (_, i) => `DocumentReference/bulk-${1199 - i}`));
    const eventReads = sent.filter((c) => c.collection === 'AuditEvent');
    expect(eventReads.every((c) => Object.keys(c.filter).join() === '_id')).toBe(true);
    expect(eventReads.length).toBeLessThanOrEqual(20 + 1 + 1);

    // No event matches: each page passes over at most its bound (1,000 events) and links to the rest.
    const first = await asAdmin('/fhir/AuditEvent?patient=long-trail&outcome=8');
    expect(first.status).toBe(200);
    expect(first.body.entry ?? []).toHaveLength(0);
    const next = nextOf(first.body);
    expect(next).toBeDefined();
    const rest = await asAdmin((next as string).replace(/^.*?\/fhir\//, '/fhir/'));
    expect(rest.body.entry ?? []).toHaveLength(0);
    expect(nextOf(rest.body)).toBeUndefined();

    // A writer that died between its insert and moving the head hint: the read still starts at the real end.
    await net.database.db.collection('AuditChain').updateOne({ _id: patient as never }, { $set: { seq: 1150 } });
    const behind = await asAdmin('/fhir/AuditEvent?patient=long-trail&_count=3');
    expect(eventsOf(behind.body).map((e) => e.entity?.[1].what?.reference)).toEqual([
      'DocumentReference/bulk-1199',
      'DocumentReference/bulk-1198',
      'DocumentReference/bulk-1197',
    ]);
  });
});
