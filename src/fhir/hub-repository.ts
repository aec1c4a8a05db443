import {
  deepClone,
  formatSearchQuery,
  forbidden,
  gone,
  notFound,
  OperationOutcomeError,
  preconditionFailed,
  type SearchRequest,
  type WithId,
} from '@medplum/core';
import { FhirRepository, type CreateResourceOptions, type ReadHistoryOptions, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Reference, Resource } from '@medplum/fhirtypes';
import { GuardTakenError } from '../store/write-guards';
import { AccessLog, breaksTheGlass, outcomeOfError, touch, type Access, type Touch } from '../audit/access-log';
import { touchNamedPatients } from '../audit/named-patients';
import { touchRefused } from '../audit/refused-access';
import { auditEventAsSeenBy } from '../audit/event-view';
import { instanceHistory, typeHistory, versionOf } from './history-reads';
import { randomUUID } from 'node:crypto';
import { applyPatch, type Operation } from 'rfc6902';
import { computeAccessFields, type AccessFields, type AccessLookups } from '../policy/access-fields';
import { storeLookups } from '../policy/access-lookups';
import { FACT_TYPES } from '../policy/fact-types';
import type { WriteInteraction } from '../policy/access-policy';
import type { Operation as HubOperation, OperationTarget } from '../policy/operation-policy';
import { assertReferencesVisible, missingReference, referencesIn, type PatientReferenceCheck } from './reference-check';
import { assertSafeContentPublishedTogether } from './safe-content';
import { writeFacetsOf } from './write-facets';
import { relativeReference } from './search-values';
import type { ResourceStore } from '../store/resource-store';
import type { InteractionReads } from '../store/interaction-reads';
import type { PlannedWrite, StoredResource } from '../store/stored-resource';
import type { RequestContext } from './request-context';
import { executeSearch } from './search-executor';
import { isServedType } from './served-types';
import { toStoredResource } from './stored-form';
import { validateForWrite } from './validation';
import { storeWrites } from './write-commit';
import type { WriteRules } from './write-pipeline';
import { storePort, type WorkflowPort } from './workflow-port';
import { conflictOutcome, invalidRequest, message } from '../messages/message';

/**
 * The FHIR repository of one request, already scoped to its caller (ARCHITECTURE: `forPrincipal`).
 * Every read goes through `policy.readScope`, folded into the store query; every write through
 * `policy.mayWrite`. Handlers of the router only ever see this object.
 */
export class HubRepository extends FhirRepository<undefined> {
  /** Writes of the bundle being processed, committed together (see withTransaction). */
  private staged?: Map<string, PlannedWrite>;
  /** If-Match of the patch or delete being handled (set by the router for that one call). */
  expectedVersion?: string;
  private readonly lookups: AccessLookups;
  /** What this request read and wrote, for the audit trail (SPEC §7). */
  readonly accessLog = new AccessLog();
  /** The resource and patient of the write being prepared, so a refused write is audited against its patient. */
  private writing?: Touch;
  /** A write of this interaction (or of the transaction being staged) named its version with If-Match. */
  private ifMatch = false;
  /** Staged writes an operation authorised (see keptByOperation). */
  private readonly operationWrites = new Set<string>();
  /** Reads by id of the interaction being handled: a document its steps all ask for is fetched once. */
  private reads: InteractionReads;
  /** A commit of this request wrote what the caller's facts are read from: the next interaction reloads them. */
  private factsChanged = false;

  /** The one way to the data: private to the repository and the helpers it hands it to. */
  readonly #store: ResourceStore;
  readonly #rules: WriteRules;
  /** Named questions for the workflows, answered without handing out documents (workflow-port.ts). */
  readonly port: WorkflowPort;

  constructor(
    readonly ctx: RequestContext,
    store: ResourceStore,
    rules: WriteRules
  ) {
    super();
    this.#store = store;
    this.#rules = rules;
    this.reads = store.interactionReads();
    const factById = (type: string, id: string) => this.reads.readFactById(type, id);
    this.port = storePort(store, ctx.now, factById);
    this.lookups = storeLookups(store, ctx.baseUrl, ctx.now, {
      staged: (type, id) => this.staged?.get(`${type}/${id}`)?.doc,
      // A Binary's context is read as the caller: a hidden document lends it nothing (and tells nothing).
      visible: (type, id) => this.visibleCurrent(type, id).catch(() => undefined),
      factById,
    });
  }

  setMode(): void {
    // One database: no reader/writer split.
  }

  generateId(): string {
    return randomUUID();
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    return this.audited('create', resource.resourceType, undefined, async () => {
      assertServed(resource.resourceType);
      const id = options?.assignedId && resource.id ? resource.id : this.generateId();
      const { resource: candidate, access } = await this.prepareVersion({ ...resource, id } as WithId<T>, undefined);
      const doc = toStoredResource(candidate, 1, this.ctx.now, this.ctx.baseUrl, { ...access });
      await this.persist(candidate.resourceType, doc, null, undefined);
      return doc.r as WithId<T>;
    });
  }

  /**
   * FHIR conditional create, made safe to retry at once: the caller's requests with the same
   * condition run one after the other, so the second finds what the first created. Keyed by caller:
   * another caller's request never waits on it (its timing would tell that someone is creating).
   * Matches are searched in the caller's scope: a hidden match answers as no match. Inside a
   * transaction the entry runs as part of it (a retried bundle finds its entries the same way).
   */
  override async conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    if (this.staged) return super.conditionalCreate(resource, search, options);
    const key = `if-none-exist|${this.ctx.policy.principal.sub}|${search.resourceType}${formatSearchQuery({ ...search, count: undefined, sortRules: undefined })}`;
    try {
      return await this.#store.exclusively(key, () => super.conditionalCreate(resource, search, options));
    } catch (err) {
      if (err instanceof GuardTakenError) throw new OperationOutcomeError(conflictOutcome(message('condition-still-running')));
      throw err;
    }
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    return this.audited('read', resourceType, id, async (access) => {
      const doc = await this.visibleCurrent(resourceType, id);
      touch(access, `${resourceType}/${id}`, doc.a.patient);
      if (doc.del) throw new OperationOutcomeError(gone);
      return this.shown(doc.r as WithId<T>);
    });
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id] = (reference.reference ?? '').split('/');
    if (!type || !id) throw new OperationOutcomeError(invalidRequest(message('invalid-reference')));
    return this.readResource<T>(type, id);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(references.map((r) => this.readReference(r).catch((err: Error) => err)));
  }

  async readHistory<T extends Resource>(resourceType: string, id: string, options?: ReadHistoryOptions): Promise<Bundle<WithId<T>>> {
    return this.audited('history-instance', resourceType, id, (access) => instanceHistory<T>(this, this.#store, access, resourceType, id, options));
  }

  async readTypeHistory(resourceType: string, limit: number, since?: Date): Promise<Bundle> {
    return this.audited('history-type', resourceType, undefined, async (access) => {
      assertServed(resourceType);
      return typeHistory(this, this.#store, access, resourceType, limit, since);
    });
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, vid: string): Promise<WithId<T>> {
    return this.audited('vread', resourceType, id, (access) => versionOf<T>(this, this.#store, access, resourceType, id, vid));
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    return this.audited('update', resource.resourceType, resource.id, () => this.update(resource, options));
  }

  private async update<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    assertServed(resource.resourceType);
    if (!resource.id) throw new OperationOutcomeError(invalidRequest(message('missing-id'), `${resource.resourceType}.id`));
    const current = await this.currentForWrite(resource.resourceType, resource.id);
    if (!current && !this.seesEverything(resource.resourceType)) {
      // Update as create with a client id would collide with a resource hidden from the caller and
      // so reveal it; callers who may not see everything get 404 for hidden and missing ids alike.
      throw new OperationOutcomeError(notFound);
    }
    if (options?.ifMatch !== undefined) {
      this.ifMatch = true;
      if (options.ifMatch !== String(current?.v)) throw new OperationOutcomeError(preconditionFailed);
    }
    return this.writeVersion(resource as WithId<T>, current);
  }

  async patchResource<T extends Resource>(resourceType: T['resourceType'], id: string, patch: Operation[]): Promise<WithId<T>> {
    return this.audited('patch', resourceType, id, () => this.patch<T>(resourceType, id, patch));
  }

  private async patch<T extends Resource>(resourceType: T['resourceType'], id: string, patch: Operation[]): Promise<WithId<T>> {
    const current = await this.visibleCurrent(resourceType, id);
    if (current.del) throw new OperationOutcomeError(gone);
    this.assertExpectedVersion(current);
    // Patched as the caller sees it: a `test` op (or its error text) on the stored form would read what is kept from them (SPEC §7).
    const patched = deepClone(this.shown(current.r)) as WithId<T>;
    const errors = applyPatch(patched, patch).filter(Boolean);
    if (errors.length) {
      throw new OperationOutcomeError(invalidRequest(message('patch-invalid', { problems: errors.map((e) => e?.message).join('; ') })));
    }
    if (patched.resourceType !== resourceType || patched.id !== id) {
      throw new OperationOutcomeError(invalidRequest(message('patch-changes-identity')));
    }
    return this.writeVersion(patched, current);
  }

  async deleteResource(resourceType: string, id: string): Promise<void> {
    return this.audited('delete', resourceType, id, () => this.delete(resourceType, id));
  }

  private async delete(resourceType: string, id: string): Promise<void> {
    const current = await this.visibleCurrent(resourceType, id);
    this.assertExpectedVersion(current);
    if (current.del) return;
    await this.assertMayWrite(resourceType, 'delete', undefined, undefined, current);
    const doc = toStoredResource(current.r as WithId<Resource>, current.v + 1, this.ctx.now, this.ctx.baseUrl, current.a, true);
    await this.persist(resourceType, doc, current.v, current);
  }

  async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const query = `${searchRequest.resourceType}${formatSearchQuery(searchRequest)}`;
    return this.audited(
      'search-type',
      searchRequest.resourceType,
      undefined,
      async (access) => {
        assertServed(searchRequest.resourceType);
        const bundle = (await executeSearch(this, this.#store, searchRequest)) as Bundle<WithId<T>>;
        await touchNamedPatients(this.ctx, (id) => this.#store.readFactById('Patient', id), access, searchRequest);
        return bundle;
      },
      query
    );
  }

  /** A resource as the caller may see it: what SPEC §7 keeps from a professional is taken out of audit events. */
  shown<T extends Resource>(resource: T): T {
    return auditEventAsSeenBy(this.ctx.policy.facts, resource);
  }

  /** A search found or included this resource: the audit trail records it against its patient. */
  found(type: string, doc: StoredResource): void {
    touch(this.accessLog.current('search-type', type), `${type}/${doc._id}`, doc.a.patient);
  }

  /**
   * Runs one interaction as an audited access. A refused one is recorded against the patient of
   * the resource it aimed at, if that patient exists: the patient sees who tried (SPEC §7).
   */
  private async audited<T>(interaction: string, resourceType: string, id: string | undefined, run: (access: Access) => Promise<T>, query?: string): Promise<T> {
    const access = this.accessLog.begin(interaction, resourceType, query);
    this.writing = undefined;
    this.reads = this.#store.interactionReads();
    // A batch entry is its own write; a transaction's entries are committed (and conflict) together.
    if (!this.staged) this.ifMatch = false;
    try {
      if (this.factsChanged && !this.staged && this.ctx.reloadPolicy) {
        this.factsChanged = false;
        this.ctx.policy = await this.ctx.reloadPolicy();
      }
      return await run(access);
    } catch (err) {
      access.outcome = outcomeOfError(err);
      if (!access.touches.length) {
        await touchRefused(this.#store, access, { type: resourceType, id, served: isServedType(resourceType) }, this.writing).catch(() => undefined);
      }
      throw err;
    }
  }

  async searchByReference<T extends Resource>(
    searchRequest: SearchRequest<T>,
    referenceField: string,
    references: string[]
  ): Promise<Record<string, WithId<T>[]>> {
    const result: Record<string, WithId<T>[]> = {};
    for (const reference of references) {
      const filters = [...(searchRequest.filters ?? []), { code: referenceField, operator: 'eq' as const, value: reference }];
      result[reference] = await this.searchResources({ ...searchRequest, filters });
    }
    return result;
  }

  /**
   * Runs a bundle's entries with their writes staged in memory, then commits them all at once
   * (store.commitBatch). A failure in any entry throws before anything is written.
   */
  async withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    if (this.staged) return callback(undefined);
    this.staged = new Map();
    try {
      const result = await callback(undefined);
      const writes = [...this.staged.values()];
      this.staged = undefined;
      if (writes.length) await this.commit(writes);
      return result;
    } finally {
      this.staged = undefined;
    }
  }

  private assertExpectedVersion(current: StoredResource): void {
    if (this.expectedVersion !== undefined) this.ifMatch = true;
    if (this.expectedVersion !== undefined && this.expectedVersion !== String(current.v)) throw new OperationOutcomeError(preconditionFailed);
  }

  private seesEverything(resourceType: string): boolean {
    return 'always' in this.ctx.policy.readScope(resourceType, 'r');
  }

  /** The current document if the caller may see it; otherwise 404, exactly as for a missing one. */
  async visibleCurrent(resourceType: string, id: string): Promise<StoredResource> {
    assertServed(resourceType);
    const staged = this.staged?.get(`${resourceType}/${id}`);
    if (staged) return staged.doc;
    const doc = await this.reads.readCurrent(resourceType, id, this.ctx.policy.readScope(resourceType, 'r'));
    if (!doc) throw new OperationOutcomeError(notFound);
    return doc;
  }

  private async currentForWrite(resourceType: string, id: string): Promise<StoredResource | undefined> {
    try {
      return await this.visibleCurrent(resourceType, id);
    } catch (err) {
      if (err instanceof OperationOutcomeError && err.outcome === notFound) return undefined;
      throw err;
    }
  }

  /**
   * Everything a new version must pass, in an order that cannot probe hidden data: the policy and
   * the reference checks come before anything that reads beyond the caller's scope (SSIN
   * uniqueness, the link rules' consent and exclusion look-ups).
   */
  private async prepareVersion<T extends Resource>(
    input: WithId<T>,
    current: StoredResource | undefined,
    authorisedByOperation = false
  ): Promise<{ resource: WithId<T>; access: AccessFields }> {
    validateForWrite(input);
    // In a bundle, references may point at entries staged later: checked at commit instead. The
    // check reads only what the caller sees (or a patient's bare existence), so it is sent with the
    // sidecar's look-ups, in the same round; its answer still comes after the policy's.
    const references = this.staged
      ? undefined
      : assertReferencesVisible(this, input, this.keptByOperation(current, authorisedByOperation), this.referencesByExistence(input, current));
    // Handled from now on: its refusal may come while the look-ups below are still running.
    references?.catch(() => undefined);
    let access: AccessFields;
    try {
      access = await computeAccessFields(input, this.lookups);
      this.writing = { resource: `${input.resourceType}/${input.id}`, patient: access.patient };
      // The policy sees both versions: moving a resource to another patient needs the right on both.
      if (!authorisedByOperation) await this.assertMayWrite(input.resourceType, current ? 'update' : 'create', input, access, current);
    } catch (err) {
      // Refused before the references' answer: nothing of the request is left running behind it.
      await references?.catch(() => undefined);
      throw err;
    }
    await references;
    // Rules see the writes staged earlier in the same bundle (a transaction filing a Task for a new Practitioner).
    const rules = {
      policy: this.ctx.policy,
      now: this.ctx.now,
      baseUrl: this.ctx.baseUrl,
      port: this.port,
      staged: (type: string, id: string) => this.staged?.get(`${type}/${id}`)?.doc,
      stagedDocs: () => [...(this.staged?.values() ?? [])].map((w) => w.doc),
      byOperation: authorisedByOperation,
    };
    const resource = (await this.#rules(rules, input as WithId<Resource>, current)) as WithId<T>;
    // The rules set the hub's own fields (release date, link period): the sidecar follows what is stored.
    if (resource === input) return { resource, access };
    const stored = await computeAccessFields(resource, this.lookups);
    if (stored.patient !== access.patient) throw new Error('A business rule may not move a resource to another patient');
    return { resource, access: stored };
  }

  /**
   * A professional may find any patient by exact SSIN (SPEC §5) and then link it or register its
   * consent: for those two creations a Patient reference needs only to exist, not to be visible.
   */
  private referencesByExistence(resource: Resource, current: StoredResource | undefined): PatientReferenceCheck {
    const facts = this.ctx.policy.facts;
    // A link's patient is the link rules' to check: an unknown patient is refused exactly like one
    // without consent or one that excluded the caller (SPEC §4: answers never tell them apart).
    // An institution admits (and discharges) a patient on its admission link by the patient's id; it never reads the record.
    if (facts.kind === 'administrative' && facts.organization && resource.resourceType === 'CareTeam') return 'by-rules';
    if (current || facts.kind !== 'practitioner' || !facts.eligible) return 'visible';
    if (resource.resourceType === 'CareTeam') return 'by-rules';
    return resource.resourceType === 'Consent' ? 'exists' : 'visible';
  }

  /**
   * An operation asks the policy first (mayOperate); its writes then skip the per-type write rule.
   * A refusal is a 403: the target was already read as the caller (invisible = 404 before this).
   */
  assertMayOperate(operation: HubOperation, target: OperationTarget): void {
    if (!this.ctx.policy.mayOperate(operation, target).allowed) throw new OperationOutcomeError(forbidden);
  }

  /**
   * A write that an operation has authorised by its own rule (for example `$release` by the
   * attending physician, who may not update the document directly): the same validation,
   * reference checks, workflow rules and commit as any write, without the per-type write rule.
   * Only operation handlers call it, after their own check; the target must be visible to the caller.
   */
  async writeAuthorisedByOperation<T extends Resource>(resource: WithId<T>): Promise<WithId<T>> {
    assertServed(resource.resourceType);
    if (this.staged) this.operationWrites.add(`${resource.resourceType}/${resource.id}`);
    const current = await this.currentForWrite(resource.resourceType, resource.id);
    return this.writeVersion(resource, current, true);
  }

  /**
   * An operation's write keeps the references of the version the caller could see (for example an
   * author withdrawing its document after its link with the patient ended): keeping them reveals
   * nothing, so only references it adds must be visible.
   */
  private keptByOperation(current: StoredResource | undefined, authorisedByOperation: boolean): Set<string> {
    if (!authorisedByOperation || !current) return new Set();
    return new Set(referencesIn(current.r).map((r) => relativeReference(r.reference, this.ctx.baseUrl)));
  }

  private async writeVersion<T extends Resource>(input: WithId<T>, current: StoredResource | undefined, authorisedByOperation = false): Promise<WithId<T>> {
    const { resource, access } = await this.prepareVersion(input, current, authorisedByOperation);
    const version = (current?.v ?? 0) + 1;
    const doc = toStoredResource(resource, version, this.ctx.now, this.ctx.baseUrl, { ...access });
    await this.persist(resource.resourceType, doc, current?.v ?? null, current);
    return doc.r as WithId<T>;
  }

  private async assertMayWrite(
    type: string,
    interaction: WriteInteraction,
    resource: Resource | undefined,
    next: AccessFields | undefined,
    current: StoredResource | undefined
  ): Promise<void> {
    const relative = this.lookups.relative;
    const change = {
      next: resource && next ? await writeFacetsOf(this.#store, resource, next, relative, this.publishing()) : undefined,
      previous: current ? await writeFacetsOf(this.#store, current.r, current.a, relative) : undefined,
    };
    const decision = this.ctx.policy.mayWrite(type, interaction, change);
    if (decision.allowed) return;
    if (decision.reason === 'forbidden') throw new OperationOutcomeError(forbidden);
    // Hidden: a new resource about a patient the caller may not reach fails exactly like one that
    // references a missing patient; an existing resource is simply not found.
    const patient = change.next?.patient;
    if (resource && patient && !change.previous) throw missingReference(resource, patient, this.ctx.baseUrl);
    throw new OperationOutcomeError(notFound);
  }

  private publishing(): { now: Date; self?: string } {
    const facts = this.ctx.policy.facts;
    return { now: this.ctx.now, self: facts.kind === 'practitioner' ? facts.self : undefined };
  }

  private async persist(type: string, doc: StoredResource, expectedVersion: number | null, previous: StoredResource | undefined): Promise<void> {
    touch(this.accessLog.current(previous ? 'update' : 'create', type), `${type}/${doc._id}`, doc.a.patient, { breakTheGlass: breaksTheGlass(doc.r) });
    if (this.staged) {
      const key = `${type}/${doc._id}`;
      const earlier = this.staged.get(key);
      // A later entry on the same resource replaces the staged one but keeps the version it started from.
      this.staged.set(key, earlier ? { ...earlier, doc } : { type, doc, expectedVersion, previous });
      return;
    }
    // A single write had its references checked before the policy-independent look-ups ran.
    await this.commit([{ type, doc, expectedVersion, previous }], true);
  }

  private async commit(writes: PlannedWrite[], referencesChecked = false): Promise<void> {
    // What the bundle's entries read is checked again at its commit, and nothing read before a commit is reused after it.
    if (!referencesChecked) this.reads = this.#store.interactionReads();
    try {
      await this.checkAndStore(writes, referencesChecked);
      if (writes.some((w) => FACT_TYPES.has(w.type))) this.factsChanged = true;
    } finally {
      this.reads = this.#store.interactionReads();
    }
  }

  private async checkAndStore(writes: PlannedWrite[], referencesChecked: boolean): Promise<void> {
    const staged = new Set(writes.map((w) => `${w.type}/${w.doc._id}`));
    for (const write of referencesChecked ? [] : writes) {
      const kept = this.keptByOperation(write.previous, this.operationWrites.has(`${write.type}/${write.doc._id}`));
      if (!write.doc.del)
        await assertReferencesVisible(this, write.doc.r, new Set([...staged, ...kept]), this.referencesByExistence(write.doc.r, write.previous));
    }
    // The in-process loaders seed the safe piece by piece; every request's commit keeps it whole.
    if (!this.ctx.policy.system) assertSafeContentPublishedTogether(writes, this.lookups.relative);
    await storeWrites(this.#store, this.ctx, this.lookups.relative, writes, this.ifMatch);
    await this.ctx.onCommitted?.(writes);
  }
}

function assertServed(resourceType: string): void {
  if (!isServedType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
}
