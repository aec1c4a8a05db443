import type { Resource } from '@medplum/fhirtypes';
import type { Db, Document } from 'mongodb';
import { validateForWrite } from '../../src/fhir/validation';
import { HISTORY_COLLECTION } from '../../src/store/resource-store';
import { toPersisted } from '../../src/store/persisted-form';
import { historyEntryOf, type StoredResource } from '../../src/store/stored-resource';
import { storedFormBuilder, type StoredFormBuilder } from './access-sidecar';
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
  /** Seconds spent seeding up to this scale (this step only). */
  seconds: number;
}

export interface SeedShape {
  /** Patients the GP is linked with: the size of the facts loaded on every request, the same at every scale. */
  links: number;
  /** Documents per patient on average: patients = max(links, docs / docsPerPatient). */
  docsPerPatient: number;
}

/**
 * Grows one database scale by scale (10k, then 100k, then 1M documents): each step adds the
 * Patients (with their hub-sharing Consent) and DocumentReferences that the next scale needs,
 * written straight into the store's collections in the persisted form the hub itself writes
 * (toStoredResource + access sidecar, toPersisted, and a History entry): the hub's write path minus HTTP. The next
 * batch is built while the previous one is being inserted.
 */
export class Seeder {
  private readonly random: SeededRandom;
  private readonly storedForm: StoredFormBuilder;
  private readonly patientIds: string[] = [];
  private readonly documentIds: string[] = [];
  private readonly linkedDocumentIds: string[] = [];
  private linked = new Set<string>();
  private readonly now = new Date();

  constructor(
    private readonly db: Db,
    private readonly shape: SeedShape,
    seed: number,
    baseUrl: string
  ) {
    this.random = new SeededRandom(seed);
    this.storedForm = storedFormBuilder(db, baseUrl);
    // The generator must make resources the hub itself would accept; check one of each before writing thousands.
    validateForWrite(syntheticPatient(new SeededRandom(seed), 'validation-check'));
    validateForWrite(syntheticDocumentReference(new SeededRandom(seed), 'validation-check', 'validation-check'));
  }

  patientsFor(docs: number): number {
    return Math.max(this.shape.links, Math.ceil(docs / this.shape.docsPerPatient));
  }

  async growTo(docs: number): Promise<SeededData> {
    const started = performance.now();
    const newPatients = Math.max(0, this.patientsFor(docs) - this.patientIds.length);
    const newDocs = Math.max(0, docs - this.documentIds.length);
    const first = this.patientIds.length === 0;
    const progress = new ProgressLine(`seeding to ${docs}`, newPatients * 2 + newDocs + (first ? 3 + this.shape.links : 0));
    const added = Array.from({ length: newPatients }, () => this.random.uuid());
    await this.inBatches(progress, 'Patient', added, (id) => syntheticPatient(this.random, id));
    this.patientIds.push(...added);
    // The care network before the documents: their access sidecars read each patient's consent window.
    await this.inBatches(progress, 'Consent', added, (id) => hubSharingConsent(id, this.now));
    if (first) {
      await this.write(progress, 'Practitioner', [await this.storedForm(benchGp())]);
      await this.write(progress, 'Organization', [await this.storedForm(benchCustodian())]);
      // The custodian's registered content source: document URLs are accepted only under an Endpoint.
      await this.write(progress, 'Endpoint', [await this.storedForm(benchSource())]);
      const linkedIds = this.patientIds.slice(0, this.shape.links);
      this.linked = new Set(linkedIds);
      await this.inBatches(progress, 'CareTeam', linkedIds, (id) => gpLink(id, this.now));
    }
    const docIds = Array.from({ length: newDocs }, () => this.random.uuid());
    await this.inBatches(progress, 'DocumentReference', docIds, (id) => {
      const patient = this.random.pick(this.patientIds);
      if (this.linked.has(patient)) this.linkedDocumentIds.push(id);
      return syntheticDocumentReference(this.random, id, patient) as Resource & { id: string };
    });
    this.documentIds.push(...docIds);
    progress.finish();
    return {
      patientIds: this.patientIds,
      documentIds: this.documentIds,
      linkedPatientIds: [...this.linked],
      linkedDocumentIds: this.linkedDocumentIds,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** Builds batch k+1 (FHIRPath extraction, access sidecar) while batch k is being inserted. */
  private async inBatches(progress: ProgressLine, type: string, ids: string[], make: (id: string) => Resource & { id: string }): Promise<void> {
    let pending: Promise<void> = Promise.resolve();
    for (let from = 0; from < ids.length; from += BATCH_SIZE) {
      const batch = await Promise.all(ids.slice(from, from + BATCH_SIZE).map((id) => this.storedForm(make(id))));
      await pending;
      pending = this.write(progress, type, batch);
      // Awaited after the next batch is built; this only keeps Node from calling a failure unhandled meanwhile.
      pending.catch(() => undefined);
    }
    await pending;
  }

  private async write(progress: ProgressLine, type: string, docs: StoredResource[]): Promise<void> {
    // Typed as plain documents: the driver's insert types expect ObjectId `_id`s, ours are FHIR ids.
    await this.db.collection<Document>(type).insertMany(docs.map(toPersisted) as unknown as Document[], { ordered: false });
    const history = docs.map((d) => historyEntryOf(type, d));
    await this.db.collection<Document>(HISTORY_COLLECTION).insertMany(history as unknown as Document[], { ordered: false });
    progress.advance(docs.length);
  }
}

/** One scale in one step (the audit benchmark's small data set): M patients, N documents, L links. */
export async function seedStore(db: Db, counts: { patients: number; docs: number; links: number }, seed: number, baseUrl: string): Promise<SeededData> {
  const docsPerPatient = Math.max(1, Math.floor(counts.docs / Math.max(1, counts.patients)));
  return new Seeder(db, { links: Math.min(counts.links, counts.patients), docsPerPatient }, seed, baseUrl).growTo(counts.docs);
}
