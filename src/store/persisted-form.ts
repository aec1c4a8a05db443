import type { AccessFields, SearchFields, StoredResource } from './stored-resource';

/**
 * The form a StoredResource takes in the database. FerretDB on PostgreSQL pushes down only
 * top-level, non-dotted `field: scalar` keys of a filter (as `_jsonb->'field' @> value`); a
 * dotted path into a nested sidecar is evaluated after reading every row of the collection. So the
 * two sidecars that hot queries compare for equality are flattened into top-level fields: the
 * search keys `s.<code>` are stored as `s:<code>` and the access sidecar `a.<name>` as `a:<name>`
 * (':' is legal in MongoDB and FerretDB field names; no other stored field starts with `s:` or
 * `a:`). The range and sort sidecars (x, dl, dh, n, o) are never pushed down and stay nested. The
 * rest of the hub sees only the in-memory shape: conversion happens here, at the store's boundary,
 * on every write and every read.
 */
export type PersistedResource = Omit<StoredResource, 's' | 'a'> & { [key: `s:${string}`]: string[] } & { [key: `a:${string}`]: unknown };

const SEARCH_KEYS = 's:';
const ACCESS = 'a:';

/** The top-level field of one search key (`patient` -> `s:patient`). */
export function searchKeyField(code: string): string {
  return SEARCH_KEYS + code;
}

/** The top-level field of one access-sidecar field (`patient` -> `a:patient`). */
export function accessField(name: string): string {
  return ACCESS + name;
}

export function toPersisted(doc: StoredResource): PersistedResource {
  const { s, a, ...rest } = doc;
  const flat: Record<string, unknown> = { ...rest };
  for (const [code, values] of Object.entries(s)) flat[searchKeyField(code)] = values;
  for (const [name, value] of Object.entries(a)) flat[accessField(name)] = value;
  return flat as PersistedResource;
}

export function fromPersisted(stored: PersistedResource): StoredResource {
  const doc: Record<string, unknown> = {};
  const s: SearchFields['s'] = {};
  const a: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (key.startsWith(SEARCH_KEYS)) s[key.slice(SEARCH_KEYS.length)] = value as string[];
    else if (key.startsWith(ACCESS)) a[key.slice(ACCESS.length)] = value;
    else doc[key] = value;
  }
  return { ...doc, s, a: a as AccessFields } as StoredResource;
}

/** `$set` of access-sidecar fields on the persisted form. */
export function accessUpdate(fields: AccessFields): { [key: `a:${string}`]: unknown } {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [accessField(name), value]));
}
