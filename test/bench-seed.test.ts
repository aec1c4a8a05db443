import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import supertest from 'supertest';
import { createLogger } from '../src/log';
import { GUARD_COLLECTION } from '../src/store/write-guards';
import { BENCH_GP_CLAIMS } from '../scripts/bench/care-network';
import { rawSearchFilter } from '../scripts/bench/preflight';
import { Seeder, type SeededData } from '../scripts/bench/seed';
import { startTestHub, type TestHub } from './support/test-hub';

/**
 * The benchmark's data must be what the hub itself would hold, in the same shape at every scale:
 * otherwise its figures compare other things than they claim (a search's cost follows the
 * patient's document count), and a hub started on it resyncs every patient before answering.
 */
const DOCS_PER_PATIENT = 20;
const LINKS = 10;
let t: TestHub;
let first: { linkedDocuments: number; patients: number };
let seeded: SeededData;
const logged: string[] = [];

beforeAll(async () => {
  t = await startTestHub({ log: createLogger('info', (line) => logged.push(line)) }, {}, async (db) => {
    const seeder = new Seeder(db, { links: LINKS, docsPerPatient: DOCS_PER_PATIENT }, 42, 'http://localhost:8080/fhir');
    const small = await seeder.growTo(400);
    first = { linkedDocuments: small.linkedDocumentIds.length, patients: small.patientIds.length };
    seeded = await seeder.growTo(1200);
  });
}, 180_000);
afterAll(() => t.close());

describe('bench seed', () => {
  it('keeps docsPerPatient per patient at every scale: a growth step leaves the linked patients as they were', () => {
    expect(first.patients).toBe(400 / DOCS_PER_PATIENT);
    expect(seeded.patientIds).toHaveLength(1200 / DOCS_PER_PATIENT);
    expect(seeded.linkedPatientIds).toHaveLength(LINKS);
    expect(seeded.linkedDocumentIds).toHaveLength(first.linkedDocuments);
    expect(first.linkedDocuments / LINKS).toBeGreaterThan(DOCS_PER_PATIENT / 2);
  });

  it('writes the guards and windows the backfills would set: the hub starts without backfilling', async () => {
    expect(logged.filter((line) => /windows set|guards entered/.test(line))).toEqual([]);
    const guards = await t.database.db.collection(GUARD_COLLECTION).countDocuments({ _id: { $regex: '^hub-sharing\\|' } as never });
    expect(guards).toBe(seeded.patientIds.length);
  });

  it("answers the GP's search with the raw query's rows, and reads its patients' documents", async () => {
    const token = t.token(BENCH_GP_CLAIMS);
    for (const patient of seeded.linkedPatientIds.slice(0, 3)) {
      const res = await supertest(t.app)
        .get(`/fhir/DocumentReference?patient=Patient/${patient}&status=current&_count=50`)
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      const raw = await t.database.db.collection('DocumentReference').find(rawSearchFilter(patient)).sort({ _id: 1 }).limit(50).toArray();
      expect(raw.length).toBeGreaterThan(0);
      expect(((res.body as Bundle<DocumentReference>).entry ?? []).map((e) => e.resource?.id)).toEqual(raw.map((d) => String(d._id)));
    }
    const read = await supertest(t.app).get(`/fhir/DocumentReference/${seeded.linkedDocumentIds[0]}`).set('Authorization', `Bearer ${token}`);
    expect(read.status).toBe(200);
  });
});
