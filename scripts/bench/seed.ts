import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Db, Document } from 'mongodb';
import { validateForWrite } from '../../src/fhir/validation';
import { consentWindowOf } from '../../src/policy/access-lookups';
import { FACT_WINDOWS_BACKFILLED } from '../../src/policy/fact-windows-backfill';
import { guardKeysOf, GUARDS_BACKFILLED } from '../../src/policy/unique-states';
import { relativeReference } from '../../src/fhir/search-values';
import { HISTORY_COLLECTION, ResourceStore } from '../../src/store/resource-store';
import { toPersisted } from '../../src/store/persisted-form';
import { historyEntryOf, type StoredResource } from '../../src/store/stored-resource';
import { GUARD_COLLECTION, type WriteGuard } from '../../src/store/write-guards';
import { storedFormBuilder, type KnownWindows, type StoredFormBuilder } from './access-sidecar';
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
  /** DocumentReferences written per second in this step. */
  rate: number;
}

export interface SeedShape {
  /** Patients the GP is linked with (at most the first scale's patients): the facts a GP holds, the same at every scale. */
  links: number;
  /**
   * Documents per patient on average, the same at every scale: patients = ceil(docs / docsPerPatient),
   * and each step's documents go to that step's new patients, so a patient seeded at 10k still has
   * about this many at 1M (a search's cost follows the patient's document count, not the table's).
   */
  docsPerPatient: number;
}

/**
 * Grows one database scale by scale (10k, then 100k, then 1M documents): each step adds the
 * Patients (with their hub-sharing Consent) and DocumentReferences that the next scale needs,
 * written straight into the store's collections in the persisted form the hub itself writes
 * (toStoredResource + access sidecar with the consent and author-only windows, toPersisted, a
 * History entry, and the guard each active hub-sharing consent holds): the hub's write path minus
 * HTTP. So the data is what the hub's start-up backfills would leave, and their markers are set
 * as they set them (a hub started on it does not resync every patient). The next batch is built
 * while the previous one is being inserted.
 */
export class Seeder {
  private readonly random: SeededRandom;
  private readonly storedForm: StoredFormBuilder;
  private readonly patientIds: string[] = [];
  private readonly documentIds: string[] = [];
  private readonly linkedDocumentIds: string[] = [];
  private linked = new Set<string>();
  private readonly now = new Date();
  private readonly knownWindows: KnownWindows = new Map();

  private readonly baseUrl: string;

  constructor(
    private readonly db: Db,
    private readonly shape: SeedShape,
    seed: number,
    baseUrl: string
  ) {
    this.random = new SeededRandom(seed);
    this.storedForm = storedFormBuilder(db, baseUrl, this.knownWindows);
    this.baseUrl = baseUrl;
    // The generator must make resources the hub itself would accept; check one of each before writing thousands.
    validateForWrite(syntheticPatient(new SeededRandom(seed), 'validation-check'));
    validateForWrite(syntheticDocumentReference(new SeededRandom(seed), 'validation-check', 'validation-check'));
  }

  patientsFor(docs: number): number {
    // Rounded first: a docsPerPatient of docs / patients (seedStore) must give back those patients, not one more.
    return Math.ceil(Math.round((docs / this.shape.docsPerPatient) * 1e6) / 1e6);
  }

  async growTo(docs: number): Promise<SeededData> {
    const started = performance.now();
    const newPatients = Math.max(0, this.patientsFor(docs) - this.patientIds.length);
    const newDocs = Math.max(0, docs - this.documentIds.length);
    const first = this.patientIds.length === 0;
    const progress = new ProgressLine(`seeding to ${docs}`, newPatients * 2 + newDocs + (first ? 3 + Math.min(this.shape.links, newPatients) : 0));
    const added = Array.from({ length: newPatients }, () => this.random.uuid());
    await this.inBatches(progress, 'Patient', added, (id) => syntheticPatient(this.random, id));
    // One push per id: spreading a million arguments overflows the call stack.
    for (const id of added) this.patientIds.push(id);
    // The care network before the documents: their access sidecars read each patient's consent window.
    await this.inBatches(progress, 'Consent', added, (id) => {
      const consent = hubSharingConsent(id, this.now);
      this.knownWindows.set(`Patient/${id}`, consentWindowOf(consent.id, consent));
      return consent;
    });
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
    // This step's documents go to this step's patients: earlier patients keep their count.
    const owners = added.length ? added : this.patientIds;
    await this.inBatches(progress, 'DocumentReference', docIds, (id) => {
      const patient = this.random.pick(owners);
      if (this.linked.has(patient)) this.linkedDocumentIds.push(id);
      return syntheticDocumentReference(this.random, id, patient) as Resource & { id: string };
    });
    for (const id of docIds) this.documentIds.push(id);
    if (first) await this.markBackfilled();
    progress.finish();
    const seconds = (performance.now() - started) / 1000;
    return {
      patientIds: this.patientIds,
      documentIds: this.documentIds,
      linkedPatientIds: [...this.linked],
      linkedDocumentIds: this.linkedDocumentIds,
      seconds,
      rate: newDocs / seconds,
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
    const history = docs.map((d) => historyEntryOf(type, d));
    // The guards the hub's write path enters for these versions (an active hub-sharing consent per patient).
    const relative = (ref: string | undefined) => (ref ? relativeReference(ref, this.baseUrl) : undefined);
    const guards: WriteGuard[] = docs.flatMap((d) =>
      guardKeysOf(d.r, d.del, relative).map((key) => ({ _id: key, holder: `${type}/${d._id}`, version: d.v, token: randomUUID(), claimedAt: this.now }))
    );
    // Three collections, three connections: the engine writes them side by side (nothing reads them meanwhile).
    // Typed as plain documents: the driver's insert types expect ObjectId `_id`s, ours are FHIR ids.
    await Promise.all([
      this.db.collection<Document>(type).insertMany(docs.map(toPersisted) as unknown as Document[], { ordered: false }),
      this.db.collection<Document>(HISTORY_COLLECTION).insertMany(history as unknown as Document[], { ordered: false }),
      guards.length ? this.db.collection<WriteGuard>(GUARD_COLLECTION).insertMany(guards, { ordered: false }) : undefined,
    ]);
    progress.advance(docs.length);
  }

  /**
   * The data carries its guards and windows as written (guards above; windows from the policy's
   * access sidecar), which is what the hub's start-up backfills would make of it: set their markers
   * as they do when done, so a hub started on it skips them, as it would on its own data.
   */
  private async markBackfilled(): Promise<void> {
    const store = new ResourceStore(this.db);
    for (const key of [GUARDS_BACKFILLED, FACT_WINDOWS_BACKFILLED]) await store.enterGuard({ key, holder: 'hub', version: 0 });
  }
}

/** One scale in one step (the audit benchmark's small data set): M patients, N documents, L links. */
export async function seedStore(db: Db, counts: { patients: number; docs: number; links: number }, seed: number, baseUrl: string): Promise<SeededData> {
  // Not rounded: patients = ceil(docs / docsPerPatient) gives back exactly the patients asked for.
  const docsPerPatient = Math.max(1, counts.docs) / Math.max(1, counts.patients);
  return new Seeder(db, { links: Math.min(counts.links, counts.patients), docsPerPatient }, seed, baseUrl).growTo(counts.docs);
}
