import { forbidden, notFound, OperationOutcomeError, type WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { Touch } from '../audit/access-log';
import { computeAccessFields, type AccessFields, type AccessLookups } from '../policy/access-fields';
import type { WriteInteraction } from '../policy/access-policy';
import type { ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import type { HubRepository } from './hub-repository';
import { assertReferencesVisible, keptByOperation, missingReference, referencesByExistence } from './reference-check';
import { validateForWrite } from './validation';
import { writeFacetsOf } from './write-facets';
import type { WriteRules } from './write-pipeline';
import type { WriteStage } from './write-stage';

/**
 * Everything a new version must pass before it is stored, in an order that cannot probe hidden
 * data: validation, the caller's references, the access sidecar, the policy (mayWrite), then the
 * business rules the workflows registered (write-pipeline.ts).
 */
export class VersionPreparation {
  /** The resource and patient of the write being prepared, so a refused write is audited against its patient. */
  target?: Touch;
  readonly #store: ResourceStore;
  readonly #rules: WriteRules;

  constructor(
    private readonly repo: HubRepository,
    store: ResourceStore,
    rules: WriteRules,
    private readonly lookups: AccessLookups,
    private readonly stage: WriteStage
  ) {
    this.#store = store;
    this.#rules = rules;
  }

  /**
   * The version to store and its access fields. The policy and the reference checks come before
   * anything that reads beyond the caller's scope (SSIN uniqueness, the link rules' consent and
   * exclusion look-ups).
   */
  async prepare<T extends Resource>(
    input: WithId<T>,
    current: StoredResource | undefined,
    authorisedByOperation = false
  ): Promise<{ resource: WithId<T>; access: AccessFields }> {
    const { ctx } = this.repo;
    validateForWrite(input);
    // In a bundle, references may point at entries staged later: checked at commit instead. The
    // check reads only what the caller sees (or a patient's bare existence), so it is sent with the
    // sidecar's look-ups, in the same round; its answer still comes after the policy's.
    const references = this.stage.open
      ? undefined
      : assertReferencesVisible(
          this.repo,
          input,
          keptByOperation(current, authorisedByOperation, ctx.baseUrl),
          referencesByExistence(ctx.policy.facts, input, current)
        );
    // Handled from now on: its refusal may come while the look-ups below are still running.
    references?.catch(() => undefined);
    let access: AccessFields;
    try {
      access = await computeAccessFields(input, this.lookups);
      this.target = { resource: `${input.resourceType}/${input.id}`, patient: access.patient };
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
      policy: ctx.policy,
      now: ctx.now,
      baseUrl: ctx.baseUrl,
      port: this.repo.port,
      staged: (type: string, id: string) => this.stage.doc(type, id),
      stagedDocs: () => this.stage.docs(),
      byOperation: authorisedByOperation,
    };
    const resource = (await this.#rules(rules, input as WithId<Resource>, current)) as WithId<T>;
    // The rules set the hub's own fields (release date, link period): the sidecar follows what is stored.
    if (resource === input) return { resource, access };
    const stored = await computeAccessFields(resource, this.lookups);
    if (stored.patient !== access.patient) throw new Error('A business rule may not move a resource to another patient');
    return { resource, access: stored };
  }

  /** The policy's answer on a write (mayWrite), on the facets of the new version and of the one it replaces. */
  async assertMayWrite(
    type: string,
    interaction: WriteInteraction,
    resource: Resource | undefined,
    next: AccessFields | undefined,
    current: StoredResource | undefined
  ): Promise<void> {
    const { ctx } = this.repo;
    const relative = this.lookups.relative;
    const change = {
      next: resource && next ? await writeFacetsOf(this.#store, resource, next, relative) : undefined,
      previous: current ? await writeFacetsOf(this.#store, current.r, current.a, relative) : undefined,
    };
    const decision = ctx.policy.mayWrite(type, interaction, change);
    if (decision.allowed) return;
    if (decision.reason === 'forbidden') throw new OperationOutcomeError(forbidden);
    // Hidden: a new resource about a patient the caller may not reach fails exactly like one that
    // references a missing patient; an existing resource is simply not found.
    const patient = change.next?.patient;
    if (resource && patient && !change.previous) throw missingReference(resource, patient, ctx.baseUrl);
    throw new OperationOutcomeError(notFound);
  }
}
