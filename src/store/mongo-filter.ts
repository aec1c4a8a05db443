import type { Filter, Document } from 'mongodb';
import type { Condition } from './condition';
import { accessField, searchKeyField } from './persisted-form';
import type { StoredResource } from './stored-resource';

/** Where each logical field of a Condition lives in a StoredResource (in memory). */
const SIDECARS: Record<string, keyof StoredResource> = {
  keys: 's',
  exact: 'x',
  lo: 'dl',
  hi: 'dh',
  num: 'n',
  access: 'a',
  sort: 'o',
};

/** The sidecar and the name inside it of a logical field (`keys.patient` -> s, patient). */
function sidecarOf(field: string): { sidecar: keyof StoredResource; name: string } {
  const dot = field.indexOf('.');
  const sidecar = dot > 0 ? SIDECARS[field.slice(0, dot)] : undefined;
  if (!sidecar) {
    // A wrong field name is a programming error; refusing it keeps a typo from matching everything.
    throw new Error(`Unknown condition field: ${field}`);
  }
  return { sidecar, name: field.slice(dot + 1) };
}

/**
 * The path of a logical field in the persisted form (persisted-form.ts): search keys and access
 * fields are top-level (`s:patient`, `a:patient`, what FerretDB can push down), the other sidecars nested.
 */
export function storedPath(field: string): string {
  if (field === 'id') return '_id';
  if (field === 'lastUpdated') return 'ts';
  const { sidecar, name } = sidecarOf(field);
  if (sidecar === 's') return searchKeyField(name);
  if (sidecar === 'a') return accessField(name);
  return `${sidecar}.${name}`;
}

/** The value of a logical field in the in-memory form, for evaluating a condition or a sort key on a read document. */
export function valueOfField(doc: StoredResource, field: string): unknown {
  if (field === 'id') return doc._id;
  if (field === 'lastUpdated') return doc.ts;
  const { sidecar, name } = sidecarOf(field);
  const values = doc[sidecar];
  return values !== null && typeof values === 'object' ? (values as unknown as Record<string, unknown>)[name] : undefined;
}

/**
 * One filter for a condition, with its equalities on one value hoisted to top-level keys. MongoDB
 * matches the same rows either way; FerretDB on PostgreSQL pushes down only top-level
 * `field: scalar` keys (never inside `$and`, never `$in`, `$or` or ranges), so this shape is what
 * lets its indexes answer the hot queries (patient search, facts, look-ups by identifier).
 */
export function toMongoFilter(condition: Condition): Filter<Document> {
  return allOf(compile(condition));
}

/**
 * The conjunction of several filters as one filter: every conjunct `{path: scalar}` whose path is
 * not yet a top-level key becomes one (in the order given, so list the most selective first);
 * the rest stay in a `$and`. A second equality on the same path (two values of a multikey field)
 * stays in the `$and`, so nothing is overwritten.
 */
export function allOf(...filters: Document[]): Filter<Document> {
  const conjuncts = filters.flatMap(conjunctsOf);
  const top: Record<string, unknown> = {};
  const rest: Document[] = [];
  for (const conjunct of conjuncts) {
    const [key, value] = Object.entries(conjunct)[0];
    if (isPushable(value) && !Object.hasOwn(top, key)) top[key] = value;
    else rest.push(conjunct);
  }
  return (rest.length ? { ...top, $and: rest } : top) as Filter<Document>;
}

/** Scalars FerretDB pushes down as `@>` (null and arrays it does not, and they mean other things). */
function isPushable(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number' || value instanceof Date;
}

/** A filter as a list of one-key conjuncts: `$and`s are opened, a multi-key object split by key. */
function conjunctsOf(filter: Document): Document[] {
  const out: Document[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and') out.push(...(value as Document[]).flatMap(conjunctsOf));
    else out.push({ [key]: value });
  }
  return out;
}

function compile(condition: Condition): Filter<Document> {
  if ('always' in condition) return {};
  // `_id: {$in: []}` matches nothing on both MongoDB and FerretDB.
  if ('never' in condition) return { _id: { $in: [] } };
  if ('and' in condition) return { $and: condition.and.map(compile) };
  // Inside an `$or` each branch is hoisted on its own (MongoDB may use an index per branch).
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
