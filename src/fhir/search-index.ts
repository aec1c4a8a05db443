import { evalFhirPathTyped, parseFhirPath, toTypedValue, type FhirPathAtom } from '@medplum/core';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { searchParametersOf } from './definitions';
import { dateRangeOf, normalizeString, numberValuesOf, referenceIdentifierKeysOf, referenceKeysOf, stringValuesOf, tokenKeysOf } from './search-values';

/**
 * The search sidecar stored next to each resource (ARCHITECTURE "Storage model"): every value a
 * search can match, precomputed at write time so searches never walk the FHIR JSON.
 * Field names are search parameter codes.
 */
export interface SearchFields {
  /** token, reference, uri and normalised string keys. `code:identifier` holds Reference.identifier keys. */
  keys: Record<string, string[]>;
  /** string values as written, for `:exact`. */
  exact: Record<string, string[]>;
  /** date parameters: the earliest start and the latest end over all values. */
  lo: Record<string, Date>;
  hi: Record<string, Date>;
  num: Record<string, number[]>;
  /** one scalar per parameter to sort on. */
  sort: Record<string, string | number | Date>;
}

/** Parameters handled by the document itself, not the sidecar. */
const BUILT_IN = new Set(['_id', '_lastUpdated', '_compartment', '_source', '_profile']);
const INDEXED_TYPES = new Set(['token', 'reference', 'string', 'uri', 'date', 'number', 'quantity']);

interface CompiledParam {
  param: SearchParameter;
  atom: FhirPathAtom;
}

const compiledByType = new Map<string, CompiledParam[]>();

/** The indexable search parameters of a type with their expression narrowed to that type, parsed once. */
export function indexedParameters(resourceType: string): CompiledParam[] {
  let compiled = compiledByType.get(resourceType);
  if (!compiled) {
    compiled = Object.values(searchParametersOf(resourceType))
      .filter((p) => !BUILT_IN.has(p.code as string) && INDEXED_TYPES.has(p.type as string) && p.expression)
      .map((param) => ({ param, expression: expressionFor(resourceType, param.expression as string) }))
      .filter((c): c is { param: SearchParameter; expression: string } => !!c.expression)
      .map(({ param, expression }) => ({ param, atom: parseFhirPath(expression) }));
    compiledByType.set(resourceType, compiled);
  }
  return compiled;
}

/** Shared parameters list every base type in one union; keep only this type's branches. */
function expressionFor(resourceType: string, expression: string): string | undefined {
  const parts = splitUnion(expression).filter((p) => p.startsWith(resourceType + '.') || p.startsWith('(' + resourceType + '.') || p === resourceType);
  return parts.length ? parts.join(' | ') : undefined;
}

function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of expression) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '|' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

export function extractSearchFields(resource: Resource, baseUrl: string): SearchFields {
  const fields: SearchFields = { keys: {}, exact: {}, lo: {}, hi: {}, num: {}, sort: {} };
  const input = [toTypedValue(resource)];
  for (const { param, atom } of indexedParameters(resource.resourceType)) {
    const code = param.code as string;
    const values = evalFhirPathTyped(atom, input);
    if (values.length) {
      addValues(fields, code, param.type as string, values, baseUrl);
    }
  }
  return fields;
}

function addValues(fields: SearchFields, code: string, type: string, values: ReturnType<typeof evalFhirPathTyped>, baseUrl: string): void {
  switch (type) {
    case 'token': {
      put(fields.keys, code, values.flatMap(tokenKeysOf));
      const first = values.flatMap(tokenKeysOf)[0];
      if (first !== undefined) fields.sort[code] = first;
      break;
    }
    case 'reference':
    case 'uri': {
      const refs = values.flatMap((v) => referenceKeysOf(v, baseUrl));
      put(fields.keys, code, refs);
      put(fields.keys, code + ':identifier', values.flatMap(referenceIdentifierKeysOf));
      if (refs[0] !== undefined) fields.sort[code] = refs[0];
      break;
    }
    case 'string': {
      const texts = values.flatMap(stringValuesOf);
      put(fields.exact, code, texts);
      put(fields.keys, code, texts.map(normalizeString));
      if (texts[0] !== undefined) fields.sort[code] = normalizeString(texts[0]);
      break;
    }
    case 'date': {
      const ranges = values.map(dateRangeOf).filter((r) => r !== undefined);
      if (ranges.length) {
        fields.lo[code] = new Date(Math.min(...ranges.map((r) => r.lo.getTime())));
        fields.hi[code] = new Date(Math.max(...ranges.map((r) => r.hi.getTime())));
        fields.sort[code] = fields.lo[code];
      }
      break;
    }
    case 'number':
    case 'quantity': {
      const nums = values.flatMap(numberValuesOf);
      put(fields.num, code, nums);
      if (nums[0] !== undefined) fields.sort[code] = nums[0];
      break;
    }
  }
}

function put<T>(target: Record<string, T[]>, code: string, values: T[]): void {
  const unique = [...new Set(values)];
  if (unique.length) {
    target[code] = unique;
  }
}
