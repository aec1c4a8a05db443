import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { verifyAuditTrail } from '../../src/audit/verify-trail';
import { AuditStore } from '../../src/store/audit-store';
import { documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { trailOf } from '../support/audit-trail';
import { MARIE } from '../support/personas';

const run = promisify(execFile);

let net: NetworkHub;

beforeAll(async () => {
  net = await startNetworkHub();
  await seed(net, documentFor(MARIE, { id: 'doc-marie', author: 'Practitioner/gp-anna-peeters' }));
});
afterAll(() => net.close());

/** Fresh accesses (three to Marie, one refused) so each test tampers with a trail of its own. */
async function someAccesses(): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await net.as('gp-anna-peeters').get('/fhir/DocumentReference/doc-marie')).status).toBe(200);
  expect((await net.as('gp-thomas-lambert').get('/fhir/DocumentReference/doc-marie')).status).toBe(404);
}

const events = () => net.database.db.collection('AuditEvent');
const verify = () => verifyAuditTrail(new AuditStore(net.database.db));

/** `npm run audit:verify` as an operator runs it, against this test's database. */
async function auditVerifyCommand(): Promise<{ code: number; stdout: string }> {
  const root = path.resolve(__dirname, '../..');
  const env = { ...process.env, MONGODB_URI: process.env.MONGODB_URI, MONGODB_DATABASE: net.config.databaseName };
  try {
    const { stdout } = await run('npx', ['ts-node', '--transpile-only', 'scripts/audit-verify.ts'], { cwd: root, env });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('tamper evidence (SPEC §7)', () => {
  it('an untouched trail verifies, from the library and from `npm run audit:verify`', async () => {
    await someAccesses();
    const report = await verify();
    expect(report.broken).toBeUndefined();
    expect(report.events).toBe(await events().countDocuments({}));
    const cli = await auditVerifyCommand();
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/audit trail intact: \d+ chains, \d+ events/);
  });

  it('a changed event is found, at its chain and position, by the library and the command', async () => {
    await someAccesses();
    const trail = await trailOf(net, MARIE);
    const victim = trail[trail.length - 2];
    // Someone with database access rewrites who looked.
    await events().updateOne({ _id: victim.id as never }, { $set: { 'r.agent.0.who.display': 'Someone Else' } });
    const report = await verify();
    expect(report.broken).toMatchObject({ chain: `Patient/${MARIE}`, seq: trail.length - 1, eventId: victim.id, reason: 'content does not match its hash' });
    const cli = await auditVerifyCommand();
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`AuditEvent/${victim.id}`);
    await events().updateOne({ _id: victim.id as never }, { $set: { 'r.agent.0.who.display': victim.agent[0].who?.display } });
    expect((await verify()).broken).toBeUndefined();
  });

  it('a deleted event, an event hidden from its patient and a recomputed forgery are found', async () => {
    await someAccesses();
    const trail = await trailOf(net, MARIE);
    const [first, second] = trail;

    const removed = await events().findOne({ _id: second.id as never });
    await events().deleteOne({ _id: second.id as never });
    expect((await verify()).broken).toMatchObject({ seq: 2, reason: 'event missing from its chain' });
    await events().insertOne(removed as never);

    await events().updateOne({ _id: first.id as never }, { $set: { 'a:patient': 'Patient/someone-else' } });
    expect((await verify()).broken).toMatchObject({ seq: 1, reason: 'access fields do not match the sealed event' });
    await events().updateOne({ _id: first.id as never }, { $set: { 'a:patient': `Patient/${MARIE}` } });

    // A forger who rewrites an event and recomputes its own hash still breaks the link to the next one.
    const { sealEvent } = await import('../../src/audit/audit-chain');
    const seal = (first.extension ?? [])[0].extension ?? [];
    const previous = seal.find((e) => e.url === 'previous')?.valueString as string;
    const forged = sealEvent({ ...first, outcome: '8', extension: [] }, `Patient/${MARIE}`, 1, previous);
    await events().updateOne({ _id: first.id as never }, { $set: { r: { ...forged, meta: first.meta } } });
    expect((await verify()).broken).toMatchObject({ seq: 2, reason: 'previous hash does not match the previous event' });
  });
});
