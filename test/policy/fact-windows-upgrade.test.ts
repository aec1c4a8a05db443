import { createHub } from '../../src/create-hub';
import { createLogger } from '../../src/log';
import { FACT_WINDOWS_BACKFILLED } from '../../src/policy/fact-windows-backfill';
import { CLINICAL_TYPES } from '../../src/policy/resource-classes';
import { GUARD_COLLECTION } from '../../src/store/write-guards';
import { consentFor, documentFor, seed, startNetworkHub, type NetworkHub } from '../support/network';
import { MARIE } from '../support/personas';

/**
 * Data written before links and consents carried the patient's consent window, and documents their
 * author-only window: it reads fail closed until the next start sets the windows from the stored
 * truth, restrictions included.
 */
let t: NetworkHub;
beforeAll(async () => {
  t = await startNetworkHub();
  await seed(t, documentFor(MARIE, { id: 'upgrade-hidden', cls: 'lab-result', author: 'Practitioner/physician-koen-wouters' }));
  await seed(t, consentFor(MARIE, 'document-restriction', { id: 'upgrade-restriction', data: 'DocumentReference/upgrade-hidden' }));
});
afterAll(() => t.close());

const status = async (persona: string, url: string) => (await t.as(persona).get(`/fhir/${url}`)).status;

/** The sidecars as an earlier version of the hub wrote them. */
async function asWrittenBefore(): Promise<void> {
  const db = t.database.db;
  for (const type of ['CareTeam', 'Consent']) {
    await db.collection(type).updateMany({}, { $unset: { 'a:consentFrom': '', 'a:consentUntil': '', 'a:consentRecord': '' } });
  }
  for (const type of CLINICAL_TYPES) {
    await db.collection(type).updateMany({}, { $unset: { 'a:consentRecord': '', 'a:authorOnlyFrom': '', 'a:authorOnlyUntil': '' } });
  }
  await db.collection(GUARD_COLLECTION).deleteOne({ _id: FACT_WINDOWS_BACKFILLED as never });
}

describe('windows on data written before them', () => {
  it('read fail closed, and the next start sets them: links open again, the restriction still holds', async () => {
    expect(await status('gp-anna-peeters', `Patient/${MARIE}`)).toBe(200);
    expect(await status('gp-anna-peeters', 'DocumentReference/doc-marie-lab-2026-10')).toBe(200);
    await asWrittenBefore();
    expect(await status('gp-anna-peeters', `Patient/${MARIE}`)).toBe(404);
    expect(await status('gp-anna-peeters', 'DocumentReference/doc-marie-lab-2026-10')).toBe(404);
    expect(await status('physician-koen-wouters', 'DocumentReference/upgrade-hidden')).toBe(200);

    await createHub(t.config, t.database, { log: createLogger('silent'), clock: () => t.hub.clock() });
    expect(await status('gp-anna-peeters', `Patient/${MARIE}`)).toBe(200);
    expect(await status('gp-anna-peeters', 'DocumentReference/doc-marie-lab-2026-10')).toBe(200);
    expect(await status('gp-anna-peeters', 'DocumentReference/upgrade-hidden')).toBe(404);
    expect(await status('physician-koen-wouters', 'DocumentReference/upgrade-hidden')).toBe(200);
  });
});
