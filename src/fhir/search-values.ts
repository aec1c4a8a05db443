import type { TypedValue } from '@medplum/core';
import type { CodeableConcept, Coding, HumanName, Address, Identifier, Period, Reference, Quantity } from '@medplum/fhirtypes';

/** Far bounds for open-ended periods: Mongo compares Dates, so "no end" must still be a Date. */
export const DISTANT_PAST = new Date('0001-01-01T00:00:00.000Z');
export const DISTANT_FUTURE = new Date('9999-12-31T23:59:59.999Z');

/** Case- and accent-insensitive form used for `string` search (FHIR: starts-with, ignoring case and accents). */
export function normalizeString(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
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

export function relativeReference(ref: string, baseUrl: string): string {
  const prefix = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  return ref.startsWith(prefix) ? ref.slice(prefix.length) : ref;
}

/** Identifier keys of a Reference.identifier, for the `:identifier` modifier. */
export function referenceIdentifierKeysOf(tv: TypedValue): string[] {
  const ident = (tv.value as Reference | undefined)?.identifier;
  return ident ? codingKeys(ident.system, ident.value) : [];
}

export interface DateRange {
  lo: Date;
  hi: Date;
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

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Parses a FHIR date/dateTime/instant (or a search value) into its covered range; undefined when invalid. */
export function parseFhirDate(value: string): DateRange | undefined {
  const m = DATE_RE.exec(value.trim());
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  // Out-of-range parts are invalid, not rolled over (2023-02-29 is no date).
  if (mo && (Number(mo) < 1 || Number(mo) > 12)) return undefined;
  if (d && (Number(d) < 1 || Number(d) > daysIn(year, Number(mo) - 1))) return undefined;
  if (h && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) return undefined;
  if (!mo) {
    return { lo: utc(year, 0, 1), hi: new Date(utc(year + 1, 0, 1).getTime() - 1) };
  }
  const month = Number(mo) - 1;
  if (!d) {
    return { lo: utc(year, month, 1), hi: new Date(utc(year, month + 1, 1).getTime() - 1) };
  }
  const day = Number(d);
  if (!h) {
    return { lo: utc(year, month, day), hi: new Date(utc(year, month, day + 1).getTime() - 1) };
  }
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${tz ?? 'Z'}`;
  const start = new Date(iso);
  if (Number.isNaN(start.getTime())) {
    return undefined;
  }
  const width = frac ? 1 : s ? 1000 : 60_000;
  return { lo: start, hi: new Date(start.getTime() + width - 1) };
}

/** Midnight UTC; month and day may overflow into the next month or year (month 12 = next January). */
function utc(year: number, month: number, day: number): Date {
  const d = new Date(Date.UTC(year, month, day));
  // Date.UTC reads years 0-99 as 1900-1999.
  if (year < 100) d.setUTCFullYear(d.getUTCFullYear() - 1900);
  return d;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
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
