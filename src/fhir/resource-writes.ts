import { deepClone, gone, notFound, OperationOutcomeError, preconditionFailed, type WithId } from '@medplum/core';
import type { CreateResourceOptions, UpdateResourceOptions } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { applyPatch, type Operation } from 'rfc6902';
import { breaksTheGlass, touch } from '../audit/access-log';
import { invalidRequest, message } from '../messages/message';
import type { StoredResource } from '../store/stored-resource';
import type { HubRepository } from './hub-repository';
import { assertServed } from './served-types';
import { toStoredResource } from './stored-form';
import type { VersionPreparation } from './version-preparation';
import type { WriteStage } from './write-stage';

/**
 * What each write interaction of the repository means: which current version it starts from (read
 * as the caller, so a hidden one is missing), its If-Match, and the new version it makes. Each goes
 * through the same preparation (version-preparation.ts) and the same stage (write-stage.ts).
 */
export class ResourceWrites {
  constructor(
    private readonly repo: HubRepository,
    private readonly preparation: VersionPreparation,
    private readonly stage: WriteStage
  ) {}

  async create<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    const { ctx } = this.repo;
    assertServed(resource.resourceType);
    const id = options?.assignedId && resource.id ? resource.id : this.repo.generateId();
    const { resource: candidate, access } = await this.preparation.prepare({ ...resource, id } as WithId<T>, undefined);
    const doc = toStoredResource(candidate, 1, ctx.now, ctx.baseUrl, { ...access });
    await this.persist(candidate.resourceType, doc, null, undefined);
    return doc.r as WithId<T>;
  }

  async update<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    assertServed(resource.resourceType);
    if (!resource.id) throw new OperationOutcomeError(invalidRequest(message('missing-id'), `${resource.resourceType}.id`));
    const current = await this.currentForWrite(resource.resourceType, resource.id);
    if (!current && !this.seesEverything(resource.resourceType)) {
      // Update as create with a client id would collide with a resource hidden from the caller and
      // so reveal it; callers who may not see everything get 404 for hidden and missing ids alike.
      throw new OperationOutcomeError(notFound);
    }
    if (options?.ifMatch !== undefined) {
      this.stage.ifMatch = true;
      if (options.ifMatch !== String(current?.v)) throw new OperationOutcomeError(preconditionFailed);
    }
    return this.writeVersion(resource as WithId<T>, current);
  }

  async patch<T extends Resource>(resourceType: T['resourceType'], id: string, patch: Operation[]): Promise<WithId<T>> {
    const current = await this.repo.visibleCurrent(resourceType, id);
    if (current.del) throw new OperationOutcomeError(gone);
    this.assertExpectedVersion(current);
    const patched = deepClone(current.r) as WithId<T>;
    const errors = applyPatch(patched, patch).filter(Boolean);
    if (errors.length) {
      throw new OperationOutcomeError(invalidRequest(message('patch-invalid', { problems: errors.map((e) => e?.message).join('; ') })));
    }
    if (patched.resourceType !== resourceType || patched.id !== id) {
      throw new OperationOutcomeError(invalidRequest(message('patch-changes-identity')));
    }
    return this.writeVersion(patched, current);
  }

  async delete(resourceType: string, id: string): Promise<void> {
    const { ctx } = this.repo;
    const current = await this.repo.visibleCurrent(resourceType, id);
    this.assertExpectedVersion(current);
    if (current.del) return;
    await this.preparation.assertMayWrite(resourceType, 'delete', undefined, undefined, current);
    const doc = toStoredResource(current.r as WithId<Resource>, current.v + 1, ctx.now, ctx.baseUrl, current.a, true);
    await this.persist(resourceType, doc, current.v, current);
  }

  /** A write an operation authorised by its own rule (HubRepository.writeAuthorisedByOperation says when). */
  async byOperation<T extends Resource>(resource: WithId<T>): Promise<WithId<T>> {
    assertServed(resource.resourceType);
    this.stage.authorisedByOperation(resource.resourceType, resource.id);
    const current = await this.currentForWrite(resource.resourceType, resource.id);
    return this.writeVersion(resource, current, true);
  }

  /** If-Match of a patch or delete, which the router hands over on the repository. */
  private assertExpectedVersion(current: StoredResource): void {
    const { expectedVersion } = this.repo;
    if (expectedVersion !== undefined) this.stage.ifMatch = true;
    if (expectedVersion !== undefined && expectedVersion !== String(current.v)) throw new OperationOutcomeError(preconditionFailed);
  }

  private seesEverything(resourceType: string): boolean {
    return 'always' in this.repo.ctx.policy.readScope(resourceType, 'r');
  }

  private async currentForWrite(resourceType: string, id: string): Promise<StoredResource | undefined> {
    try {
      return await this.repo.visibleCurrent(resourceType, id);
    } catch (err) {
      if (err instanceof OperationOutcomeError && err.outcome === notFound) return undefined;
      throw err;
    }
  }

  private async writeVersion<T extends Resource>(input: WithId<T>, current: StoredResource | undefined, authorisedByOperation = false): Promise<WithId<T>> {
    const { ctx } = this.repo;
    const { resource, access } = await this.preparation.prepare(input, current, authorisedByOperation);
    const version = (current?.v ?? 0) + 1;
    const doc = toStoredResource(resource, version, ctx.now, ctx.baseUrl, { ...access });
    await this.persist(resource.resourceType, doc, current?.v ?? null, current);
    return doc.r as WithId<T>;
  }

  private async persist(type: string, doc: StoredResource, expectedVersion: number | null, previous: StoredResource | undefined): Promise<void> {
    touch(this.repo.accessLog.current(previous ? 'update' : 'create', type), `${type}/${doc._id}`, doc.a.patient, { breakTheGlass: breaksTheGlass(doc.r) });
    await this.stage.put({ type, doc, expectedVersion, previous });
  }
}
