import { formatSearchQuery, gone, forbidden, notFound, OperationOutcomeError, type SearchRequest, type WithId } from '@medplum/core';
import { FhirRepository, type CreateResourceOptions, type ReadHistoryOptions, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Reference, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { Operation } from 'rfc6902';
import { GuardTakenError } from '../store/write-guards';
import { AccessLog, outcomeOfError, touch, type Access } from '../audit/access-log';
import { touchNamedPatients } from '../audit/named-patients';
import { touchRefused } from '../audit/refused-access';
import { auditEventAsSeenBy } from '../audit/event-view';
import { instanceHistory, typeHistory, versionOf } from './history-reads';
import type { AccessLookups } from '../policy/access-fields';
import { storeLookups } from '../policy/access-lookups';
import type { Operation as HubOperation, OperationTarget } from '../policy/operation-policy';
import type { ResourceStore } from '../store/resource-store';
import type { InteractionReads } from '../store/interaction-reads';
import type { StoredResource } from '../store/stored-resource';
import type { RequestContext } from './request-context';
import { ResourceWrites } from './resource-writes';
import { executeSearch } from './search-executor';
import { ScopedReads } from './scoped-reads';
import { assertServed, isServedType } from './served-types';
import { VersionPreparation } from './version-preparation';
import type { WriteRules } from './write-pipeline';
import { WriteStage } from './write-stage';
import { storePort, type WorkflowPort } from './workflow-port';
import { conflictOutcome, invalidRequest, message } from '../messages/message';

/**
 * The FHIR repository of one request, already scoped to its caller (ARCHITECTURE: `forPrincipal`).
 * Every read goes through `policy.readScope`, folded into the store query; every write through
 * `policy.mayWrite`. Handlers of the router only ever see this object.
 *
 * This file is the repository's face: one audited entry per interaction, and the reads as the
 * caller. What a write interaction means is resource-writes.ts, what a new version must pass is
 * version-preparation.ts, and where checked writes go (a transaction's stage, the commit) is write-stage.ts.
 */
export class HubRepository extends FhirRepository<undefined> {
  /** If-Match of the patch or delete being handled (set by the router for that one call). */
  expectedVersion?: string;
  /** What this request read and wrote, for the audit trail (SPEC §7). */
  readonly accessLog = new AccessLog();
  /** Reads by id of the interaction being handled: a document its steps all ask for is fetched once. */
  private reads: InteractionReads;

  /** The one way to the data: private to the repository and the helpers it hands it to. */
  readonly #store: ResourceStore;
  readonly #stage: WriteStage;
  readonly #preparation: VersionPreparation;
  readonly #writes: ResourceWrites;
  /** Named questions for the workflows, answered without handing out documents (workflow-port.ts). */
  readonly port: WorkflowPort;

  constructor(
    readonly ctx: RequestContext,
    store: ResourceStore,
    rules: WriteRules
  ) {
    super();
    this.#store = store;
    this.reads = store.interactionReads();
    const factById = (type: string, id: string) => this.reads.readFactById(type, id);
    this.port = storePort(store, ctx.now, factById);
    const lookups: AccessLookups = storeLookups(store, ctx.baseUrl, ctx.now, {
      staged: (type, id) => this.#stage.doc(type, id),
      // A Binary's context is read as the caller: a hidden document lends it nothing (and tells nothing).
      visible: (type, id) => this.visibleCurrent(type, id).catch(() => undefined),
      factById,
    });
    this.#stage = new WriteStage(this, store, lookups, () => (this.reads = store.interactionReads()));
    this.#preparation = new VersionPreparation(this, store, rules, lookups, this.#stage);
    this.#writes = new ResourceWrites(this, this.#preparation, this.#stage);
  }

  setMode(): void {
    // One database: no reader/writer split.
  }

  generateId(): string {
    return randomUUID();
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    return this.audited('create', resource.resourceType, undefined, () => this.#writes.create(resource, options));
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
    if (this.#stage.open) return super.conditionalCreate(resource, search, options);
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
    return this.audited('update', resource.resourceType, resource.id, () => this.#writes.update(resource, options));
  }

  async patchResource<T extends Resource>(resourceType: T['resourceType'], id: string, patch: Operation[]): Promise<WithId<T>> {
    return this.audited('patch', resourceType, id, () => this.#writes.patch<T>(resourceType, id, patch));
  }

  async deleteResource(resourceType: string, id: string): Promise<void> {
    return this.audited('delete', resourceType, id, () => this.#writes.delete(resourceType, id));
  }

  async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const query = `${searchRequest.resourceType}${formatSearchQuery(searchRequest)}`;
    return this.audited(
      'search-type',
      searchRequest.resourceType,
      undefined,
      async (access) => {
        assertServed(searchRequest.resourceType);
        const bundle = (await executeSearch(this, new ScopedReads(this.#store, this.ctx.policy), searchRequest)) as Bundle<WithId<T>>;
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
    this.#preparation.target = undefined;
    this.reads = this.#store.interactionReads();
    this.#stage.beginInteraction();
    try {
      // A batch entry after one that changed the caller's own facts (ended its own link) is decided on them as they are now.
      if (this.#stage.factsChanged && !this.#stage.open && this.ctx.reloadPolicy) {
        this.#stage.factsChanged = false;
        this.ctx.policy = await this.ctx.reloadPolicy();
      }
      return await run(access);
    } catch (err) {
      access.outcome = outcomeOfError(err);
      if (!access.touches.length) {
        const aimedAt = { type: resourceType, id, served: isServedType(resourceType) };
        await touchRefused(this.#store, access, aimedAt, this.#preparation.target).catch(() => undefined);
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
   * (write-stage.ts). A failure in any entry throws before anything is written.
   */
  async withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    return this.#stage.run(() => callback(undefined));
  }

  /** The current document if the caller may see it; otherwise 404, exactly as for a missing one. */
  async visibleCurrent(resourceType: string, id: string): Promise<StoredResource> {
    assertServed(resourceType);
    const staged = this.#stage.doc(resourceType, id);
    if (staged) return staged;
    const doc = await this.reads.readCurrent(resourceType, id, this.ctx.policy.readScope(resourceType, 'r'));
    if (!doc) throw new OperationOutcomeError(notFound);
    return doc;
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
    return this.#writes.byOperation(resource);
  }
}
