/** The input limits of SPEC §1, in one place: the HTTP body reader and the FHIR checks share them. */

/** Deepest nesting of objects and arrays a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** Longest string value, in characters; `Binary.data` and `Attachment.data` are bounded by the body only. */
export const MAX_STRING_LENGTH = 1024 * 1024;

/** Most distinct query (or form `_search`) parameters of one search. */
export const MAX_SEARCH_PARAMETERS = 100;

/** Most values of one parameter, counting repeats and comma-separated values. */
export const MAX_VALUES_PER_PARAMETER = 50;

/**
 * Most characters of all parameter names and values of one search together: what a GET can carry
 * in its URL (Node's 16 KB header limit), also for `_search` bodies. The query is kept in the
 * audit trail, so its size must stay that of a query.
 */
export const MAX_SEARCH_TEXT = 16 * 1024;

/** Largest `_count`. */
export const MAX_SEARCH_COUNT = 1000;

/** Most chained parameters (`patient.name=...`) of one search: each costs a query of its own. */
export const MAX_CHAINED_PARAMETERS = 5;

/**
 * Names that are never FHIR element or search parameter names but mean something to JavaScript
 * (prototype pollution, inherited members mistaken for definitions) or to MongoDB (`_id`, `$` operators).
 */
const OBJECT_MEMBERS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** A name of Object.prototype's members: refused as a search parameter or element name. */
export function isObjectMember(name: string): boolean {
  return OBJECT_MEMBERS.has(name);
}

/** A JSON key that must never reach the store or a lookup table (SPEC §1): a 400 wherever it appears. */
export function isForbiddenKey(key: string): boolean {
  return OBJECT_MEMBERS.has(key) || key === '_id' || key.startsWith('$');
}
