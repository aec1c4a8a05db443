import {
  badRequest,
  conflict,
  deepClone,
  forbidden,
  gone,
  notFound,
  OperationOutcomeError,
  preconditionFailed,
  type SearchRequest,
  type WithId,
} from '@medplum/core';
import { FhirRepository, type CreateResourceOptions, type ReadHistoryOptions, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { applyPatch, type Operation } from 'rfc6902';
import { computeAccessFields, type AccessLookups } from '../policy/access-fields';
import { storeLookups } from '../policy/access-lookups';
import type { WriteInteraction } from '../policy/access-policy';
import { afterConsentWrite, beforeConsentWrite, hubSharingPatient } from '../policy/consent-sync';
import { assertReferencesVisible } from './reference-check';
import { VersionConflictError } from '../store/resource-store';
import type { PlannedWrite, StoredResource } from '../store/stored-resource';
import { historyBundle } from './history-bundle';
import type { RequestContext } from './request-context';
import { executeSearch } from './search-executor';
import { isServedType } from './served-types';
import { toStoredResource } from './stored-form';
import { validateForWrite } from './validation';

/**
 * The FHIR repository of one request, already scoped to its caller (ARCHITECTURE: `forPrincipal`).
 * Every read goes through `policy.readScope`, folded into the store query; every write through
 * `policy.mayWrite`. Handlers of the router only ever see this object.
 */
export class HubRepository extends FhirRepository<undefined> {
  /** Writes of the bundle being processed, committed together (see withTransaction). */
  private staged?: Map<string, PlannedWrite>;
  private readonly lookups: AccessLookups;

  constructor(readonly ctx: RequestContext) {
    super();
    this.lookups = storeLookups(ctx.store, () => ctx.now, (type, id) => this.staged?.get(`${type}/${id}`)?.doc);
  }

  setMode(): void {
    // One database: no reader/writer split.
  }

  generateId(): string {
    return randomUUID();
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    assertServed(resource.resourceType);
    const id = options?.assignedId && resource.id ? resource.id : this.generateId();
    const candidate = { ...resource, id } as WithId<T>;
    validateForWrite(candidate);
    const access = await computeAccessFields(candidate, this.lookups);
    this.assertMayWrite(candidate.resourceType, 'create', candidate, undefined, access.patient);
    const doc = toStoredResource(candidate, 1, this.ctx.now, this.ctx.baseUrl, { ...access });
    await this.persist(candidate.resourceType, doc, null, undefined);
    return doc.r as WithId<T>;
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    const doc = await this.visibleCurrent(resourceType, id);
    if (doc.del) throw new OperationOutcomeError(gone);
    return doc.r as WithId<T>;
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id] = (reference.reference ?? '').split('/');
    if (!type || !id) throw new OperationOutcomeError(badRequest('Invalid reference'));
    return this.readResource<T>(type, id);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(references.map((r) => this.readReference(r).catch((err: Error) => err)));
  }

  async readHistory<T extends Resource>(resourceType: string, id: string, options?: ReadHistoryOptions): Promise<Bundle<WithId<T>>> {
    const current = await this.visibleCurrent(resourceType, id);
    const limit = Math.min(Math.max(options?.limit ?? 50, 1), 1000);
    const { entries, total } = await this.ctx.store.instanceHistory(resourceType, current, limit, options?.offset ?? 0);
    return historyBundle(entries, this.ctx.baseUrl, total) as Bundle<WithId<T>>;
  }

  async readTypeHistory(resourceType: string, limit: number, since?: Date): Promise<Bundle> {
    assertServed(resourceType);
    const entries = await this.ctx.store.typeHistory(resourceType, this.ctx.policy.readScope(resourceType, 's'), limit, since);
    return historyBundle(entries, this.ctx.baseUrl);
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, vid: string): Promise<WithId<T>> {
    const current = await this.visibleCurrent(resourceType, id);
    const version = /^\d+$/.test(vid) ? Number(vid) : NaN;
    const entry = Number.isNaN(version) ? undefined : await this.ctx.store.readVersion(resourceType, id, version, current);
    if (!entry) throw new OperationOutcomeError(notFound);
    if (entry.del) throw new OperationOutcomeError(gone);
    return entry.r as WithId<T>;
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    assertServed(resource.resourceType);
    if (!resource.id) throw new OperationOutcomeError(badRequest('Missing id', `${resource.resourceType}.id`));
    const current = await this.currentForWrite(resource.resourceType, resource.id);
    if (options?.ifMatch !== undefined && options.ifMatch !== String(current?.v)) {
      throw new OperationOutcomeError(preconditionFailed);
    }
    return this.writeVersion(resource as WithId<T>, current);
  }

  async patchResource<T extends Resource>(resourceType: T['resourceType'], id: string, patch: Operation[]): Promise<WithId<T>> {
    const current = await this.visibleCurrent(resourceType, id);
    if (current.del) throw new OperationOutcomeError(gone);
    const patched = deepClone(current.r) as WithId<T>;
    const errors = applyPatch(patched, patch).filter(Boolean);
    if (errors.length) {
      throw new OperationOutcomeError(badRequest(`Invalid patch: ${errors.map((e) => e?.message).join('; ')}`));
    }
    if (patched.resourceType !== resourceType || patched.id !== id) {
      throw new OperationOutcomeError(badRequest('A patch may not change resourceType or id'));
    }
    return this.writeVersion(patched, current);
  }

  async deleteResource(resourceType: string, id: string): Promise<void> {
    const current = await this.visibleCurrent(resourceType, id);
    if (current.del) return;
    this.assertMayWrite(resourceType, 'delete', undefined, current.r, current.a.patient as string | undefined);
    const doc = toStoredResource(current.r as WithId<Resource>, current.v + 1, this.ctx.now, this.ctx.baseUrl, current.a, true);
    await this.persist(resourceType, doc, current.v, current);
  }

  async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    assertServed(searchRequest.resourceType);
    return executeSearch(this, searchRequest) as Promise<Bundle<WithId<T>>>;
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

  /** The current document if the caller may see it; otherwise 404, exactly as for a missing one. */
  async visibleCurrent(resourceType: string, id: string): Promise<StoredResource> {
    assertServed(resourceType);
    const staged = this.staged?.get(`${resourceType}/${id}`);
    if (staged) return staged.doc;
    const doc = await this.ctx.store.readCurrent(resourceType, id, this.ctx.policy.readScope(resourceType, 'r'));
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

  private async writeVersion<T extends Resource>(resource: WithId<T>, current: StoredResource | undefined): Promise<WithId<T>> {
    validateForWrite(resource);
    const access = await computeAccessFields(resource, this.lookups);
    const interaction = current ? 'update' : 'create';
    this.assertMayWrite(resource.resourceType, interaction, resource, current?.r, access.patient);
    // Moving a resource to another patient needs the right on both.
    const previousPatient = current?.a.patient as string | undefined;
    if (previousPatient && previousPatient !== access.patient) {
      this.assertMayWrite(resource.resourceType, interaction, resource, current?.r, previousPatient);
    }
    const version = (current?.v ?? 0) + 1;
    const doc = toStoredResource(resource, version, this.ctx.now, this.ctx.baseUrl, { ...access });
    await this.persist(resource.resourceType, doc, current?.v ?? null, current);
    return doc.r as WithId<T>;
  }

  private assertMayWrite(type: string, interaction: WriteInteraction, next?: Resource, previous?: Resource, patient?: string): void {
    const decision = this.ctx.policy.mayWrite(type, interaction, next, previous, patient);
    if (!decision.allowed) {
      throw new OperationOutcomeError(decision.reason === 'hidden' ? notFound : forbidden);
    }
  }

  private async persist(type: string, doc: StoredResource, expectedVersion: number | null, previous: StoredResource | undefined): Promise<void> {
    if (this.staged) {
      const key = `${type}/${doc._id}`;
      const earlier = this.staged.get(key);
      // A later entry on the same resource replaces the staged one but keeps the version it started from.
      this.staged.set(key, earlier ? { ...earlier, doc } : { type, doc, expectedVersion, previous });
      return;
    }
    await this.commit([{ type, doc, expectedVersion, previous }]);
  }

  private async commit(writes: PlannedWrite[]): Promise<void> {
    const staged = new Set(writes.map((w) => `${w.type}/${w.doc._id}`));
    for (const write of writes) {
      if (!write.doc.del) await assertReferencesVisible(this, write.doc.r, staged);
    }
    const consentPatients = [...new Set(writes.flatMap((w) => [hubSharingPatient(w.doc.r), hubSharingPatient(w.previous?.r)]).filter((p): p is string => !!p))];
    if (consentPatients.length) await beforeConsentWrite(this.ctx.store, consentPatients);
    try {
      await this.write(writes);
    } finally {
      if (consentPatients.length) await afterConsentWrite(this.ctx.store, consentPatients, this.ctx.now);
    }
  }

  private async write(writes: PlannedWrite[]): Promise<void> {
    try {
      if (writes.length === 1) {
        await this.ctx.store.write(writes[0].type, writes[0].doc, writes[0].expectedVersion);
      } else {
        await this.ctx.store.commitBatch(writes);
      }
    } catch (err) {
      if (err instanceof VersionConflictError) {
        throw new OperationOutcomeError(conflict(`${err.type}/${err.id} was changed by another request; read it again and retry`));
      }
      throw err;
    }
  }
}

function assertServed(resourceType: string): void {
  if (!isServedType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
}
