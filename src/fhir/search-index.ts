import { evalFhirPathTyped, parseFhirPath, toTypedValue, type FhirPathAtom } from '@medplum/core';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import type { SearchFields } from '../store/stored-resource';
import { searchParametersOf } from './definitions';
import { dateRangeOf, normalizeString, numberValuesOf, referenceIdentifierKeysOf, referenceKeysOf, stringValuesOf, tokenKeysOf } from './search-values';

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

/**
 * The search sidecar of a resource (ARCHITECTURE "Storage model"; its shape is the store's
 * SearchFields): every value a search can match, precomputed at write time so searches never walk
 * the FHIR JSON.
 */
export function extractSearchFields(resource: Resource, baseUrl: string): SearchFields {
  const fields: SearchFields = { s: {}, x: {}, dl: {}, dh: {}, n: {}, o: {} };
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
      put(fields.s, code, values.flatMap(tokenKeysOf));
      const first = values.flatMap(tokenKeysOf)[0];
      if (first !== undefined) fields.o[code] = first;
      break;
    }
    case 'reference':
    case 'uri': {
      const refs = values.flatMap((v) => referenceKeysOf(v, baseUrl));
      put(fields.s, code, refs);
      put(fields.s, code + ':identifier', values.flatMap(referenceIdentifierKeysOf));
      if (refs[0] !== undefined) fields.o[code] = refs[0];
      break;
    }
    case 'string': {
      const texts = values.flatMap(stringValuesOf);
      put(fields.x, code, texts);
      put(fields.s, code, texts.map(normalizeString));
      if (texts[0] !== undefined) fields.o[code] = normalizeString(texts[0]);
      break;
    }
    case 'date': {
      const ranges = values.map(dateRangeOf).filter((r) => r !== undefined);
      if (ranges.length) {
        fields.dl[code] = new Date(Math.min(...ranges.map((r) => r.lo.getTime())));
        fields.dh[code] = new Date(Math.max(...ranges.map((r) => r.hi.getTime())));
        fields.o[code] = fields.dl[code];
      }
      break;
    }
    case 'number':
    case 'quantity': {
      const nums = values.flatMap(numberValuesOf);
      put(fields.n, code, nums);
      if (nums[0] !== undefined) fields.o[code] = nums[0];
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
