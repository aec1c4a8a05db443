import type { TypedValue } from '@medplum/core';
import { DISTANT_FUTURE, DISTANT_PAST, parseFhirDate, relativeReference, type DateRange } from '../policy/fhir-values';

/** Pure value parsing shared with the policy lives below it (src/policy/fhir-values.ts). */
export { DISTANT_FUTURE, DISTANT_PAST, parseFhirDate, relativeReference, type DateRange } from '../policy/fhir-values';
import type { CodeableConcept, Coding, HumanName, Address, Identifier, Period, Reference, Quantity } from '@medplum/fhirtypes';

/** Case- and accent-insensitive form used for `string` search (FHIR: starts-with, ignoring case and accents). */
export function normalizeString(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

/** Texts a `string` parameter matches on, by FHIR data type. */
export function stringValuesOf(tv: TypedValue): string[] {
  const v = tv.value;
  switch (tv.type) {
    case 'HumanName': {
      const n = v as HumanName;
      return [n.text, n.family, ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? [])].filter(isText);
    }
    case 'Address': {
      const a = v as Address;
      return [a.text, ...(a.line ?? []), a.city, a.district, a.state, a.postalCode, a.country].filter(isText);
    }
    default:
      return typeof v === 'string' ? [v] : [];
  }
}

/**
 * Keys a `token` parameter matches on. A coding with system S and code C yields `C`, `S|C` and `S|`
 * (any code in S); without a system it yields `C` and `|C`. The query side picks the same form.
 */
export function tokenKeysOf(tv: TypedValue): string[] {
  const v = tv.value;
  switch (tv.type) {
    case 'CodeableConcept':
      return ((v as CodeableConcept).coding ?? []).flatMap((c) => codingKeys(c.system, c.code));
    case 'Coding':
      return codingKeys((v as Coding).system, (v as Coding).code);
    case 'Identifier':
      return codingKeys((v as Identifier).system, (v as Identifier).value);
    case 'ContactPoint':
      return codingKeys(undefined, (v as { value?: string }).value);
    case 'boolean':
      return codingKeys(undefined, String(v));
    default:
      return typeof v === 'string' ? codingKeys(undefined, v) : [];
  }
}

function codingKeys(system: string | undefined, code: string | undefined): string[] {
  if (!code) {
    return system ? [`${system}|`] : [];
  }
  return system ? [code, `${system}|${code}`, `${system}|`] : [code, `|${code}`];
}

/** Relative `Type/id` keys for a reference; absolute URLs on this hub's base are made relative. */
export function referenceKeysOf(tv: TypedValue, baseUrl: string): string[] {
  if (tv.type === 'canonical' || tv.type === 'uri') {
    return typeof tv.value === 'string' ? [tv.value] : [];
  }
  const ref = (tv.value as Reference).reference;
  if (!ref) {
    return [];
  }
  return [relativeReference(ref, baseUrl)];
}

/** Identifier keys of a Reference.identifier, for the `:identifier` modifier. */
export function referenceIdentifierKeysOf(tv: TypedValue): string[] {
  const ident = (tv.value as Reference | undefined)?.identifier;
  return ident ? codingKeys(ident.system, ident.value) : [];
}

/** The instant range a FHIR date value covers, by its precision (2020 = the whole year). */
export function dateRangeOf(tv: TypedValue): DateRange | undefined {
  const v = tv.value;
  if (tv.type === 'Period') {
    const p = v as Period;
    const lo = p.start ? parseFhirDate(p.start)?.lo : DISTANT_PAST;
    const hi = p.end ? parseFhirDate(p.end)?.hi : DISTANT_FUTURE;
    return lo && hi ? { lo, hi } : undefined;
  }
  if (typeof v === 'string') {
    return parseFhirDate(v);
  }
  return undefined;
}

export function numberValuesOf(tv: TypedValue): number[] {
  if (typeof tv.value === 'number') {
    return [tv.value];
  }
  const q = tv.value as Quantity | undefined;
  return typeof q?.value === 'number' ? [q.value] : [];
}

function isText(s: string | undefined): s is string {
  return typeof s === 'string' && s.length > 0;
}
