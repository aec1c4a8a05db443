import type { Condition, Scalar } from './condition';
import { valueOfField } from './mongo-filter';
import type { StoredResource } from './stored-resource';

/**
 * Evaluates a Condition on one stored document with MongoDB's matching rules (an array field
 * matches when any element does; `$nin` matches a missing field; comparisons only between values
 * of one type). Used for reads by id, so the store can fetch with a lone `{_id}` filter (the only
 * filter FerretDB's SQLite backend pushes down) and still apply exactly the search's condition.
 * The differential test checks reads and searches against decide() alike.
 */
export function matchesCondition(condition: Condition, doc: StoredResource): boolean {
  if ('always' in condition) return true;
  if ('never' in condition) return false;
  if ('and' in condition) return condition.and.every((c) => matchesCondition(c, doc));
  if ('or' in condition) return condition.or.some((c) => matchesCondition(c, doc));
  const value = valueOfField(doc, condition.field);
  const values = Array.isArray(value) ? value : [value];
  if ('in' in condition) return condition.in.some((wanted) => values.some((v) => equal(v, wanted)));
  if ('notIn' in condition) return !condition.notIn.some((unwanted) => values.some((v) => equal(v, unwanted)));
  if ('exists' in condition) return (value !== undefined) === condition.exists;
  if ('prefix' in condition) return values.some((v) => typeof v === 'string' && v.startsWith(condition.prefix));
  if ('contains' in condition) return values.some((v) => typeof v === 'string' && v.includes(condition.contains));
  if ('gt' in condition) return values.some((v) => compare(v, condition.gt) > 0);
  if ('gte' in condition) return values.some((v) => compare(v, condition.gte) >= 0);
  if ('lt' in condition) return values.some((v) => compare(v, condition.lt) < 0);
  return values.some((v) => compare(v, (condition as { lte: Scalar }).lte) <= 0);
}

/** `{field: null}` matches a missing or null field, as in MongoDB. */
function equal(value: unknown, wanted: Scalar): boolean {
  if (wanted === null) return value === null || value === undefined;
  if (wanted instanceof Date) return value instanceof Date && value.getTime() === wanted.getTime();
  return value === wanted;
}

/** NaN when the types differ: every comparison with NaN is false, like MongoDB's type bracketing. */
function compare(value: unknown, bound: Scalar): number {
  if (value instanceof Date && bound instanceof Date) return value.getTime() - bound.getTime();
  if (typeof value === 'number' && typeof bound === 'number') return value - bound;
  if (typeof value === 'string' && typeof bound === 'string') return value < bound ? -1 : value > bound ? 1 : 0;
  return NaN;
}
