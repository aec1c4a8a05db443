/**
 * A boolean condition over stored fields, the common language of search criteria and access
 * constraints. The policy and the FHIR layer build conditions; only the store turns them into a
 * MongoDB filter, so both end up in one query (counts, sorting and paging stay right).
 *
 * Fields: `id`, `lastUpdated`, `keys.<code>`, `exact.<code>`, `lo.<code>`, `hi.<code>`,
 * `num.<code>` (the search sidecar) and `access.<name>` (the access sidecar).
 */
export type Scalar = string | number | boolean | Date | null;

export type Condition =
  | { always: true }
  | { never: true }
  | { and: Condition[] }
  | { or: Condition[] }
  | { field: string; in: Scalar[] }
  | { field: string; notIn: Scalar[] }
  | { field: string; gt: Scalar }
  | { field: string; gte: Scalar }
  | { field: string; lt: Scalar }
  | { field: string; lte: Scalar }
  | { field: string; exists: boolean }
  | { field: string; prefix: string }
  | { field: string; contains: string };

export const ALWAYS: Condition = { always: true };
export const NEVER: Condition = { never: true };

export function and(...parts: Condition[]): Condition {
  const kept = parts.filter((p) => !('always' in p));
  if (kept.some((p) => 'never' in p)) {
    return NEVER;
  }
  return kept.length === 0 ? ALWAYS : kept.length === 1 ? kept[0] : { and: kept };
}

export function or(...parts: Condition[]): Condition {
  const kept = parts.filter((p) => !('never' in p));
  if (kept.some((p) => 'always' in p)) {
    return ALWAYS;
  }
  return kept.length === 0 ? NEVER : kept.length === 1 ? kept[0] : { or: kept };
}

export function fieldIn(field: string, values: Scalar[]): Condition {
  return values.length ? { field, in: values } : NEVER;
}
