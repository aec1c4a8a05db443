import type { Filter, Document } from 'mongodb';
import type { Condition } from './condition';

/** Where each logical field of a Condition lives in a stored document. */
const FIELD_PREFIXES: Record<string, string> = {
  keys: 's',
  exact: 'x',
  lo: 'dl',
  hi: 'dh',
  num: 'n',
  access: 'a',
  sort: 'o',
};

export function storedPath(field: string): string {
  if (field === 'id') return '_id';
  if (field === 'lastUpdated') return 'ts';
  const dot = field.indexOf('.');
  const prefix = dot > 0 ? FIELD_PREFIXES[field.slice(0, dot)] : undefined;
  if (!prefix) {
    // A wrong field name is a programming error; refusing it keeps a typo from matching everything.
    throw new Error(`Unknown condition field: ${field}`);
  }
  return `${prefix}.${field.slice(dot + 1)}`;
}

export function toMongoFilter(condition: Condition): Filter<Document> {
  if ('always' in condition) return {};
  // `_id: {$in: []}` matches nothing on both MongoDB and FerretDB.
  if ('never' in condition) return { _id: { $in: [] } };
  if ('and' in condition) return { $and: condition.and.map(toMongoFilter) };
  if ('or' in condition) return { $or: condition.or.map(toMongoFilter) };
  const path = storedPath(condition.field);
  if ('in' in condition) {
    return condition.in.length === 1 ? { [path]: condition.in[0] } : { [path]: { $in: condition.in } };
  }
  if ('notIn' in condition) return { [path]: { $nin: condition.notIn } };
  if ('gt' in condition) return { [path]: { $gt: condition.gt } };
  if ('gte' in condition) return { [path]: { $gte: condition.gte } };
  if ('lt' in condition) return { [path]: { $lt: condition.lt } };
  if ('lte' in condition) return { [path]: { $lte: condition.lte } };
  if ('exists' in condition) return { [path]: { $exists: condition.exists } };
  if ('prefix' in condition) return { [path]: { $regex: '^' + escapeRegex(condition.prefix) } };
  return { [path]: { $regex: escapeRegex(condition.contains) } };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
