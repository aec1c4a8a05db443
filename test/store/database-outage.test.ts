import net from 'node:net';
import supertest from 'supertest';
import { createHub } from '../../src/create-hub';
import type { Hub } from '../../src/hub-parts';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { connectDatabase, type Database } from '../../src/store/database';
import { freshDatabaseName, testMongoUri } from '../support/database';
import { MECHANICS_ONLY, startTestHub, type TestHub } from '../support/test-hub';

/**
 * The database becomes unreachable and comes back (SPEC §1, §9). A TCP relay in front of the run's
 * database stands for it: "down" cuts every connection and refuses new ones. The hub must answer
 * 503 + Retry-After (never 500), store nothing it answered 503 for, and recover by itself.
 */
class Relay {
  private server = net.createServer((client) => this.accept(client));
  private sockets = new Set<net.Socket>();
  private down = false;
  port = 0;
  constructor(private upstream: { host: string; port: number }) {}
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  private accept(client: net.Socket): void {
    if (this.down) return void client.destroy();
    const server = net.connect(this.upstream);
    for (const [a, b] of [
      [client, server],
      [server, client],
    ] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }
  restore(): void {
    this.down = false;
  }
  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let relay: Relay;
let database: Database;
let hub: Hub;
let api: supertest.Agent;
let t: TestHub;
beforeAll(async () => {
  const upstream = new URL(testMongoUri());
  relay = new Relay({ host: upstream.hostname, port: Number(upstream.port) });
  await relay.start();
  // A hub of its own on the relay; the test hub lends its development key and token minting.
  t = await startTestHub(MECHANICS_ONLY);
  database = await connectDatabase(`mongodb://127.0.0.1:${relay.port}/`, freshDatabaseName('outage'));
  hub = await createHub({ ...t.config, databaseName: database.db.databaseName }, database, { ...MECHANICS_ONLY, log: createLogger('silent') });
  api = supertest.agent(createApp(hub)).set('Authorization', `Bearer ${t.adminToken}`).set('Content-Type', 'application/fhir+json');
});
afterAll(async () => {
  relay.restore();
  await database.db.dropDatabase().catch(() => undefined);
  await database.close();
  await relay.close();
  await t.close();
});

const organization = (id: string) => ({ resourceType: 'Organization', id, name: id });
const eventually = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
};

it('answers 503 with Retry-After while the database is unreachable, stores nothing, and recovers without a restart', async () => {
  expect((await api.put('/fhir/Organization/before-outage').send(organization('before-outage'))).status).toBe(201);

  relay.cut();
  const ready = await supertest(createApp(hub)).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.headers['retry-after']).toBe('1');
  const health = await supertest(createApp(hub)).get('/healthz');
  expect(health.status).toBe(200);
  for (const request of [
    api.get('/fhir/Organization/before-outage'),
    api.get('/fhir/Organization?name=before'),
    api.put('/fhir/Organization/during-outage').send(organization('during-outage')),
    api.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: organization('in-bundle'), request: { method: 'PUT', url: 'Organization/in-bundle' } }],
    }),
  ]) {
    const res = await request;
    expect({ status: res.status, retryAfter: res.headers['retry-after'], code: res.body.issue?.[0]?.code }).toEqual({
      status: 503,
      retryAfter: '1',
      code: 'transient',
    });
    expect(res.body.issue[0].details.text).toMatch(/nothing was stored/);
  }

  relay.restore();
  await eventually('/readyz is 200 again', async () => (await supertest(createApp(hub)).get('/readyz')).status === 200);
  expect((await api.get('/fhir/Organization/before-outage')).status).toBe(200);
  expect((await api.get('/fhir/Organization/during-outage')).status).toBe(404);
  expect((await api.get('/fhir/Organization/in-bundle')).status).toBe(404);
  expect((await api.put('/fhir/Organization/after-outage').send(organization('after-outage'))).status).toBe(201);
});
