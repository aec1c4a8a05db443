/**
 * FHIR values the policy and the search sidecar both read: references relative to this hub and the
 * instant ranges of dates. Pure; kept here so the policy needs nothing from the layers above it.
 */

/** Far bounds for open-ended periods: Mongo compares Dates, so "no end" must still be a Date. */
export const DISTANT_PAST = new Date('0001-01-01T00:00:00.000Z');
export const DISTANT_FUTURE = new Date('9999-12-31T23:59:59.999Z');

export function relativeReference(ref: string, baseUrl: string): string {
  const prefix = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  return ref.startsWith(prefix) ? ref.slice(prefix.length) : ref;
}

export interface DateRange {
  lo: Date;
  hi: Date;
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
