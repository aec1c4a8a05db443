import { gone, notFound, OperationOutcomeError, type WithId } from '@medplum/core';
import type { ReadHistoryOptions } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { touch, type Access } from '../audit/access-log';
import type { Condition } from '../store/condition';
import { matchesCondition } from '../store/condition-eval';
import type { HistoryEntry, StoredResource } from '../store/stored-resource';
import { historyBundle } from './history-bundle';
import type { ResourceStore } from '../store/resource-store';
import type { HubRepository } from './hub-repository';

/**
 * History and vread for the repository's caller: the current version must be visible, and each
 * older version is judged on its own access fields (filed under another patient, labelled V or
 * restricted then, it stays hidden even if the current version is visible).
 */
export async function instanceHistory<T extends Resource>(
  repo: HubRepository,
  store: ResourceStore,
  access: Access,
  resourceType: string,
  id: string,
  options?: ReadHistoryOptions
): Promise<Bundle<WithId<T>>> {
  const { ctx } = repo;
  const current = await repo.visibleCurrent(resourceType, id);
  touch(access, `${resourceType}/${id}`, current.a.patient);
  const limit = Math.min(Math.max(options?.limit ?? 50, 1), 1000);
  const { entries } = await store.instanceHistory(resourceType, current, 1000, 0);
  const scope = ctx.policy.readScope(resourceType, 'r');
  const visible = entries.filter((e) => versionVisible(scope, e, current)).map((e) => asSeen(repo, e));
  const offset = options?.offset ?? 0;
  return historyBundle(visible.slice(offset, offset + limit), ctx.baseUrl, visible.length) as Bundle<WithId<T>>;
}

export async function typeHistory(
  repo: HubRepository,
  store: ResourceStore,
  access: Access,
  resourceType: string,
  limit: number,
  since?: Date
): Promise<Bundle> {
  const { ctx } = repo;
  const scope = ctx.policy.readScope(resourceType, 's');
  const entries = (await store.typeHistory(resourceType, scope, limit, since)).filter((e) => versionVisible(scope, e));
  for (const e of entries) touch(access, `${resourceType}/${e.id}`, e.a?.patient);
  return historyBundle(
    entries.map((e) => asSeen(repo, e)),
    ctx.baseUrl
  );
}

export async function versionOf<T extends Resource>(
  repo: HubRepository,
  store: ResourceStore,
  access: Access,
  resourceType: string,
  id: string,
  vid: string
): Promise<WithId<T>> {
  const { ctx } = repo;
  const current = await repo.visibleCurrent(resourceType, id);
  touch(access, `${resourceType}/${id}`, current.a.patient);
  const version = /^\d+$/.test(vid) ? Number(vid) : NaN;
  const entry = Number.isNaN(version) ? undefined : await store.readVersion(resourceType, id, version, current);
  if (!entry || !versionVisible(ctx.policy.readScope(resourceType, 'r'), entry, current)) throw new OperationOutcomeError(notFound);
  if (entry.del) throw new OperationOutcomeError(gone);
  return repo.shown(entry.r) as WithId<T>;
}

/** An older version as the caller may see it, like a read (SPEC §7: decision entities are kept from professionals). */
function asSeen(repo: HubRepository, entry: HistoryEntry): HistoryEntry {
  return entry.del ? entry : { ...entry, r: repo.shown(entry.r) };
}

/**
 * A history entry under the caller's read condition, on the access fields it was written with;
 * the consent window is the patient's current one (it is maintained on current documents only).
 */
function versionVisible(scope: Condition, entry: HistoryEntry, current?: StoredResource): boolean {
  if (!entry.a) return false;
  const a = current ? { ...entry.a, consentFrom: current.a.consentFrom, consentUntil: current.a.consentUntil } : entry.a;
  return matchesCondition(scope, { _id: entry.id, v: entry.v, ts: entry.ts, del: entry.del, r: entry.r, s: {}, x: {}, dl: {}, dh: {}, n: {}, o: {}, a });
}
