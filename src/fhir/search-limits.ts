import { OperationOutcomeError, splitSearchOnComma, type SearchRequest } from '@medplum/core';
import { invalidRequest, message, type Message } from '../messages/message';
import { isObjectMember, MAX_CHAINED_PARAMETERS, MAX_SEARCH_COUNT, MAX_SEARCH_TEXT, MAX_SEARCH_PARAMETERS, MAX_VALUES_PER_PARAMETER } from './input-limits';

/**
 * SPEC §1's limits on a search, checked on the raw parameters before anything parses them: at
 * most 100 parameters, 50 values each (repeats and comma-separated values together), `_count` an
 * integer 0..1000, no more text than a URL holds (16 KB), and no parameter named like an Object.prototype member (`constructor`,
 * `toString`), which lookup tables would otherwise mistake for a definition. 400 otherwise.
 */
/** Result parameters whose values name search parameters or elements, looked up in tables by that name. */
const NAMING_PARAMETERS = new Set(['_include', '_revinclude', '_sort', '_elements']);

export function assertSearchParametersWithinLimits(pairs: readonly [string, string][]): void {
  const values = new Map<string, number>();
  let text = 0;
  for (const [name, value] of pairs) {
    text += name.length + value.length + 2;
    if (text > MAX_SEARCH_TEXT) throw refused(message('search-text-too-long', { max: MAX_SEARCH_TEXT }));
    if (name.split(/[.:]/).some(isObjectMember)) {
      throw refused(message('search-parameter-unknown', { name: name.slice(0, 64) }), name.slice(0, 64));
    }
    if (NAMING_PARAMETERS.has(name.split(':')[0]) && value.split(/[\s:,.$-]+/).some(isObjectMember)) {
      throw refused(message('search-parameter-unknown-in', { name }), name.slice(0, 64));
    }
    if (name === '_count' && !(/^\d{1,4}$/.test(value) && Number(value) <= MAX_SEARCH_COUNT)) {
      throw refused(message('search-count-invalid', { max: MAX_SEARCH_COUNT }), '_count');
    }
    values.set(name, (values.get(name) ?? 0) + splitSearchOnComma(value).length);
    if (values.size > MAX_SEARCH_PARAMETERS) {
      throw refused(message('search-parameters-too-many', { max: MAX_SEARCH_PARAMETERS }));
    }
    if ((values.get(name) ?? 0) > MAX_VALUES_PER_PARAMETER) {
      throw refused(message('search-values-too-many', { max: MAX_VALUES_PER_PARAMETER, name: name.slice(0, 64) }), name.slice(0, 64));
    }
  }
}

/**
 * The same limits on a parsed search, for searches that do not arrive as a query string (GET
 * entries of a batch) and as the last word before the database: a `_count` that is not an integer
 * made the database drop the connection.
 */
export function assertSearchRequestWithinLimits(request: SearchRequest): void {
  const count = request.count;
  if (count !== undefined && !(Number.isInteger(count) && count >= 0 && count <= MAX_SEARCH_COUNT)) {
    throw refused(message('search-count-invalid', { max: MAX_SEARCH_COUNT }), '_count');
  }
  const filters = request.filters ?? [];
  assertSearchParametersWithinLimits(filters.map((f) => [f.code, f.value]));
  if (filters.filter((f) => f.code.includes('.')).length > MAX_CHAINED_PARAMETERS) {
    throw refused(message('search-chains-too-many', { max: MAX_CHAINED_PARAMETERS }));
  }
}

function refused(m: Message, expression?: string): OperationOutcomeError {
  return new OperationOutcomeError(invalidRequest(m, expression));
}
