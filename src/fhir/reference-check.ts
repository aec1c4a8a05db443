import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { HubRepository } from './hub-repository';
import { isServedType } from './served-types';

const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * A write may not point at a resource the caller cannot see (SPEC §5): a reference to a hidden
 * resource gets exactly the error of a reference to a missing one.
 */
export async function assertReferencesVisible(repo: HubRepository, resource: Resource, staged: Set<string>): Promise<void> {
  const self = `${resource.resourceType}/${resource.id}`;
  for (const { reference, path } of referencesIn(resource)) {
    const m = RELATIVE_REFERENCE.exec(reference);
    if (!m || !isServedType(m[1]) || reference === self || staged.has(reference)) continue;
    try {
      const doc = await repo.visibleCurrent(m[1], m[2]);
      if (doc.del) throw new Error('deleted');
    } catch {
      throw new OperationOutcomeError(badRequest(`Reference not found: ${reference}`, path));
    }
  }
}

function referencesIn(value: unknown, path = ''): { reference: string; path: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => referencesIn(v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
    key === 'reference' && typeof v === 'string' ? [{ reference: v, path: `${path}.reference`.replace(/^\./, '') }] : referencesIn(v, path ? `${path}.${key}` : key)
  );
}
