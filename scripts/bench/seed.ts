import type { Resource } from '@medplum/fhirtypes';
import type { Db, Document } from 'mongodb';
import { validateForWrite } from '../../src/fhir/validation';
import { HISTORY_COLLECTION } from '../../src/store/resource-store';
import { historyEntryOf, type StoredResource } from '../../src/store/stored-resource';
import { storedFormBuilder } from './access-sidecar';
import { benchGp, gpLink, hubSharingConsent, benchCustodian, benchSource } from './care-network';
import { ProgressLine } from './progress';
import { SeededRandom, syntheticDocumentReference, syntheticPatient } from './synthetic-data';

const BATCH_SIZE = 1000;

export interface SeededData {
  patientIds: string[];
  documentIds: string[];
  /** Patients the benchmark GP is linked with, and their documents: what it may read. */
  linkedPatientIds: string[];
  linkedDocumentIds: string[];
  seconds: number;
}

/**
 * Writes M Patients and N DocumentReferences straight into the store's collections, in the stored
 * form the hub itself writes (toStoredResource + a History entry): the hub's write path minus HTTP.
 * The next batch is built while the previous one is being inserted.
 */
export async function seedStore(db: Db, counts: { patients: number; docs: number; links: number }, seed: number, baseUrl: string): Promise<SeededData> {
  const random = new SeededRandom(seed);
  const started = performance.now();
  const patientIds = Array.from({ length: counts.patients }, () => random.uuid());
  const documentIds = Array.from({ length: counts.docs }, () => random.uuid());

  // The generator must make resources the hub itself would accept; check one of each before writing thousands.
  validateForWrite(syntheticPatient(new SeededRandom(seed), 'validation-check'));
  validateForWrite(syntheticDocumentReference(new SeededRandom(seed), 'validation-check', patientIds[0]));

  const linkedPatientIds = patientIds.slice(0, Math.min(counts.links, patientIds.length));
  const now = new Date();
  const progress = new ProgressLine('seeding', 3 + 2 * counts.patients + linkedPatientIds.length + counts.docs);
  const storedForm = storedFormBuilder(db, baseUrl);
  const store = (resources: (Resource & { id: string })[]) => Promise.all(resources.map(storedForm));
  let pending: Promise<void> = Promise.resolve();
  const write = async (type: string, docs: StoredResource[]): Promise<void> => {
    // Typed as plain documents: the driver's insert types expect ObjectId `_id`s, ours are FHIR ids.
    await db.collection<Document>(type).insertMany(docs as unknown as Document[], { ordered: false });
    const history = docs.map((d) => historyEntryOf(type, d));
    await db.collection<Document>(HISTORY_COLLECTION).insertMany(history as unknown as Document[], { ordered: false });
    progress.advance(docs.length);
  };

  for (let from = 0; from < patientIds.length; from += BATCH_SIZE) {
    const batch = await store(patientIds.slice(from, from + BATCH_SIZE).map((id) => syntheticPatient(random, id)));
    await pending;
    pending = write('Patient', batch);
    // Awaited after the next batch is built; this only keeps Node from calling a failure unhandled meanwhile.
    pending.catch(() => undefined);
  }
  // The care network before the documents: their access sidecars read each patient's consent window.
  await pending;
  await write('Practitioner', await store([benchGp()]));
  await write('Endpoint', await store([benchSource()]));
  await write('Organization', await store([benchCustodian()]));
  for (let from = 0; from < patientIds.length; from += BATCH_SIZE) {
    await write('Consent', await store(patientIds.slice(from, from + BATCH_SIZE).map((id) => hubSharingConsent(id, now))));
  }
  for (let from = 0; from < linkedPatientIds.length; from += BATCH_SIZE) {
    await write('CareTeam', await store(linkedPatientIds.slice(from, from + BATCH_SIZE).map((id) => gpLink(id, now))));
  }
  const patientOf = new Map<string, string>();
  for (let from = 0; from < documentIds.length; from += BATCH_SIZE) {
    const batch = await store(
      documentIds.slice(from, from + BATCH_SIZE).map((id) => {
        const patient = random.pick(patientIds);
        patientOf.set(id, patient);
        return syntheticDocumentReference(random, id, patient) as Resource & { id: string };
      })
    );
    await pending;
    pending = write('DocumentReference', batch);
    pending.catch(() => undefined);
  }
  await pending;
  progress.finish();
  const linked = new Set(linkedPatientIds);
  const linkedDocumentIds = documentIds.filter((id) => linked.has(patientOf.get(id) as string));
  return { patientIds, documentIds, linkedPatientIds, linkedDocumentIds, seconds: (performance.now() - started) / 1000 };
}
