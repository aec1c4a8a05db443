import { getDataType } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

const ALWAYS_KEPT = new Set(['resourceType', 'id', 'meta']);
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** `_elements`: keep the named top-level elements (plus id, meta) and mark the copy as subsetted. */
export function withElements<T extends Resource>(resource: T, elements: string[]): T {
  const keep = new Set([...ALWAYS_KEPT, ...elements]);
  return markSubsetted(pick(resource, (key) => keep.has(key)));
}

/** `_summary`: `true` keeps summary elements, `data` drops the narrative, `text` keeps only the narrative. */
export function withSummary<T extends Resource>(resource: T, summary: 'true' | 'text' | 'data'): T {
  if (summary === 'data') {
    return markSubsetted(pick(resource, (key) => key !== 'text'));
  }
  if (summary === 'text') {
    return markSubsetted(pick(resource, (key) => ALWAYS_KEPT.has(key) || key === 'text'));
  }
  const summaryProperties = getDataType(resource.resourceType).summaryProperties ?? new Set<string>();
  return markSubsetted(pick(resource, (key) => ALWAYS_KEPT.has(key) || summaryProperties.has(key)));
}

function pick<T extends Resource>(resource: T, keep: (key: string) => boolean): T {
  return Object.fromEntries(Object.entries(resource).filter(([key]) => keep(key))) as T;
}

function markSubsetted<T extends Resource>(resource: T): T {
  return { ...resource, meta: { ...resource.meta, tag: [...(resource.meta?.tag ?? []), SUBSETTED] } };
}
