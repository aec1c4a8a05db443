import { OperationOutcomeError, splitSearchOnComma, type Filter } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { invalidRequest, message, type Message } from '../messages/message';
import { and, fieldIn, NEVER, or, type Condition } from '../store/condition';
import { searchParametersOf } from './definitions';
import { indexedParameters } from './search-index';
import { normalizeString, parseFhirDate, relativeReference } from './search-values';

/** Resolves a chained parameter (`patient.identifier=...`): ids of `targetType` matching `filter`, under the caller's policy. */
export type ChainResolver = (targetType: string, filter: Filter) => Promise<string[]>;

export interface CriteriaOptions {
  baseUrl: string;
  /** `Prefer: handling=lenient`: unknown parameters are ignored instead of refused. */
  lenient: boolean;
  resolveChain: ChainResolver;
}

export interface CompiledCriteria {
  where: Condition;
  /** Filters that were ignored (lenient mode); left out of the self link. */
  ignored: Filter[];
}

const DATE_PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

export async function compileCriteria(resourceType: string, filters: Filter[], options: CriteriaOptions): Promise<CompiledCriteria> {
  const parts: Condition[] = [];
  const ignored: Filter[] = [];
  for (const filter of filters) {
    try {
      parts.push(await compileFilter(resourceType, filter, options));
    } catch (err) {
      if (options.lenient && err instanceof UnsupportedSearch) {
        ignored.push(filter);
        continue;
      }
      if (err instanceof UnsupportedSearch) {
        throw new OperationOutcomeError(invalidRequest(err.reason, filter.code));
      }
      throw err;
    }
  }
  return { where: and(...parts), ignored };
}

/** A parameter or modifier the hub does not support: 400, or ignored when lenient. */
class UnsupportedSearch extends Error {
  constructor(readonly reason: Message) {
    super(reason.text);
  }
}

async function compileFilter(resourceType: string, filter: Filter, options: CriteriaOptions): Promise<Condition> {
  const { code, operator } = filter;
  if (code.startsWith('_has')) {
    // Reverse chaining could probe resources the caller may not see (SPEC §5): refused.
    throw new OperationOutcomeError(invalidRequest(message('search-has-unsupported'), code));
  }
  if (code === '_id') {
    return idCondition(filter);
  }
  if (code === '_lastUpdated') {
    return dateCondition('lastUpdated', 'lastUpdated', filter);
  }
  const dot = code.indexOf('.');
  if (dot > 0) {
    return chainCondition(resourceType, filter, code.slice(0, dot), code.slice(dot + 1), options);
  }
  const param = indexedParameters(resourceType).find((p) => p.param.code === code)?.param;
  if (!param) {
    throw new UnsupportedSearch(message('search-parameter-unknown-for-type', { name: code, type: resourceType }));
  }
  if (operator === 'missing' || operator === 'present') {
    const missing = (filter.value === 'true') === (operator === 'missing');
    return { field: presenceField(param), exists: !missing };
  }
  const values = splitSearchOnComma(filter.value);
  switch (param.type) {
    case 'token':
      return tokenCondition(code, operator, values);
    case 'reference':
      return referenceCondition(param, operator, values, options.baseUrl);
    case 'string':
      return or(...values.map((v) => stringCondition(code, operator, v)));
    case 'uri':
      return operator === 'eq' ? fieldIn(`keys.${code}`, values) : unsupported(filter);
    case 'date':
      return or(...values.map((v) => dateCondition(`lo.${code}`, `hi.${code}`, { ...filter, value: v })));
    case 'number':
    case 'quantity':
      return or(...values.map((v) => numberCondition(code, operator, v)));
    default:
      return unsupported(filter);
  }
}

function presenceField(param: SearchParameter): string {
  const code = param.code as string;
  switch (param.type) {
    case 'date':
      return `lo.${code}`;
    case 'number':
    case 'quantity':
      return `num.${code}`;
    default:
      return `keys.${code}`;
  }
}

function unsupported(filter: Filter): never {
  throw new UnsupportedSearch(message('search-modifier-unsupported', { operator: filter.operator, name: filter.code }));
}

function idCondition(filter: Filter): Condition {
  const ids = splitSearchOnComma(filter.value);
  if (filter.operator === 'eq') return fieldIn('id', ids);
  if (filter.operator === 'ne' || filter.operator === 'not') return { field: 'id', notIn: ids };
  return unsupported(filter);
}

function tokenCondition(code: string, operator: string, values: string[]): Condition {
  const field = `keys.${code}`;
  if (operator === 'eq' || operator === 'exact') return fieldIn(field, values);
  if (operator === 'not' || operator === 'ne') return { field, notIn: values };
  throw new UnsupportedSearch(message('search-token-modifier-unsupported', { operator, name: code }));
}

function referenceCondition(param: SearchParameter, operator: string, values: string[], baseUrl: string): Condition {
  const code = param.code as string;
  if (operator === 'identifier') {
    return fieldIn(`keys.${code}:identifier`, values);
  }
  if (operator !== 'eq' && operator !== 'not') {
    throw new UnsupportedSearch(message('search-reference-modifier-unsupported', { operator, name: code }));
  }
  const targets = param.target ?? [];
  const keys = values.flatMap((v) => {
    const ref = relativeReference(v, baseUrl);
    // A bare id means "this id in any target type of the parameter".
    return ref.includes('/') ? [ref] : targets.map((t) => `${t}/${ref}`);
  });
  return operator === 'not' ? { field: `keys.${code}`, notIn: keys } : fieldIn(`keys.${code}`, keys);
}

function stringCondition(code: string, operator: string, value: string): Condition {
  switch (operator) {
    case 'eq':
    case 'sw':
      return { field: `keys.${code}`, prefix: normalizeString(value) };
    case 'exact':
      return { field: `exact.${code}`, in: [value] };
    case 'contains':
      return { field: `keys.${code}`, contains: normalizeString(value) };
    default:
      throw new UnsupportedSearch(message('search-string-modifier-unsupported', { operator, name: code }));
  }
}

/** FHIR date semantics over [lo, hi] ranges: each side's range is compared, not single instants. */
function dateCondition(loField: string, hiField: string, filter: Filter): Condition {
  if (!DATE_PREFIXES.has(filter.operator)) unsupported(filter);
  const range = parseFhirDate(filter.value);
  if (!range) {
    throw new OperationOutcomeError(invalidRequest(message('search-date-invalid', { value: filter.value }), filter.code));
  }
  const { lo, hi } = range;
  switch (filter.operator) {
    case 'eq':
    case 'ap':
      return and({ field: loField, gte: lo }, { field: hiField, lte: hi });
    case 'ne':
      return or({ field: loField, lt: lo }, { field: hiField, gt: hi });
    case 'gt':
      return { field: hiField, gt: hi };
    case 'ge':
      return { field: hiField, gte: lo };
    case 'lt':
      return { field: loField, lt: lo };
    case 'le':
      return { field: loField, lte: hi };
    case 'sa':
      return { field: loField, gt: hi };
    case 'eb':
      return { field: hiField, lt: lo };
    default:
      return unsupported(filter);
  }
}

const NUMBER_PREFIX = /^(eq|ne|gt|lt|ge|le)?(-?\d+(\.\d+)?)$/;

function numberCondition(code: string, operator: string, value: string): Condition {
  const m = NUMBER_PREFIX.exec(value);
  if (!m) {
    throw new OperationOutcomeError(invalidRequest(message('search-number-invalid', { value }), code));
  }
  const n = Number(m[2]);
  const field = `num.${code}`;
  switch (m[1] ?? operator) {
    case 'gt':
      return { field, gt: n };
    case 'lt':
      return { field, lt: n };
    case 'ge':
      return { field, gte: n };
    case 'le':
      return { field, lte: n };
    case 'ne':
      return { field, notIn: [n] };
    default:
      return { field, in: [n] };
  }
}

async function chainCondition(resourceType: string, filter: Filter, referenceCode: string, targetCode: string, options: CriteriaOptions): Promise<Condition> {
  const param = searchParametersOf(resourceType)[referenceCode];
  if (param?.type !== 'reference') {
    throw new UnsupportedSearch(message('search-chain-unknown', { name: filter.code, type: resourceType }));
  }
  const alternatives: Condition[] = [];
  for (const target of param.target ?? []) {
    if (!searchParametersOf(target)[targetCode]) continue;
    const ids = await options.resolveChain(target, { code: targetCode, operator: filter.operator, value: filter.value });
    alternatives.push(
      fieldIn(
        `keys.${referenceCode}`,
        ids.map((id) => `${target}/${id}`)
      )
    );
  }
  if (!alternatives.length) {
    throw new UnsupportedSearch(message('search-chain-unknown', { name: filter.code, type: resourceType }));
  }
  return or(...alternatives, NEVER);
}
